namespace SharpQuic.Core.Recovery;

/// <summary>What <see cref="LossDetection.OnAckReceived(PacketNumberSpace, in Wire.Frames.AckFrame, TimeSpan, Instant, IRecoveryObserver)"/> found.</summary>
public readonly struct AckResult
{
    internal AckResult(bool unsent, int acked, int lost, bool rtt, bool ecnCongestion, bool persistent, int spurious)
    {
        AcknowledgesUnsentPacket = unsent;
        NewlyAcked = acked;
        Lost = lost;
        RttUpdated = rtt;
        EcnCongestion = ecnCongestion;
        PersistentCongestion = persistent;
        SpuriousLosses = spurious;
    }

    /// <summary>
    /// The frame acknowledges a packet number that was never sent (above the largest sent, or a
    /// skipped number). Nothing was processed; the connection should close with
    /// PROTOCOL_VIOLATION (RFC 9000 §13.1).
    /// </summary>
    public bool AcknowledgesUnsentPacket { get; }

    /// <summary>Packets newly acknowledged.</summary>
    public int NewlyAcked { get; }

    /// <summary>Packets declared lost while processing the frame.</summary>
    public int Lost { get; }

    /// <summary>Whether the frame produced an RTT sample (RFC 9002 §5.1).</summary>
    public bool RttUpdated { get; }

    /// <summary>Whether the peer's ECN-CE count increased (RFC 9002 §7.1).</summary>
    public bool EcnCongestion { get; }

    /// <summary>Whether persistent congestion was established (RFC 9002 §7.6).</summary>
    public bool PersistentCongestion { get; }

    /// <summary>Acknowledged packets that had already been declared lost (spurious losses).</summary>
    public int SpuriousLosses { get; }
}

/// <summary>What a call to <see cref="LossDetection.OnTimeout"/> did.</summary>
public enum LossTimeoutKind
{
    /// <summary>The timer had not expired (or was not set); nothing changed.</summary>
    None,

    /// <summary>Time-threshold loss detection declared packets lost (RFC 9002 §6.1.2).</summary>
    PacketsLost,

    /// <summary>
    /// A PTO expired (RFC 9002 §6.2.4): <see cref="LossDetection.ProbesPending"/> says how many
    /// ack-eliciting packets the space must send, regardless of the congestion window.
    /// </summary>
    Probe,
}
