using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Core.Connection;

/// <summary>What <see cref="QuicConnection.TrySendDatagram"/> did with a datagram.</summary>
internal enum DatagramSendResult
{
    /// <summary>Copied into the send queue; it leaves in a later 1-RTT packet, congestion control permitting.</summary>
    Queued,

    /// <summary>Larger than <see cref="QuicConnection.MaxDatagramPayloadSize"/> (RFC 9221 §3, §5).</summary>
    TooLarge,

    /// <summary>The peer sent no max_datagram_frame_size, or 0 (RFC 9221 §3).</summary>
    NotSupportedByPeer,

    /// <summary>The send queue is full; a DatagramWritable event follows when it has room.</summary>
    QueueFull,

    /// <summary>The handshake has not completed, or the connection is closing.</summary>
    NotConnected,
}

/// <summary>
/// DATAGRAM frames (RFC 9221): unreliable application datagrams in 1-RTT packets. Received ones wait in a bounded
/// queue that drops the oldest; sent ones wait in a bounded queue, leave under congestion control, count as
/// ack-eliciting, and are never retransmitted (§5.2) — their fate is reported by id on request.
/// </summary>
internal sealed partial class QuicConnection
{
    // Short header: first byte + Destination Connection ID + the longest packet number (RFC 9000 §17.3.1).
    private const int MaxShortHeaderOverhead = 1 + 4;

    private DatagramQueue? _datagramsIn;
    private DatagramQueue? _datagramsOut;
    private ulong _nextDatagramId;
    private bool _datagramReceivedSignalled;
    private bool _datagramSendBlocked;

    /// <summary>Datagrams received and queued for the application (RFC 9221).</summary>
    public long DatagramsReceived { get; private set; }

    /// <summary>Received datagrams dropped because the receive queue was full (the oldest goes).</summary>
    public long DatagramsDropped { get; private set; }

    /// <summary>Datagrams put into packets.</summary>
    public long DatagramsSent { get; private set; }

    /// <summary>Datagrams whose packet was acknowledged.</summary>
    public long DatagramsAcknowledged { get; private set; }

    /// <summary>Datagrams whose packet was declared lost (not sent again), or dropped before sending because they no longer fit.</summary>
    public long DatagramsLost { get; private set; }

    /// <summary>Received datagrams waiting to be read.</summary>
    public int DatagramsPending => _datagramsIn?.Count ?? 0;

    /// <summary>
    /// The largest datagram payload that can be sent now: 0 before the handshake completes or when the peer does
    /// not accept DATAGRAM frames; otherwise the smaller of the peer's max_datagram_frame_size and one 1-RTT packet
    /// of the current maximum datagram size, less the short header (longest packet number), the AEAD tag and the
    /// frame's type and length (RFC 9221 §3, §5).
    /// </summary>
    public int MaxDatagramPayloadSize
    {
        get
        {
            if (!_handshakeComplete || State != ConnectionState.Open || _peerParameters is not { MaxDatagramFrameSize: > 0 } p)
            {
                return 0;
            }

            int packetRoom = _maxSendDatagramSize - MaxShortHeaderOverhead - DestinationConnectionId.Length - PacketAead.TagSize;
            int frameRoom = (int)Math.Min((ulong)packetRoom, p.MaxDatagramFrameSize);
            return Math.Max(0, DatagramFrame.MaxDataLength(frameRoom, hasLength: true));
        }
    }

    /// <summary>True when datagrams wait to be sent.</summary>
    internal bool HasPendingDatagrams => _datagramsOut is { Count: > 0 };

    /// <summary>
    /// Queues <paramref name="data"/> (copied) as one DATAGRAM frame. <paramref name="id"/> numbers it for the
    /// DatagramAcked / DatagramLost events. Never throws for the peer's or the network's reasons.
    /// </summary>
    public DatagramSendResult TrySendDatagram(ReadOnlySpan<byte> data, out ulong id)
    {
        id = 0;
        if (!_handshakeComplete || State != ConnectionState.Open)
        {
            return DatagramSendResult.NotConnected;
        }

        if (_peerParameters is not { MaxDatagramFrameSize: > 0 })
        {
            return DatagramSendResult.NotSupportedByPeer;
        }

        if (data.Length > MaxDatagramPayloadSize)
        {
            return DatagramSendResult.TooLarge;
        }

        _datagramsOut ??= new DatagramQueue(Math.Max(1, _options.DatagramSendQueueLength));
        if (!_datagramsOut.TryEnqueue(data, _nextDatagramId))
        {
            _datagramSendBlocked = true;
            return DatagramSendResult.QueueFull;
        }

        id = _nextDatagramId++;
        return DatagramSendResult.Queued;
    }

    /// <summary>The oldest received datagram, left in the queue; the span is valid until <see cref="ConsumeDatagram"/>.</summary>
    public bool TryPeekDatagram(out ReadOnlySpan<byte> data)
    {
        if (_datagramsIn is null)
        {
            data = default;
            return false;
        }

        return _datagramsIn.TryPeek(out data, out _);
    }

    /// <summary>Removes the oldest received datagram (after <see cref="TryPeekDatagram"/>).</summary>
    public void ConsumeDatagram()
    {
        if (_datagramsIn is null)
        {
            return;
        }

        _datagramsIn.Dequeue();
        if (_datagramsIn.Count == 0)
        {
            // Re-arm: the next datagram raises DatagramReceived again.
            _datagramReceivedSignalled = false;
        }
    }

    /// <summary>
    /// Copies the oldest received datagram into <paramref name="destination"/> and removes it; false when none
    /// waits. Throws when <paramref name="destination"/> is too small (the datagram stays queued).
    /// </summary>
    public bool TryReceiveDatagram(Span<byte> destination, out int length)
    {
        length = 0;
        if (!TryPeekDatagram(out ReadOnlySpan<byte> data))
        {
            return false;
        }

        if (data.Length > destination.Length)
        {
            throw new ArgumentException($"The datagram has {data.Length} bytes; the buffer holds {destination.Length}.", nameof(destination));
        }

        data.CopyTo(destination);
        length = data.Length;
        ConsumeDatagram();
        return true;
    }

    /// <summary>A DATAGRAM frame arrived (RFC 9221 §3, §5). The frame is read here, so the reader is at its type.</summary>
    private TransportErrorCode HandleDatagramFrame(ref FrameReader frames)
    {
        int advertised = _options.MaxDatagramFrameSize;
        if (advertised <= 0)
        {
            // §3: a DATAGRAM frame when we did not advertise support.
            return TransportErrorCode.ProtocolViolation;
        }

        TransportErrorCode error = frames.ReadDatagram(out DatagramFrame frame);
        if (error != TransportErrorCode.NoError)
        {
            return error;
        }

        // §3: larger than the max_datagram_frame_size we sent (type, length and payload count).
        if (frame.EncodedLength > advertised)
        {
            return TransportErrorCode.ProtocolViolation;
        }

        _datagramsIn ??= new DatagramQueue(Math.Max(1, _options.DatagramReceiveQueueLength));
        DatagramsReceived++;
        if (_datagramsIn.EnqueueDropOldest(frame.Data, 0))
        {
            // §5: datagrams may be dropped when the application does not keep up; the oldest is the least useful.
            DatagramsDropped++;
        }

        if (!_datagramReceivedSignalled)
        {
            _datagramReceivedSignalled = true;
            _events.Enqueue(new ConnectionEvent(ConnectionEventKind.DatagramReceived));
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>Writes queued datagrams that fit in the packet; returns whether any was written (ack-eliciting, §5.2).</summary>
    private bool WriteDatagrams(ref QuicWriter writer, int handle)
    {
        DatagramQueue? queue = _datagramsOut;
        if (queue is null || queue.Count == 0)
        {
            return false;
        }

        bool wrote = false;
        int max = MaxDatagramPayloadSize;
        while (queue.TryPeek(out ReadOnlySpan<byte> data, out ulong id))
        {
            if (data.Length > max)
            {
                // The limit fell after it was queued (a smaller path MTU): it can never be sent (§5).
                queue.Dequeue();
                OnDatagramLost(id);
                continue;
            }

            if (!new DatagramFrame(data, hasLength: true).TryWrite(ref writer))
            {
                break; // The next packet has room.
            }

            queue.Dequeue();
            _sentFrames.Add(handle, new SentFrame { Kind = SentFrameKind.Datagram, Value = id });
            DatagramsSent++;
            wrote = true;
        }

        if (_datagramSendBlocked && !queue.IsFull)
        {
            _datagramSendBlocked = false;
            _events.Enqueue(new ConnectionEvent(ConnectionEventKind.DatagramWritable));
        }

        return wrote;
    }

    private void OnDatagramAcked(ulong id)
    {
        DatagramsAcknowledged++;
        if (_options.DatagramDeliveryEvents)
        {
            _events.Enqueue(new ConnectionEvent(ConnectionEventKind.DatagramAcked, DatagramId: id));
        }
    }

    /// <summary>RFC 9221 §5.2: a lost DATAGRAM frame is not retransmitted; the sender may be told.</summary>
    private void OnDatagramLost(ulong id)
    {
        DatagramsLost++;
        if (_options.DatagramDeliveryEvents)
        {
            _events.Enqueue(new ConnectionEvent(ConnectionEventKind.DatagramLost, DatagramId: id));
        }
    }

    private void DisposeDatagrams()
    {
        _datagramsIn?.Dispose();
        _datagramsOut?.Dispose();
    }
}
