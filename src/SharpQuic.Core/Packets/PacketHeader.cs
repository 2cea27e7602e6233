using System.Buffers.Binary;
using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Packets;

/// <summary>
/// The header of one packet as parsed from the start of a datagram (or of the remainder of a
/// coalesced datagram). Spans point into the parsed buffer; offsets are relative to its start.
/// </summary>
public readonly ref struct PacketHeader
{
    /// <summary>Largest connection ID QUIC v1 and v2 allow (RFC 9000 §17.2).</summary>
    public const int MaxConnectionIdLength = 20;

    /// <summary>Size of the Retry Integrity Tag (RFC 9001 §5.8).</summary>
    public const int RetryIntegrityTagLength = 16;

    internal PacketHeader(
        PacketType type,
        QuicVersion version,
        byte firstByte,
        ReadOnlySpan<byte> destinationConnectionId,
        ReadOnlySpan<byte> sourceConnectionId,
        ReadOnlySpan<byte> token,
        ReadOnlySpan<byte> tail,
        int packetNumberOffset,
        int packetLength)
    {
        Type = type;
        Version = version;
        FirstByte = firstByte;
        DestinationConnectionId = destinationConnectionId;
        SourceConnectionId = sourceConnectionId;
        Token = token;
        Tail = tail;
        PacketNumberOffset = packetNumberOffset;
        PacketLength = packetLength;
    }

    /// <summary>The packet type. Meaningless when the version is unsupported.</summary>
    public PacketType Type { get; }

    /// <summary>The version of a long header; default (0) for short headers and Version Negotiation.</summary>
    public QuicVersion Version { get; }

    /// <summary>The first byte as received (still header-protected for Initial, 0-RTT, Handshake and 1-RTT).</summary>
    public byte FirstByte { get; }

    /// <summary>True for long headers (RFC 8999 §5.1).</summary>
    public bool IsLongHeader => (FirstByte & 0x80) != 0;

    /// <summary>The Destination Connection ID.</summary>
    public ReadOnlySpan<byte> DestinationConnectionId { get; }

    /// <summary>The Source Connection ID (empty for short headers).</summary>
    public ReadOnlySpan<byte> SourceConnectionId { get; }

    /// <summary>The Token of an Initial packet, or the Retry Token of a Retry packet; otherwise empty.</summary>
    public ReadOnlySpan<byte> Token { get; }

    /// <summary>The Retry Integrity Tag of a Retry packet, or the Supported Versions of a Version Negotiation packet.</summary>
    private ReadOnlySpan<byte> Tail { get; }

    /// <summary>The Retry Integrity Tag (16 bytes) of a Retry packet; otherwise empty.</summary>
    public ReadOnlySpan<byte> RetryIntegrityTag => Type == PacketType.Retry ? Tail : default;

    /// <summary>The Supported Versions list (4 bytes each) of a Version Negotiation packet; otherwise empty.</summary>
    public ReadOnlySpan<byte> SupportedVersions => Type == PacketType.VersionNegotiation ? Tail : default;

    /// <summary>Offset of the (protected) Packet Number field; -1 for Retry, Version Negotiation and unsupported versions.</summary>
    public int PacketNumberOffset { get; }

    /// <summary>
    /// Bytes this packet occupies: up to the end of its Length field for Initial, 0-RTT and
    /// Handshake (RFC 9000 §12.2), otherwise to the end of the datagram.
    /// </summary>
    public int PacketLength { get; }

    /// <summary>
    /// Parses the header at the start of <paramref name="datagram"/>, following the version
    /// independent invariants (RFC 8999 §5) and then the rules of v1/v2 (RFC 9000 §17, RFC 9369 §3).
    /// Every length is checked against the bytes present.
    /// </summary>
    /// <param name="datagram">The datagram, or what remains of it after earlier coalesced packets.</param>
    /// <param name="shortHeaderConnectionIdLength">Length of this endpoint's connection IDs, needed to find the end of a short header's DCID.</param>
    /// <param name="header">The parsed header, valid for <see cref="PacketParseStatus.Success"/> and, for the invariant fields, <see cref="PacketParseStatus.UnsupportedVersion"/>.</param>
    public static PacketParseStatus TryParse(ReadOnlySpan<byte> datagram, int shortHeaderConnectionIdLength, out PacketHeader header)
    {
        header = default;
        if (datagram.IsEmpty)
        {
            return PacketParseStatus.Empty;
        }

        byte first = datagram[0];
        if ((first & 0x80) == 0)
        {
            return TryParseShort(datagram, shortHeaderConnectionIdLength, out header);
        }

        // RFC 8999 §5.1: version, then DCID and SCID of up to 255 bytes each.
        var reader = new QuicReader(datagram[1..]);
        if (!reader.TryReadUInt32(out uint versionValue)
            || !reader.TryReadByte(out byte dcidLength)
            || !reader.TryReadBytes(dcidLength, out ReadOnlySpan<byte> dcid)
            || !reader.TryReadByte(out byte scidLength)
            || !reader.TryReadBytes(scidLength, out ReadOnlySpan<byte> scid))
        {
            return PacketParseStatus.Truncated;
        }

        var version = new QuicVersion(versionValue);
        if (version == QuicVersion.Negotiation)
        {
            return TryParseVersionNegotiation(datagram, first, dcid, scid, reader.RemainingSpan, out header);
        }

        if (!version.IsSupported)
        {
            header = new PacketHeader(default, version, first, dcid, scid, default, default, -1, datagram.Length);
            return PacketParseStatus.UnsupportedVersion;
        }

        if (dcidLength > MaxConnectionIdLength || scidLength > MaxConnectionIdLength)
        {
            return PacketParseStatus.ConnectionIdTooLong;
        }

        // RFC 9000 §17.2: packets with the fixed bit 0 are not valid (no grease_quic_bit yet).
        if ((first & 0x40) == 0)
        {
            return PacketParseStatus.FixedBitZero;
        }

        PacketType type = version.PacketTypeFromBits((first & 0x30) >> 4);
        if (type == PacketType.Retry)
        {
            return TryParseRetry(datagram, first, version, dcid, scid, reader.RemainingSpan, out header);
        }

        ReadOnlySpan<byte> token = default;
        if (type == PacketType.Initial && !reader.TryReadLengthPrefixed(out token))
        {
            return PacketParseStatus.Truncated;
        }

        // RFC 9000 §17.2: Length covers the packet number and the protected payload.
        if (!reader.TryReadVarInt(out ulong length) || length > (ulong)reader.Remaining)
        {
            return PacketParseStatus.Truncated;
        }

        int packetNumberOffset = 1 + reader.Position;
        header = new PacketHeader(type, version, first, dcid, scid, token, default, packetNumberOffset, packetNumberOffset + (int)length);
        return PacketParseStatus.Success;
    }

    /// <summary>The version at index <paramref name="index"/> of <see cref="SupportedVersions"/>.</summary>
    public QuicVersion GetSupportedVersion(int index) => new(BinaryPrimitives.ReadUInt32BigEndian(SupportedVersions.Slice(index * 4, 4)));

    private static PacketParseStatus TryParseShort(ReadOnlySpan<byte> datagram, int connectionIdLength, out PacketHeader header)
    {
        header = default;
        if ((uint)connectionIdLength > MaxConnectionIdLength)
        {
            throw new ArgumentOutOfRangeException(nameof(connectionIdLength), "Connection IDs are at most 20 bytes.");
        }

        // RFC 9000 §17.3.1.
        if ((datagram[0] & 0x40) == 0)
        {
            return PacketParseStatus.FixedBitZero;
        }

        if (datagram.Length < 1 + connectionIdLength)
        {
            return PacketParseStatus.Truncated;
        }

        ReadOnlySpan<byte> dcid = datagram.Slice(1, connectionIdLength);
        header = new PacketHeader(PacketType.OneRtt, default, datagram[0], dcid, default, default, default, 1 + connectionIdLength, datagram.Length);
        return PacketParseStatus.Success;
    }

    private static PacketParseStatus TryParseVersionNegotiation(ReadOnlySpan<byte> datagram, byte first, ReadOnlySpan<byte> dcid, ReadOnlySpan<byte> scid, ReadOnlySpan<byte> versions, out PacketHeader header)
    {
        // RFC 8999 §6: the list runs to the end of the datagram, 4 bytes per version.
        header = default;
        if (versions.Length % 4 != 0)
        {
            return PacketParseStatus.InvalidVersionList;
        }

        header = new PacketHeader(PacketType.VersionNegotiation, QuicVersion.Negotiation, first, dcid, scid, default, versions, -1, datagram.Length);
        return PacketParseStatus.Success;
    }

    private static PacketParseStatus TryParseRetry(ReadOnlySpan<byte> datagram, byte first, QuicVersion version, ReadOnlySpan<byte> dcid, ReadOnlySpan<byte> scid, ReadOnlySpan<byte> rest, out PacketHeader header)
    {
        // RFC 9000 §17.2.5: Retry Token to the end of the datagram, less the 16-byte tag.
        header = default;
        if (rest.Length < RetryIntegrityTagLength)
        {
            return PacketParseStatus.Truncated;
        }

        if (rest.Length == RetryIntegrityTagLength)
        {
            return PacketParseStatus.EmptyRetryToken;
        }

        ReadOnlySpan<byte> token = rest[..^RetryIntegrityTagLength];
        ReadOnlySpan<byte> tag = rest[^RetryIntegrityTagLength..];
        header = new PacketHeader(PacketType.Retry, version, first, dcid, scid, token, tag, -1, datagram.Length);
        return PacketParseStatus.Success;
    }
}
