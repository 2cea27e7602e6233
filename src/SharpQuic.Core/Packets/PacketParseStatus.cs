namespace SharpQuic.Core.Packets;

/// <summary>
/// The outcome of parsing a packet header. Everything except <see cref="Success"/> and
/// <see cref="UnsupportedVersion"/> means the packet is dropped without further processing
/// (RFC 9000 §5.2, §12.2); none of them is an exception.
/// </summary>
public enum PacketParseStatus : byte
{
    /// <summary>The header is well formed for a supported version (or is a short header or a Version Negotiation packet).</summary>
    Success,

    /// <summary>
    /// A long header of a version this endpoint does not support. Only the invariant fields
    /// (version, connection IDs) are valid; a server may answer with Version Negotiation (RFC 9000 §6.1).
    /// </summary>
    UnsupportedVersion,

    /// <summary>The datagram ends inside the header, or before the end the Length field announces.</summary>
    Truncated,

    /// <summary>The fixed bit (0x40) is 0 in a v1/v2 packet (RFC 9000 §17.2, §17.3.1).</summary>
    FixedBitZero,

    /// <summary>A connection ID longer than 20 bytes in a v1/v2 packet (RFC 9000 §17.2).</summary>
    ConnectionIdTooLong,

    /// <summary>A Version Negotiation packet whose version list is not a whole number of 4-byte versions (RFC 8999 §6).</summary>
    InvalidVersionList,

    /// <summary>A Retry packet with an empty Retry Token (RFC 9000 §17.2.5.2).</summary>
    EmptyRetryToken,

    /// <summary>The datagram is empty.</summary>
    Empty,
}
