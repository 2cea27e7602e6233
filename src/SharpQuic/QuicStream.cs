using System.Runtime.CompilerServices;
using SharpQuic.Core.Streams;
using SharpQuic.Runtime;

namespace SharpQuic;

/// <summary>
/// A QUIC stream as a <see cref="Stream"/>, shaped like System.Net.Quic's: one read and one write may be pending at
/// a time; each is posted to the connection's worker and completed through a reusable value-task source, so the
/// steady state allocates nothing per call.
/// </summary>
public sealed partial class QuicStream : Stream
{
    private readonly QuicConnection _connection;
    private readonly ResettableValueTaskSource<int> _readSource = new();
    private readonly ResettableValueTaskSource<int> _writeSource = new();
    private readonly TaskCompletionSource _readsClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _writesClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _readEnded;
    private volatile bool _writeEnded;
    private int _disposed;
    private long _readFinalSize = -1;
    private readonly TaskCompletionSource<long?> _readFinalSizeKnown = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _writeFinalSize = -1;
    private long _bytesWritten; // taken by the transport: the final size of a clean end

    internal QuicStream(QuicConnection connection, StreamId id)
    {
        _connection = connection;
        StreamId = id;
        Type = id.IsBidirectional ? QuicStreamType.Bidirectional : QuicStreamType.Unidirectional;
        bool ours = id.IsClientInitiated != connection.IsServer;
        CanReadStream = Type == QuicStreamType.Bidirectional || !ours;
        CanWriteStream = Type == QuicStreamType.Bidirectional || ours;
        if (!CanReadStream)
        {
            _readEnded = true;
            _readsClosed.TrySetResult();
            _readFinalSizeKnown.TrySetResult(null);
        }

        if (!CanWriteStream)
        {
            _writeEnded = true;
            _writesClosed.TrySetResult();
        }

        // The tasks are observed by the application or not at all: never let an unobserved fault escalate.
        _readsClosed.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _writesClosed.Task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>The stream ID (RFC 9000 §2.1).</summary>
    public long Id => (long)StreamId.Value;

    /// <summary>Unidirectional or bidirectional.</summary>
    public QuicStreamType Type { get; }

    /// <summary>Completes when the read side ends: successfully at the end of the stream, with an exception on abort or reset.</summary>
    public Task ReadsClosed => _readsClosed.Task;

    /// <summary>Completes when the write side ends: successfully once everything sent was acknowledged, with an exception on abort or STOP_SENDING.</summary>
    public Task WritesClosed => _writesClosed.Task;

    /// <inheritdoc/>
    public override bool CanRead => CanReadStream && Volatile.Read(ref _disposed) == 0;

    /// <inheritdoc/>
    public override bool CanWrite => CanWriteStream && Volatile.Read(ref _disposed) == 0;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanTimeout => true;

    /// <inheritdoc/>
    public override int ReadTimeout { get; set; } = Timeout.Infinite;

    /// <inheritdoc/>
    public override int WriteTimeout { get; set; } = Timeout.Infinite;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    internal StreamId StreamId { get; }

    internal QuicConnection Connection => _connection;

    private bool CanReadStream { get; }

    private bool CanWriteStream { get; }

    /// <summary>Reads what has arrived, in order; 0 at the end of the stream.</summary>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!CanReadStream)
        {
            throw new InvalidOperationException("This stream cannot be read (a unidirectional stream of ours).");
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        if (buffer.IsEmpty)
        {
            return ValueTask.FromResult(0);
        }

        if (_readEnded)
        {
            return ReadsClosed.IsFaulted ? ValueTask.FromException<int>(Rethrow(ReadsClosed.Exception!)) : ValueTask.FromResult(0);
        }

        if (!_readSource.TryGetValueTask(out ValueTask<int> task, cancellationToken))
        {
            throw new InvalidOperationException("A read is already pending on this stream.");
        }

        if (!_connection.Post(new WorkerCommand(WorkerCommandKind.Read, this, buffer)))
        {
            _readSource.TrySetException(new QuicException(QuicError.OperationAborted, null, "The connection's worker has stopped."));
        }

        return task;
    }

    /// <summary>Writes all of <paramref name="buffer"/>, waiting for send-buffer room (flow control backpressure).</summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteAsync(buffer, completeWrites: false, cancellationToken);

    /// <summary>Writes all of <paramref name="buffer"/>, and with <paramref name="completeWrites"/> ends the stream after it (FIN).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, bool completeWrites, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!CanWriteStream)
        {
            throw new InvalidOperationException("This stream cannot be written (a unidirectional stream of the peer).");
        }

        if (_writeEnded)
        {
            if (WritesClosed.IsFaulted)
            {
                throw Rethrow(WritesClosed.Exception!);
            }

            throw new InvalidOperationException("Writing has been completed on this stream.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (buffer.IsEmpty && !completeWrites)
        {
            return;
        }

        if (!_writeSource.TryGetValueTask(out ValueTask<int> task, cancellationToken))
        {
            throw new InvalidOperationException("A write is already pending on this stream.");
        }

        if (!_connection.Post(new WorkerCommand(WorkerCommandKind.Write, this, System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer), Flags: completeWrites ? 1 : 0)))
        {
            _writeSource.TrySetException(new QuicException(QuicError.OperationAborted, null, "The connection's worker has stopped."));
        }

        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // As System.Net.Quic: a cancelled write leaves the stream in an unknown state, so the write side is aborted.
            Abort(QuicAbortDirection.Write, _connection.DefaultStreamErrorCode);
            throw;
        }
    }

    /// <summary>Ends the write side cleanly (FIN) after what was written.</summary>
    public void CompleteWrites()
    {
        if (!CanWriteStream || _writeEnded)
        {
            return;
        }

        _connection.Post(new WorkerCommand(WorkerCommandKind.CompleteWrites, this));
    }

    /// <summary>Aborts reading (STOP_SENDING), writing (RESET_STREAM) or both with an application error code.</summary>
    public void Abort(QuicAbortDirection abortDirection, long errorCode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(errorCode);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(errorCode, (1L << 62) - 1);
        if ((abortDirection & QuicAbortDirection.Both) == 0 || (abortDirection & ~QuicAbortDirection.Both) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(abortDirection));
        }

        _connection.Post(new WorkerCommand(WorkerCommandKind.Abort, this, Value: errorCode, Flags: (int)abortDirection));
    }

    /// <summary>
    /// Aborts writing with RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset): the peer's application still
    /// receives the first <paramref name="reliableSize"/> bytes of the stream — at most what earlier writes handed to
    /// the transport — and then learns of the abort with <paramref name="errorCode"/>. Bytes after them are dropped.
    /// When the peer does not accept the frame (<see cref="QuicConnection.PeerSupportsResetStreamAt"/>), or
    /// <paramref name="reliableSize"/> is 0, this is <see cref="Abort"/> with <see cref="QuicAbortDirection.Write"/>
    /// (RESET_STREAM: the peer may discard anything unread). Pending writes fail as with <see cref="Abort"/>.
    /// </summary>
    public void AbortWrite(long errorCode, long reliableSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(errorCode);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(errorCode, (1L << 62) - 1);
        ArgumentOutOfRangeException.ThrowIfNegative(reliableSize);
        _connection.Post(new WorkerCommand(WorkerCommandKind.AbortWriteAt, this, Value: errorCode, Extra: reliableSize));
    }

    /// <summary>
    /// The final size of the receiving part (RFC 9000 §4.5): the stream's length in bytes as the peer ended it, by
    /// FIN, RESET_STREAM or RESET_STREAM_AT, as soon as the transport knows it (possibly before the application read
    /// that far); null before that and for a stream we cannot read.
    /// </summary>
    public long? ReadFinalSize
    {
        get
        {
            long size = Interlocked.Read(ref _readFinalSize);
            return size >= 0 ? size : null;
        }
    }

    /// <summary>
    /// Completes with <see cref="ReadFinalSize"/> as soon as the transport knows it — also after the application
    /// stopped reading (<see cref="Abort"/> or dispose), when the peer's reset or FIN answers — or with null when the
    /// stream ends without it (the connection closed, or a stream we cannot read). Flow control kept on top of QUIC
    /// streams (WebTransport's session credit) settles with it.
    /// </summary>
    public Task<long?> ReadFinalSizeKnown => _readFinalSizeKnown.Task;

    /// <summary>
    /// The final size of the sending part (RFC 9000 §4.5) once it is fixed: the bytes written when the stream ended
    /// cleanly and the peer acknowledged it all, or what a reset (ours, or one answering the peer's STOP_SENDING)
    /// declared — with <see cref="Abort"/> only the bytes already sent count, so it can be less than what was written.
    /// Null before, and for a stream we cannot write.
    /// </summary>
    public long? WriteFinalSize
    {
        get
        {
            long size = Interlocked.Read(ref _writeFinalSize);
            return size >= 0 ? size : null;
        }
    }

    /// <summary>
    /// Sets the order in which this stream's data is sent relative to the connection's other streams (the RFC 9218
    /// scheme, applied by the transport): streams of a lower <paramref name="urgency"/> (0..7) are sent first, strictly;
    /// among streams of one urgency, non-incremental streams are sent one at a time in stream-ID order before the
    /// incremental ones, which share the bandwidth round robin. A stream never given a priority is urgency 3,
    /// incremental. Callable at any time from any thread; it takes effect from the next packet the connection builds
    /// and does nothing once the stream is over.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="urgency"/> is not 0..7.</exception>
    public void SetPriority(int urgency, bool incremental)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(urgency);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(urgency, 7);
        _connection.Post(new WorkerCommand(WorkerCommandKind.SetStreamPriority, this, Value: urgency, Flags: incremental ? 1 : 0));
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        byte[] rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            using var timeout = ReadTimeout == Timeout.Infinite ? null : new CancellationTokenSource(ReadTimeout);
            int n = ReadAsync(rented.AsMemory(0, buffer.Length), timeout?.Token ?? default).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        using var timeout = WriteTimeout == Timeout.Infinite ? null : new CancellationTokenSource(WriteTimeout);
        WriteAsync(buffer.ToArray(), timeout?.Token ?? default).AsTask().GetAwaiter().GetResult();
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Nothing to flush: written bytes are already with the connection.</summary>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>
    /// As System.Net.Quic: an unfinished read side is aborted with the connection's DefaultStreamErrorCode, an
    /// unfinished write side is completed (FIN) — the bytes already written are still delivered.
    /// </summary>
    public override ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _connection.Post(new WorkerCommand(WorkerCommandKind.DisposeStream, this));
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public override string ToString() => $"QuicStream {Id} ({Type})";

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private static Exception Rethrow(AggregateException aggregate)
    {
        Exception inner = aggregate.InnerException ?? aggregate;
        return inner is QuicException q ? new QuicException(q.QuicError, q.ApplicationErrorCode, q.TransportErrorCode, q.Message, q) : inner;
    }
}
