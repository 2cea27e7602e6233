namespace SharpQuic.Core.Packets;

/// <summary>
/// QUIC packet types, independent of version (the long header type bits differ between
/// QUIC v1 and v2, RFC 9369 §3.2; this enum is what they mean).
/// </summary>
public enum PacketType : byte
{
    Initial,
    ZeroRtt,
    Handshake,
    Retry,
    VersionNegotiation,

    /// <summary>A short header packet, protected with 1-RTT keys.</summary>
    OneRtt,
}
