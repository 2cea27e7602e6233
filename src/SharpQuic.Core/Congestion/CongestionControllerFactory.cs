using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Congestion;

/// <summary>The congestion control algorithms a connection can use.</summary>
public enum CongestionControlAlgorithm
{
    /// <summary>NewReno (RFC 9002 §7, Appendix B).</summary>
    NewReno,

    /// <summary>CUBIC (RFC 9438) with HyStart++ (RFC 9406).</summary>
    Cubic,
}

/// <summary>Creates the <see cref="ICongestionController"/> for a <see cref="CongestionControlAlgorithm"/>.</summary>
public static class CongestionControllerFactory
{
    /// <summary>The algorithm used when none is chosen: CUBIC with HyStart++.</summary>
    public const CongestionControlAlgorithm DefaultAlgorithm = CongestionControlAlgorithm.Cubic;

    /// <summary>Creates a fresh controller in slow start for a path with <paramref name="maxDatagramSize"/>.</summary>
    /// <param name="algorithm">The algorithm.</param>
    /// <param name="maxDatagramSize">The path's max_datagram_size.</param>
    /// <param name="paced">Whether the connection paces its sends with a <see cref="Pacer"/> (CUBIC's slow start
    /// limits per-ACK growth otherwise, RFC 9406 §4.2).</param>
    /// <exception cref="ArgumentOutOfRangeException">Unknown algorithm, or a size below 1200 bytes.</exception>
    public static ICongestionController Create(CongestionControlAlgorithm algorithm, int maxDatagramSize = RecoveryConstants.MinimumMaxDatagramSize, bool paced = true) => algorithm switch
    {
        CongestionControlAlgorithm.NewReno => new NewReno(maxDatagramSize),
        CongestionControlAlgorithm.Cubic => new Cubic(maxDatagramSize, paced: paced),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown congestion control algorithm."),
    };
}
