using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpQuic.Core.Connection;
using SharpQuic.Runtime;
using CoreConnection = SharpQuic.Core.Connection.QuicConnection;

namespace SharpQuic;

/// <summary>
/// Beyond System.Net.Quic: unreliable datagrams (RFC 9221). Sends are copied into the connection's bounded send
/// queue on the worker and leave under congestion control, never retransmitted; received datagrams wait in a
/// bounded queue that drops the oldest when the application does not keep up.
/// </summary>
public sealed partial class QuicConnection
{
    private readonly Dictionary<ulong, TaskCompletionSource<bool>> _datagramDeliveries = [];

    // Sources of SendDatagramAsync calls, shared by all connections; each returns after a successful cycle only.
    private static readonly ObjectPool<ResettableValueTaskSource<bool>> s_datagramSendSources = new(static () => new ResettableValueTaskSource<bool>(), 256);

    private readonly ResettableValueTaskSource<int> _datagramReceive = new();
    private readonly Queue<PendingDatagramSend> _datagramSends = new();
    private Memory<byte> _datagramReceiveBuffer;
    private long _datagramReceiveArmed;
    private long _datagramReceiveCalls;
    private int _maxDatagramSize;
    private long _datagramsDropped;

    /// <summary>
    /// Beyond System.Net.Quic: the largest datagram <see cref="SendDatagramAsync"/> accepts now, in bytes; 0 when the
    /// peer does not accept datagrams (it sent no max_datagram_frame_size, RFC 9221 §3) or the connection is closed.
    /// It is what fits in one packet: the peer's limit and the current maximum packet size, less the short header, the
    /// AEAD tag and the DATAGRAM frame's type and length.
    /// </summary>
    public int MaxDatagramSize => Volatile.Read(ref _maxDatagramSize);

    /// <summary>
    /// Beyond System.Net.Quic: received datagrams dropped because the receive queue
    /// (<see cref="QuicConnectionOptions.DatagramReceiveQueueLength"/>) was full; the oldest goes first.
    /// </summary>
    public long DatagramsDropped => Interlocked.Read(ref _datagramsDropped);

    /// <summary>
    /// Beyond System.Net.Quic: sends one unreliable datagram (RFC 9221). Completes once the datagram is copied into
    /// the connection's send queue (waiting while that queue is full), not when it arrives: it may be lost and is never
    /// retransmitted. Throws <see cref="QuicException"/> at once when the peer does not accept datagrams or
    /// <paramref name="datagram"/> is longer than <see cref="MaxDatagramSize"/>. Calls may overlap; each completes
    /// in order.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendDatagramAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        ThrowIfCannotSendDatagram(datagram.Length);

        ResettableValueTaskSource<bool> source = s_datagramSendSources.Rent();
        if (!source.TryGetValueTask(out ValueTask task, cancellationToken))
        {
            throw new InvalidOperationException("A pooled datagram send was still in use.");
        }

        if (!Post(new WorkerCommand(WorkerCommandKind.SendDatagram, this, MemoryMarshal.AsMemory(datagram), Extra: source)))
        {
            source.TrySetException(_closeException is QuicException e ? Rethrowable(e) : new QuicException(QuicError.OperationAborted, null, "The connection's worker has stopped."));
        }

        await task.ConfigureAwait(false);

        // Only a completed send goes back: a cancelled one may still sit in the worker's queue.
        s_datagramSendSources.Return(source);
    }

    /// <summary>
    /// Beyond System.Net.Quic: sends one datagram like <see cref="SendDatagramAsync"/> and reports its fate: true once
    /// the packet carrying it was acknowledged, false once that packet was declared lost (it is not sent again, RFC
    /// 9221 §5.2). Needs <see cref="QuicConnectionOptions.DatagramDeliveryNotifications"/>. An acknowledgment says
    /// the peer's QUIC stack received it, not that its application read it.
    /// </summary>
    public async ValueTask<bool> SendDatagramWithDeliveryAsync(ReadOnlyMemory<byte> datagram, CancellationToken cancellationToken = default)
    {
        if (_options is not { DatagramDeliveryNotifications: true })
        {
            throw new InvalidOperationException("Delivery notifications need QuicConnectionOptions.DatagramDeliveryNotifications.");
        }

        ThrowIfCannotSendDatagram(datagram.Length);

        var request = new DatagramDeliveryRequest(new ResettableValueTaskSource<bool>(), new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!request.Source.TryGetValueTask(out ValueTask queued, cancellationToken))
        {
            throw new InvalidOperationException("A fresh datagram send was in use.");
        }

        if (!Post(new WorkerCommand(WorkerCommandKind.SendDatagram, this, MemoryMarshal.AsMemory(datagram), Extra: request)))
        {
            request.Source.TrySetException(_closeException is QuicException e ? Rethrowable(e) : new QuicException(QuicError.OperationAborted, null, "The connection's worker has stopped."));
        }

        await queued.ConfigureAwait(false);
        return await request.Delivery.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Beyond System.Net.Quic: waits for the next datagram (RFC 9221) and copies it into <paramref name="buffer"/>;
    /// returns its length. A buffer of <see cref="QuicConnectionOptions.MaxDatagramReceiveSize"/> bytes always
    /// suffices; a smaller one that cannot hold the next datagram fails with <see cref="ArgumentException"/> and the
    /// datagram stays queued. One call at a time; fails with the connection's <see cref="QuicException"/> once it
    /// closed.
    /// </summary>
    public ValueTask<int> ReceiveDatagramAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfClosed();
        if (_options is { MaxDatagramReceiveSize: 0 })
        {
            throw new InvalidOperationException("Datagrams are off on this side: set QuicConnectionOptions.MaxDatagramReceiveSize.");
        }

        if (!_datagramReceive.TryGetValueTask(out ValueTask<int> task, cancellationToken))
        {
            throw new InvalidOperationException("A ReceiveDatagramAsync is already pending on this connection.");
        }

        long call = Interlocked.Increment(ref _datagramReceiveCalls);
        if (!Post(new WorkerCommand(WorkerCommandKind.ReceiveDatagram, this, buffer, Value: call)))
        {
            _datagramReceive.TrySetException(new QuicException(QuicError.OperationAborted, null, "The connection's worker has stopped."));
        }

        return task;
    }

    /// <summary>Worker: a SendDatagram or ReceiveDatagram command.</summary>
    private void RunDatagramCommand(CoreConnection? core, in WorkerCommand command)
    {
        bool closed = core is null || _closeException is not null;
        if (command.Kind == WorkerCommandKind.ReceiveDatagram)
        {
            _datagramReceiveBuffer = command.Buffer;
            _datagramReceiveArmed = command.Value;
            if (closed)
            {
                _datagramReceive.TrySetException(Rethrowable(_closeException ?? Aborted()));
                return;
            }

            ServeDatagramReceive(core!);
            return;
        }

        var request = command.Extra as DatagramDeliveryRequest;
        ResettableValueTaskSource<bool> source = request?.Source ?? (ResettableValueTaskSource<bool>)command.Extra!;
        if (closed)
        {
            source.TrySetException(Rethrowable(_closeException ?? Aborted()));
            return;
        }

        _datagramSends.Enqueue(new PendingDatagramSend(source, command.Buffer, request?.Delivery));
        ServeDatagramSends(core!);
    }

    /// <summary>Worker: datagrams arrived, or the send queue has room again.</summary>
    private void ServeDatagrams(CoreConnection core)
    {
        ServeDatagramReceive(core);
        ServeDatagramSends(core);
    }

    /// <summary>Worker: what the application thread reads without a round trip.</summary>
    private void PublishDatagramState(CoreConnection core)
    {
        Volatile.Write(ref _maxDatagramSize, core.MaxDatagramPayloadSize);
        Interlocked.Exchange(ref _datagramsDropped, core.DatagramsDropped);
    }

    private void ServeDatagramReceive(CoreConnection core)
    {
        // The buffer belongs to the latest call only: an older, cancelled call's buffer must never be written.
        if (_datagramReceiveArmed != Volatile.Read(ref _datagramReceiveCalls) || !core.TryPeekDatagram(out ReadOnlySpan<byte> data))
        {
            return;
        }

        if (!_datagramReceive.TryReserve())
        {
            return;
        }

        Memory<byte> buffer = _datagramReceiveBuffer;
        _datagramReceiveBuffer = default;
        _datagramReceiveArmed = 0;
        if (data.Length > buffer.Length)
        {
            _datagramReceive.CompleteReservedWithException(new ArgumentException($"The next datagram has {data.Length} bytes; the buffer holds {buffer.Length}.", "buffer"));
            return;
        }

        data.CopyTo(buffer.Span);
        int length = data.Length;
        core.ConsumeDatagram();
        _datagramReceive.CompleteReserved(length);
    }

    private void ServeDatagramSends(CoreConnection core)
    {
        while (_datagramSends.TryPeek(out PendingDatagramSend send))
        {
            if (!send.Source.TryReserve())
            {
                _datagramSends.Dequeue(); // Cancelled while it waited.
                continue;
            }

            DatagramSendResult result = core.TrySendDatagram(send.Data.Span, out ulong id);
            if (result == DatagramSendResult.QueueFull)
            {
                // A DatagramWritable event brings us back.
                send.Source.Unreserve();
                return;
            }

            _datagramSends.Dequeue();
            if (result == DatagramSendResult.Queued)
            {
                if (send.Delivery is TaskCompletionSource<bool> delivery)
                {
                    _datagramDeliveries[id] = delivery;
                }

                send.Source.CompleteReserved(true);
            }
            else
            {
                send.Source.CompleteReservedWithException(result switch
                {
                    DatagramSendResult.TooLarge => TooLarge(send.Data.Length, core.MaxDatagramPayloadSize),
                    DatagramSendResult.NotSupportedByPeer => new QuicException(QuicError.InternalError, null, "The peer does not accept datagrams (RFC 9221 §3)."),
                    _ => Rethrowable(_closeException ?? Aborted()),
                });
            }
        }
    }

    /// <summary>Worker: the fate of a datagram sent with <see cref="SendDatagramWithDeliveryAsync"/> (RFC 9221 §5.2).</summary>
    private void OnDatagramDelivery(ulong id, bool acknowledged)
    {
        if (_datagramDeliveries.Remove(id, out TaskCompletionSource<bool>? delivery))
        {
            delivery.TrySetResult(acknowledged);
        }
    }

    /// <summary>Worker: the connection ended; every datagram call waiting fails with its error.</summary>
    private void FailDatagrams(QuicException error)
    {
        foreach (TaskCompletionSource<bool> delivery in _datagramDeliveries.Values)
        {
            delivery.TrySetException(Rethrowable(error));
        }

        _datagramDeliveries.Clear();
        _datagramReceive.TrySetException(Rethrowable(error));
        while (_datagramSends.TryDequeue(out PendingDatagramSend send))
        {
            send.Source.TrySetException(Rethrowable(error));
        }
    }

    /// <summary>A command the stopped worker will never run.</summary>
    private void FailDatagramCommand(QuicException error, in WorkerCommand command)
    {
        if (command.Kind == WorkerCommandKind.SendDatagram && command.Extra is ResettableValueTaskSource<bool> source)
        {
            source.TrySetException(error);
        }
        else if (command.Kind == WorkerCommandKind.SendDatagram && command.Extra is DatagramDeliveryRequest request)
        {
            request.Source.TrySetException(error);
            request.Delivery.TrySetException(error);
        }
        else if (command.Kind == WorkerCommandKind.ReceiveDatagram)
        {
            _datagramReceive.TrySetException(error);
        }
    }

    /// <summary>The checks every send makes at once (RFC 9221 §3): open, the peer accepts datagrams, the size fits.</summary>
    private void ThrowIfCannotSendDatagram(int length)
    {
        ThrowIfDisposed();
        ThrowIfClosed();
        int max = MaxDatagramSize;
        if (max == 0)
        {
            throw new QuicException(QuicError.InternalError, null, "The peer does not accept datagrams: it sent no max_datagram_frame_size (RFC 9221 §3).");
        }

        if (length > max)
        {
            throw TooLarge(length, max);
        }
    }

    private static QuicException TooLarge(int length, int max) =>
        new(QuicError.InternalError, null, $"The datagram has {length} bytes; the peer accepts at most {max} in one packet now (MaxDatagramSize, RFC 9221 §3).");

    /// <summary>A SendDatagramAsync waiting on the worker for room in the send queue.</summary>
    private readonly record struct PendingDatagramSend(ResettableValueTaskSource<bool> Source, Memory<byte> Data, TaskCompletionSource<bool>? Delivery = null);

    /// <summary>A send whose fate the application asked to hear (<see cref="SendDatagramWithDeliveryAsync"/>).</summary>
    private sealed record DatagramDeliveryRequest(ResettableValueTaskSource<bool> Source, TaskCompletionSource<bool> Delivery);
}
