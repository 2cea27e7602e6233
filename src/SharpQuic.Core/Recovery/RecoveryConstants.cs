namespace SharpQuic.Core.Recovery;

/// <summary>The constants of RFC 9002 Appendix A.2 and B.1, with the recommended values.</summary>
public static class RecoveryConstants
{
    /// <summary>Packets an acknowledged packet may overtake before earlier ones are lost (RFC 9002 §6.1.1).</summary>
    public const int PacketThreshold = 3;

    /// <summary>Numerator of kTimeThreshold = 9/8 (RFC 9002 §6.1.2).</summary>
    public const int TimeThresholdNumerator = 9;

    /// <summary>Denominator of kTimeThreshold = 9/8 (RFC 9002 §6.1.2).</summary>
    public const int TimeThresholdDenominator = 8;

    /// <summary>kGranularity, the timer granularity (RFC 9002 §6.1.2).</summary>
    public static readonly TimeSpan Granularity = TimeSpan.FromMilliseconds(1);

    /// <summary>kInitialRtt, used before the first RTT sample (RFC 9002 §6.2.2).</summary>
    public static readonly TimeSpan InitialRtt = TimeSpan.FromMilliseconds(333);

    /// <summary>The default max_ack_delay transport parameter (RFC 9000 §18.2).</summary>
    public static readonly TimeSpan DefaultMaxAckDelay = TimeSpan.FromMilliseconds(25);

    /// <summary>kPersistentCongestionThreshold, in PTO periods (RFC 9002 §7.6.1).</summary>
    public const int PersistentCongestionThreshold = 3;

    /// <summary>The smallest max_datagram_size (RFC 9000 §14).</summary>
    public const int MinimumMaxDatagramSize = 1200;

    /// <summary>Number of packet number spaces.</summary>
    internal const int SpaceCount = 3;
}
