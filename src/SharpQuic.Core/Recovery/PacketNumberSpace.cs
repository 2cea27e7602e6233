namespace SharpQuic.Core.Recovery;

/// <summary>
/// The three packet number spaces (RFC 9000 §12.3). Loss detection and acknowledgment are
/// separate per space; RTT and congestion control are shared by the path (RFC 9002 §6).
/// 0-RTT and 1-RTT packets share <see cref="ApplicationData"/>.
/// </summary>
public enum PacketNumberSpace
{
    /// <summary>Initial packets.</summary>
    Initial = 0,

    /// <summary>Handshake packets.</summary>
    Handshake = 1,

    /// <summary>0-RTT and 1-RTT packets.</summary>
    ApplicationData = 2,
}

/// <summary>
/// The ECN codepoint of an IP packet (RFC 3168 §5), as the two low bits of the TOS / traffic
/// class byte. The values are the wire values so a driver can pass the byte through.
/// </summary>
public enum EcnCodepoint : byte
{
    /// <summary>Not ECN-capable transport.</summary>
    NotEct = 0b00,

    /// <summary>ECN-capable transport, ECT(1).</summary>
    Ect1 = 0b01,

    /// <summary>ECN-capable transport, ECT(0).</summary>
    Ect0 = 0b10,

    /// <summary>Congestion experienced.</summary>
    Ce = 0b11,
}
