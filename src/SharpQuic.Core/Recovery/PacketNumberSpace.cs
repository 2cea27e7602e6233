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
