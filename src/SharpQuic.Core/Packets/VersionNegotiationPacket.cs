using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Packets;

/// <summary>What a client makes of a received Version Negotiation packet (RFC 9000 §6.2).</summary>
public enum VersionNegotiationOutcome : byte
{
    /// <summary>The packet is for this connection and does not list the client's version: negotiation failed or another version should be tried.</summary>
    Valid,

    /// <summary>The list contains the version the client used: the packet is ignored (RFC 9000 §6.2).</summary>
    ListsClientVersion,

    /// <summary>The connection IDs are not the client's swapped (RFC 8999 §6): the packet is ignored.</summary>
    ConnectionIdMismatch,
}

/// <summary>Version Negotiation packets (RFC 9000 §17.2.1, RFC 8999 §6).</summary>
public static class VersionNegotiationPacket
{
    /// <summary>
    /// Writes a Version Negotiation packet answering a client's long header: the connection
    /// IDs are echoed swapped (RFC 8999 §6).
    /// </summary>
    /// <param name="destination">Where the packet goes.</param>
    /// <param name="randomBits">Random value for the unused bits of the first byte (RFC 9000 §17.2.1); 0x40 is always set.</param>
    /// <param name="clientDestinationConnectionId">The DCID of the client's packet; becomes the SCID.</param>
    /// <param name="clientSourceConnectionId">The SCID of the client's packet; becomes the DCID.</param>
    /// <param name="supportedVersions">The versions the server supports.</param>
    /// <param name="reservedVersion">A reserved version to add (RFC 9000 §15, §6.3), or null.</param>
    /// <param name="bytesWritten">Length of the packet.</param>
    /// <returns>False when <paramref name="destination"/> is too small.</returns>
    public static bool TryWrite(
        Span<byte> destination,
        byte randomBits,
        ReadOnlySpan<byte> clientDestinationConnectionId,
        ReadOnlySpan<byte> clientSourceConnectionId,
        ReadOnlySpan<QuicVersion> supportedVersions,
        QuicVersion? reservedVersion,
        out int bytesWritten)
    {
        bytesWritten = 0;

        // RFC 8999 §5.1: connection IDs of any version fit in one length byte.
        if (clientDestinationConnectionId.Length > 255 || clientSourceConnectionId.Length > 255)
        {
            throw new ArgumentException("Connection IDs are at most 255 bytes.", nameof(clientDestinationConnectionId));
        }

        // RFC 9000 §17.2.1: the unused bits are arbitrary; 0x40 is set to help demultiplexing.
        var writer = new QuicWriter(destination);
        bool ok = writer.TryWriteByte((byte)(0xc0 | (randomBits & 0x3f)))
            && writer.TryWriteUInt32(QuicVersion.Negotiation.Value)
            && writer.TryWriteByte((byte)clientSourceConnectionId.Length)
            && writer.TryWriteBytes(clientSourceConnectionId)
            && writer.TryWriteByte((byte)clientDestinationConnectionId.Length)
            && writer.TryWriteBytes(clientDestinationConnectionId);
        for (int i = 0; ok && i < supportedVersions.Length; i++)
        {
            ok = writer.TryWriteUInt32(supportedVersions[i].Value);
        }

        if (ok && reservedVersion is QuicVersion grease)
        {
            ok = writer.TryWriteUInt32(grease.Value);
        }

        if (!ok)
        {
            return false;
        }

        bytesWritten = writer.Written;
        return true;
    }

    /// <summary>
    /// Judges a parsed Version Negotiation packet from the client's side (RFC 9000 §6.2): it
    /// must echo the client's connection IDs swapped, and it is ignored if it lists the
    /// version the client used.
    /// </summary>
    public static VersionNegotiationOutcome Evaluate(in PacketHeader header, QuicVersion clientVersion, ReadOnlySpan<byte> clientDestinationConnectionId, ReadOnlySpan<byte> clientSourceConnectionId)
    {
        if (header.Type != PacketType.VersionNegotiation)
        {
            throw new ArgumentException("Not a Version Negotiation packet.", nameof(header));
        }

        if (!header.DestinationConnectionId.SequenceEqual(clientSourceConnectionId) || !header.SourceConnectionId.SequenceEqual(clientDestinationConnectionId))
        {
            return VersionNegotiationOutcome.ConnectionIdMismatch;
        }

        return Lists(header, clientVersion) ? VersionNegotiationOutcome.ListsClientVersion : VersionNegotiationOutcome.Valid;
    }

    /// <summary>True when the Supported Versions of <paramref name="header"/> contain <paramref name="version"/>.</summary>
    public static bool Lists(in PacketHeader header, QuicVersion version)
    {
        int count = header.SupportedVersions.Length / 4;
        for (int i = 0; i < count; i++)
        {
            if (header.GetSupportedVersion(i) == version)
            {
                return true;
            }
        }

        return false;
    }
}
