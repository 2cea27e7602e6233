using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Connection;

/// <summary>
/// Verdicts from loss detection (<see cref="IRecoveryObserver"/>): acknowledged frames release state, lost frames
/// are re-queued (never the packet bytes, RFC 9000 §13.3), discarded ones are dropped.
/// </summary>
internal sealed partial class QuicConnection
{
    /// <summary>Sent-frame records in use (each is a packet in flight or awaiting a verdict).</summary>
    internal int SentRecordsInUse => _sentFrames.InUse;

    /// <inheritdoc/>
    public void OnPacketAcked(PacketNumberSpace space, in SentPacket packet)
    {
        _tracer?.PacketAcked(space, packet.PacketNumber, packet.TimeSent);
        if (space == PacketNumberSpace.ApplicationData)
        {
            OnPathMtuPacketAcked(packet);
        }

        PacketSpaceState s = _spaces[(int)space];
        foreach (ref readonly SentFrame f in _sentFrames.Get(packet.RetransmitHandle))
        {
            switch (f.Kind)
            {
                case SentFrameKind.Ack:
                    if (!s.Discarded)
                    {
                        s.Tracker.OnAckOfAckReceived(f.Value);
                    }

                    break;
                case SentFrameKind.Crypto:
                    if (!s.Discarded)
                    {
                        s.CryptoSend.OnAcked(f.Offset, f.Length);
                    }

                    break;
                case SentFrameKind.Stream:
                    _streams.OnStreamFrameAcked(f.Stream);
                    break;
                case SentFrameKind.StreamControl:
                    _streams.OnControlFrameAcked(f.Control);
                    break;
                case SentFrameKind.Datagram:
                    OnDatagramAcked(f.Value);
                    break;
                case SentFrameKind.NewToken:
                    // Delivered: nothing more to say, the token's bytes can go.
                    _newToken = null;
                    _newTokenPending = false;
                    break;
            }
        }

        _sentFrames.Return(packet.RetransmitHandle);
    }

    /// <inheritdoc/>
    public void OnPacketLost(PacketNumberSpace space, in SentPacket packet)
    {
        // RFC 9000 §14.4: a lost path MTU probe says nothing about the path's congestion, nor counts as a lost packet.
        if (space != PacketNumberSpace.ApplicationData || !OnPathMtuPacketLost(packet))
        {
            PacketsLost++;
        }

        _tracer?.PacketLost(space, packet.PacketNumber);
        PacketSpaceState s = _spaces[(int)space];
        foreach (ref readonly SentFrame f in _sentFrames.Get(packet.RetransmitHandle))
        {
            switch (f.Kind)
            {
                case SentFrameKind.Crypto:
                    if (!s.Discarded)
                    {
                        s.CryptoSend.OnLost(f.Offset, f.Length);
                    }

                    break;
                case SentFrameKind.Stream:
                    _streams.OnStreamFrameLost(f.Stream);
                    break;
                case SentFrameKind.StreamControl:
                    _streams.OnControlFrameLost(f.Control);
                    break;
                case SentFrameKind.Datagram:
                    OnDatagramLost(f.Value);
                    break;
                case SentFrameKind.HandshakeDone:
                    _handshakeDonePending = true;
                    break;
                case SentFrameKind.NewToken:
                    // RFC 9000 §13.3: NEW_TOKEN is retransmitted until acknowledged.
                    _newTokenPending = _newToken is not null;
                    break;
                case SentFrameKind.NewConnectionId:
                    if (TryGetLocalCid(f.Value, out _))
                    {
                        _newCidPending.Enqueue(f.Value);
                    }

                    break;
                case SentFrameKind.RetireConnectionId:
                    _retireCidPending.Enqueue(f.Value);
                    break;
            }
        }

        _sentFrames.Return(packet.RetransmitHandle);
    }

    /// <inheritdoc/>
    public void OnPacketDiscarded(PacketNumberSpace space, in SentPacket packet) => _sentFrames.Return(packet.RetransmitHandle);
}
