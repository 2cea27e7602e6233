namespace SharpQuic.Core.Recovery;

/// <summary>
/// What loss recovery remembers about one sent packet (RFC 9002 Appendix A.1.1). The frames
/// themselves stay with the connection: <see cref="RetransmitHandle"/> is its opaque key to
/// the record of what the packet carried, so that on loss the frames are re-queued, never
/// the packet bytes.
/// </summary>
public readonly struct SentPacket
{
    /// <summary>Describes a packet that was just sent.</summary>
    /// <param name="packetNumber">The full packet number.</param>
    /// <param name="timeSent">When it was sent.</param>
    /// <param name="size">Bytes sent, QUIC header and AEAD tag included, UDP/IP overhead excluded.</param>
    /// <param name="ackEliciting">Whether it holds a frame other than ACK, PADDING or CONNECTION_CLOSE.</param>
    /// <param name="inFlight">Whether it counts towards bytes in flight (ack-eliciting or PADDING).</param>
    /// <param name="retransmitHandle">The connection's opaque key for the packet's frames.</param>
    /// <param name="ecn">The ECN codepoint the packet was sent with.</param>
    public SentPacket(ulong packetNumber, Instant timeSent, int size, bool ackEliciting, bool inFlight, int retransmitHandle, EcnCodepoint ecn = EcnCodepoint.NotEct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        PacketNumber = packetNumber;
        TimeSent = timeSent;
        Size = size;
        AckEliciting = ackEliciting;
        InFlight = inFlight;
        RetransmitHandle = retransmitHandle;
        Ecn = ecn;
    }

    /// <summary>The full packet number.</summary>
    public ulong PacketNumber { get; }

    /// <summary>When the packet was sent.</summary>
    public Instant TimeSent { get; }

    /// <summary>Bytes sent (sent_bytes).</summary>
    public int Size { get; }

    /// <summary>Whether the packet is ack-eliciting (RFC 9002 §2).</summary>
    public bool AckEliciting { get; }

    /// <summary>Whether the packet counts towards bytes in flight (RFC 9002 §2).</summary>
    public bool InFlight { get; }

    /// <summary>The connection's opaque key for what the packet carried.</summary>
    public int RetransmitHandle { get; }

    /// <summary>The ECN codepoint the packet was sent with.</summary>
    public EcnCodepoint Ecn { get; }

    /// <inheritdoc/>
    public override string ToString() => $"pn {PacketNumber} at {TimeSent}, {Size} B{(AckEliciting ? ", ack-eliciting" : "")}{(InFlight ? ", in flight" : "")}";
}
