namespace SharpQuic.Core;

/// <summary>
/// The two ECN bits of the IP header (RFC 3168 §5, RFC 9000 §13.4): what a datagram was sent
/// with, and what it arrived with.
/// </summary>
public enum EcnCodepoint : byte
{
    /// <summary>Not ECN-capable transport (00).</summary>
    NotEct = 0b00,

    /// <summary>ECN-capable transport, ECT(1) (01).</summary>
    Ect1 = 0b01,

    /// <summary>ECN-capable transport, ECT(0) (10).</summary>
    Ect0 = 0b10,

    /// <summary>Congestion experienced (11).</summary>
    Ce = 0b11,
}
