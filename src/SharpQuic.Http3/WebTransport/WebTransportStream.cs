using System.Runtime.CompilerServices;
using SharpQuic.Core.Wire;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// One WebTransport stream (draft-ietf-webtrans-http3 §4.2, §4.3): a QUIC stream past its signal
/// (bidirectional) or stream type and session ID (unidirectional). Reads and writes are the QUIC
/// stream's; resets carry 32-bit application codes mapped into the HTTP/3 error space (§4.4), and
/// a reset by the peer surfaces as a <see cref="WebTransportException"/> with that code.
/// </summary>
public sealed class WebTransportStream : Stream
{
    private readonly QuicStream _stream;
    private readonly WebTransportSession _session;
    private byte[]? _prefix; // application bytes read along with the signal or preamble
    private int _prefixStart;
    private int _disposed;
    private long _bodyRead; // Stream Body bytes the application read (session flow control, §5.4)
    private long _bodyAccounted; // of the peer's Stream Body bytes, how many the session has counted
    private readonly int _readHeaderLength; // the peer's signal or stream type and session ID before its body
    private int _writeHeaderLength; // ours, which a reset must still deliver (§4.4)
    private readonly Lock _creditLock = new();
    private long _creditTaken; // session credit our writes took (§5.4)
    private bool _writeSettled; // the write side's final size was reconciled with the session credit

    internal WebTransportStream(QuicStream stream, WebTransportSession session, bool isLocal, byte[]? prefix)
    {
        _stream = stream;
        _session = session;
        IsLocal = isLocal;
        _prefix = prefix is { Length: > 0 } ? prefix : null;
        if (!isLocal)
        {
            // §4.2, §4.3: what precedes the peer's body (as it is minimally encoded; the session's credit accounting
            // for a reset stream subtracts it from the final size).
            ulong type = stream.Type == QuicStreamType.Bidirectional ? (ulong)Http3FrameType.WebTransportStream : (ulong)Http3StreamType.WebTransport;
            _readHeaderLength = VarInt.EncodedLength(type) + VarInt.EncodedLength((ulong)session.SessionId);
        }

        if (stream.CanRead && session.IsFlowControlled)
        {
            _ = AccountReadEndAsync();
        }

        if (stream.CanWrite && session.IsFlowControlled)
        {
            _ = AccountWriteEndAsync();
        }
    }

    /// <summary>The QUIC stream ID.</summary>
    public long StreamId => _stream.Id;

    /// <summary>Whether the stream carries data both ways.</summary>
    public bool IsBidirectional => _stream.Type == QuicStreamType.Bidirectional;

    /// <summary>Whether we opened it.</summary>
    public bool IsLocal { get; }

    /// <summary>The session the stream belongs to.</summary>
    public WebTransportSession Session => _session;

    /// <inheritdoc/>
    public override bool CanRead => _stream.CanRead;

    /// <inheritdoc/>
    public override bool CanWrite => _stream.CanWrite;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    internal QuicStream QuicStream => _stream;

    /// <inheritdoc/>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_prefix is byte[] prefix && !buffer.IsEmpty)
        {
            int n = Math.Min(buffer.Length, prefix.Length - _prefixStart);
            prefix.AsSpan(_prefixStart, n).CopyTo(buffer.Span);
            _prefixStart += n;
            if (_prefixStart == prefix.Length)
            {
                _prefix = null;
            }

            OnBodyRead(n);
            return n;
        }

        try
        {
            int read = await _stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            OnBodyRead(read);
            return read;
        }
        catch (QuicException ex)
        {
            throw Translate(ex);
        }
    }

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        WriteAsync(buffer, completeWrites: false, cancellationToken);

    /// <summary>
    /// Writes <paramref name="buffer"/> and, with <paramref name="completeWrites"/>, ends the stream after it.
    /// With session flow control (§5.4) the write waits for the peer's WT_MAX_DATA when the session's
    /// credit is spent.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, bool completeWrites, CancellationToken cancellationToken = default)
    {
        try
        {
            if (!_session.IsFlowControlled || buffer.IsEmpty)
            {
                await _stream.WriteAsync(buffer, completeWrites, cancellationToken).ConfigureAwait(false);
                return;
            }

            while (!buffer.IsEmpty)
            {
                int credit = await _session.AcquireSendCreditAsync(buffer.Length, _stream.WritesClosed, cancellationToken).ConfigureAwait(false);
                bool settled;
                lock (_creditLock)
                {
                    settled = _writeSettled;
                    if (!settled)
                    {
                        _creditTaken += credit;
                    }
                }

                if (settled)
                {
                    // The write side ended and was accounted already: this credit can never be used.
                    _session.ReturnSendCredit(credit);
                    throw new WebTransportException("The stream's write side is closed.");
                }
                await _stream.WriteAsync(buffer[..credit], completeWrites && credit == buffer.Length, cancellationToken).ConfigureAwait(false);
                buffer = buffer[credit..];
            }
        }
        catch (QuicException ex)
        {
            throw Translate(ex);
        }
    }

    /// <summary>The stream type or signal and the session ID (§4.2, §4.3): outside session flow control.</summary>
    internal async ValueTask WriteHeaderAsync(ReadOnlyMemory<byte> header, CancellationToken cancellationToken)
    {
        _writeHeaderLength = header.Length;
        try
        {
            await _stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw Translate(ex);
        }
    }

    /// <summary>Ends the write side cleanly (FIN).</summary>
    public void CompleteWrites() => _stream.CompleteWrites();

    /// <summary>
    /// Resets the write side and/or stops reading (STOP_SENDING) with the application's
    /// <paramref name="applicationErrorCode"/>, sent as its WT_APPLICATION_ERROR HTTP/3 code (§4.4). The reset of a
    /// stream we opened is a RESET_STREAM_AT whose reliable size covers the stream header, so the peer can always tell
    /// which session the reset stream belonged to (§4.4); RESET_STREAM when the peer does not support it.
    /// </summary>
    public void Abort(QuicAbortDirection direction, uint applicationErrorCode) =>
        AbortRaw(direction, (long)WebTransportErrorCodes.ToHttp3(applicationErrorCode));

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>As <see cref="QuicStream"/>: an unfinished read side is aborted, an unfinished write side completed (FIN).</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
            _session.OnStreamDisposed(this);
        }

        GC.SuppressFinalize(this);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    /// <summary>Aborts with a raw HTTP/3 code (WT_SESSION_GONE, WT_BUFFERED_STREAM_REJECTED); never throws.</summary>
    internal void AbortRaw(QuicAbortDirection direction, long code)
    {
        // A direction the stream does not have (the read side of our unidirectional stream) is left alone.
        if (!IsBidirectional)
        {
            direction = IsLocal ? QuicAbortDirection.Write : QuicAbortDirection.Read;
        }

        if ((direction & QuicAbortDirection.Write) != 0 && _writeHeaderLength > 0)
        {
            try
            {
                _stream.AbortWrite(code, _writeHeaderLength);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or QuicException)
            {
            }

            direction &= ~QuicAbortDirection.Write;
            if (direction == 0)
            {
                return;
            }
        }

        Http3Connection.TryAbort(_stream, direction, (Http3ErrorCode)(ulong)code);
    }

    /// <summary>
    /// A reset of our direction (ours, or the answer to the peer's STOP_SENDING) fixes its final size, which may be
    /// less than the credit our writes took (bytes still queued were dropped): the peer counts the final size
    /// (§5.4), so the difference goes back to the session.
    /// </summary>
    private async Task AccountWriteEndAsync()
    {
        try
        {
            await _stream.WritesClosed.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuicException or OperationCanceledException)
        {
        }

        long unused = 0;
        lock (_creditLock)
        {
            _writeSettled = true;
            if (_stream.WriteFinalSize is long finalSize)
            {
                unused = _creditTaken - Math.Max(0, finalSize - _writeHeaderLength);
            }
        }

        if (unused > 0)
        {
            _session.ReturnSendCredit(unused);
        }
    }

    /// <summary>
    /// When the peer ends its direction, its final size settles how much session credit the stream used (§5.4):
    /// bytes it sent that the application never read (a reset, or a stream the application abandoned) count then.
    /// </summary>
    private async Task AccountReadEndAsync()
    {
        // Known once the peer ended its direction, even if the application stopped reading first.
        if (await _stream.ReadFinalSizeKnown.ConfigureAwait(false) is long finalSize)
        {
            // The peer may have encoded its header's two varints longer than we assume (up to 7 bytes each more).
            AccountBodyTo(Math.Max(0, finalSize - _readHeaderLength), slack: _readHeaderLength > 0 ? 14 : 0);
        }
    }

    private void OnBodyRead(int bytes)
    {
        if (bytes > 0 && _session.IsFlowControlled)
        {
            _bodyRead += bytes;
            AccountBodyTo(_bodyRead, slack: 0);
        }
    }

    /// <summary>Counts the peer's Stream Body bytes on this stream up to <paramref name="total"/> against the session (never twice).</summary>
    private void AccountBodyTo(long total, int slack)
    {
        long accounted = Volatile.Read(ref _bodyAccounted);
        while (total > accounted)
        {
            long seen = Interlocked.CompareExchange(ref _bodyAccounted, total, accounted);
            if (seen == accounted)
            {
                _session.OnDataConsumed(total - accounted, slack);
                return;
            }

            accounted = seen;
        }
    }

    private Exception Translate(QuicException ex) => ex switch
    {
        { QuicError: QuicError.StreamAborted, ApplicationErrorCode: long code } when code >= 0 && WebTransportErrorCodes.TryFromHttp3((ulong)code, out _) =>
            new WebTransportException($"The peer reset the WebTransport stream with an application error code (HTTP/3 code 0x{code:x}).", code, innerException: ex),
        _ when _session.IsClosed =>
            // §6: whichever side noticed first, a stream of an ended session is gone.
            new WebTransportException("The WebTransport session has ended.", (long)Http3ErrorCode.WebTransportSessionGone, innerException: ex),
        { QuicError: QuicError.StreamAborted, ApplicationErrorCode: long code } =>
            new WebTransportException($"The peer reset the WebTransport stream (HTTP/3 code 0x{code:x}).", code, innerException: ex),
        { ApplicationErrorCode: long code } =>
            new WebTransportException($"The connection closed (HTTP/3 code 0x{code:x}).", code, innerException: ex),
        _ => new WebTransportException("The WebTransport stream failed: " + ex.Message, innerException: ex),
    };
}
