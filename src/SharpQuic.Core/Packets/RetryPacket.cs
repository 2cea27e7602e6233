using System.Buffers;
using System.Security.Cryptography;
using SharpQuic.Core.Wire;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Core.Packets;

/// <summary>
/// Retry packets (RFC 9000 §17.2.5) and their integrity tag (RFC 9001 §5.8, RFC 9369 §3.3.3):
/// AES-128-GCM with a fixed key over the Retry Pseudo-Packet, with empty plaintext.
/// </summary>
public static class RetryPacket
{
    // Pseudo-packets up to this size are built on the stack; larger ones (huge tokens) are pooled.
    private const int StackPseudoPacketLimit = 512;

    // One AEAD per version and thread: PacketAead instances are not thread-safe.
    [ThreadStatic]
    private static PacketAead? t_aeadV1;

    [ThreadStatic]
    private static PacketAead? t_aeadV2;

    /// <summary>
    /// Writes a Retry packet with its integrity tag.
    /// </summary>
    /// <param name="destination">Where the packet goes.</param>
    /// <param name="version">A supported version.</param>
    /// <param name="destinationConnectionId">The client's Source Connection ID.</param>
    /// <param name="sourceConnectionId">The connection ID the server chose.</param>
    /// <param name="token">The Retry Token (not empty, RFC 9000 §17.2.5.2).</param>
    /// <param name="originalDestinationConnectionId">The Destination Connection ID of the client's Initial.</param>
    /// <param name="unusedBits">Value of the 4 unused bits of the first byte (RFC 9000 §17.2.5).</param>
    /// <param name="bytesWritten">Length of the packet.</param>
    /// <returns>False when <paramref name="destination"/> is too small.</returns>
    public static bool TryWrite(
        Span<byte> destination,
        QuicVersion version,
        ReadOnlySpan<byte> destinationConnectionId,
        ReadOnlySpan<byte> sourceConnectionId,
        ReadOnlySpan<byte> token,
        ReadOnlySpan<byte> originalDestinationConnectionId,
        byte unusedBits,
        out int bytesWritten)
    {
        bytesWritten = 0;
        PacketHeaderWriter.CheckCommon(version, destinationConnectionId, sourceConnectionId, 1);
        if (token.IsEmpty)
        {
            throw new ArgumentException("A Retry Token is never empty.", nameof(token));
        }

        CheckOriginal(originalDestinationConnectionId);
        var writer = new QuicWriter(destination);
        bool ok = writer.TryWriteByte((byte)(0xc0 | (version.TypeBits(PacketType.Retry) << 4) | (unusedBits & 0x0f)))
            && writer.TryWriteUInt32(version.Value)
            && writer.TryWriteByte((byte)destinationConnectionId.Length)
            && writer.TryWriteBytes(destinationConnectionId)
            && writer.TryWriteByte((byte)sourceConnectionId.Length)
            && writer.TryWriteBytes(sourceConnectionId)
            && writer.TryWriteBytes(token)
            && writer.TryReserve(PacketHeader.RetryIntegrityTagLength, out _);
        if (!ok)
        {
            return false;
        }

        int length = writer.Written;
        ComputeTag(version, originalDestinationConnectionId, destination[..(length - PacketHeader.RetryIntegrityTagLength)], destination.Slice(length - PacketHeader.RetryIntegrityTagLength, PacketHeader.RetryIntegrityTagLength));
        bytesWritten = length;
        return true;
    }

    /// <summary>
    /// Checks the Retry Integrity Tag of a received Retry packet in constant time (RFC 9001
    /// §5.8). Clients discard Retry packets that fail this check (RFC 9000 §17.2.5.2).
    /// </summary>
    /// <param name="retryPacket">The whole Retry packet, tag included (the rest of the datagram).</param>
    /// <param name="version">The packet's version (from <see cref="PacketHeader.Version"/>).</param>
    /// <param name="originalDestinationConnectionId">The Destination Connection ID the client put in its first Initial.</param>
    public static bool IsIntegrityTagValid(ReadOnlySpan<byte> retryPacket, QuicVersion version, ReadOnlySpan<byte> originalDestinationConnectionId)
    {
        if (!version.IsSupported || retryPacket.Length < PacketHeader.RetryIntegrityTagLength || originalDestinationConnectionId.Length > PacketHeader.MaxConnectionIdLength)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[PacketHeader.RetryIntegrityTagLength];
        ComputeTag(version, originalDestinationConnectionId, retryPacket[..^PacketHeader.RetryIntegrityTagLength], expected);
        return CryptographicOperations.FixedTimeEquals(expected, retryPacket[^PacketHeader.RetryIntegrityTagLength..]);
    }

    private static void ComputeTag(QuicVersion version, ReadOnlySpan<byte> originalDestinationConnectionId, ReadOnlySpan<byte> packetWithoutTag, Span<byte> tag)
    {
        // RFC 9001 §5.8: Retry Pseudo-Packet = ODCID Length (1) + ODCID + the Retry packet without its tag.
        int pseudoLength = 1 + originalDestinationConnectionId.Length + packetWithoutTag.Length;
        byte[]? rented = null;
        Span<byte> pseudo = pseudoLength <= StackPseudoPacketLimit
            ? stackalloc byte[StackPseudoPacketLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(pseudoLength));
        pseudo = pseudo[..pseudoLength];
        pseudo[0] = (byte)originalDestinationConnectionId.Length;
        originalDestinationConnectionId.CopyTo(pseudo[1..]);
        packetWithoutTag.CopyTo(pseudo[(1 + originalDestinationConnectionId.Length)..]);
        try
        {
            Aead(version).Seal(version.RetryIntegrityNonce, pseudo, Span<byte>.Empty, tag);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static PacketAead Aead(QuicVersion version)
    {
        if (version == QuicVersion.V2)
        {
            return t_aeadV2 ??= PacketAead.Create(CipherSuite.Aes128GcmSha256, version.RetryIntegrityKey);
        }

        return t_aeadV1 ??= PacketAead.Create(CipherSuite.Aes128GcmSha256, version.RetryIntegrityKey);
    }

    private static void CheckOriginal(ReadOnlySpan<byte> originalDestinationConnectionId)
    {
        if (originalDestinationConnectionId.Length > PacketHeader.MaxConnectionIdLength)
        {
            throw new ArgumentException("Connection IDs are at most 20 bytes.", nameof(originalDestinationConnectionId));
        }
    }
}
