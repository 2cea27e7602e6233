using System.Runtime.CompilerServices;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.Aead;
using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Core.Packets;

/// <summary>
/// Packet protection applied in place (RFC 9001 §5.3, §5.4): the payload is sealed with the
/// header as associated data, then the header is masked with a sample of the ciphertext.
/// Nothing is allocated per packet.
/// </summary>
public static class PacketProtection
{
    /// <summary>Bytes the sample starts after the Packet Number offset: as if it were 4 bytes long (RFC 9001 §5.4.2).</summary>
    public const int SampleOffset = 4;

    /// <summary>
    /// The smallest protected packet, counted from the packet number offset: 4 bytes assumed for
    /// the packet number and a whole sample after them (RFC 9001 §5.4.2).
    /// </summary>
    public const int MinimumBytesAfterPacketNumberOffset = SampleOffset + HeaderProtectionKey.SampleSize;

    /// <summary>
    /// Protects <paramref name="packet"/> in place. It holds the unprotected header (packet
    /// number written on <paramref name="packetNumberLength"/> bytes at
    /// <paramref name="packetNumberOffset"/>), the plaintext payload, and 16 bytes at the end for
    /// the tag. The packet must be long enough for the header protection sample: senders pad
    /// short payloads (RFC 9001 §5.4.2).
    /// </summary>
    public static void Protect(Span<byte> packet, int packetNumberOffset, int packetNumberLength, ulong packetNumber, PacketProtectionKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if ((uint)(packetNumberLength - 1) > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(packetNumberLength), "A packet number is 1 to 4 bytes.");
        }

        if (packetNumberOffset < 1 || packet.Length - packetNumberOffset < MinimumBytesAfterPacketNumberOffset)
        {
            throw new ArgumentException("The packet is too short for the header protection sample; pad the payload.", nameof(packet));
        }

        int payloadOffset = packetNumberOffset + packetNumberLength;
        Span<byte> nonce = stackalloc byte[PacketAead.NonceSize];
        keys.ComputeNonce(packetNumber, nonce);
        keys.Aead.Seal(nonce, packet[..payloadOffset], packet[payloadOffset..^PacketAead.TagSize], packet[^PacketAead.TagSize..]);
        ApplyHeaderProtection(packet, packetNumberOffset, packetNumberLength, keys.HeaderProtection);
    }

    /// <summary>
    /// Removes the protection of the packet at the start of <paramref name="packet"/> in place
    /// (exactly one packet: slice coalesced datagrams first). On success the header is
    /// unprotected and the plaintext payload is at <paramref name="payloadOffset"/>.
    /// </summary>
    /// <param name="packet">One protected packet, from its first byte to its last tag byte.</param>
    /// <param name="packetNumberOffset">From <see cref="PacketHeader.PacketNumberOffset"/>.</param>
    /// <param name="expectedPacketNumber">Largest packet number received in this space + 1 (0 if none), for decoding (RFC 9000 §17.1).</param>
    /// <param name="keys">The keys of this packet's encryption level.</param>
    /// <param name="packetNumber">The full packet number.</param>
    /// <param name="payloadOffset">Offset of the plaintext payload.</param>
    /// <param name="payloadLength">Length of the plaintext payload (the tag excluded).</param>
    public static PacketProtectionResult Unprotect(
        Span<byte> packet,
        int packetNumberOffset,
        ulong expectedPacketNumber,
        PacketProtectionKeys keys,
        out ulong packetNumber,
        out int payloadOffset,
        out int payloadLength)
    {
        ArgumentNullException.ThrowIfNull(keys);
        payloadOffset = 0;
        payloadLength = 0;
        PacketProtectionResult result = RemoveHeaderProtection(packet, packetNumberOffset, expectedPacketNumber, keys.HeaderProtection, out packetNumber, out int packetNumberLength);
        if (result != PacketProtectionResult.Success)
        {
            return result;
        }

        return DecryptPayload(packet, packetNumberOffset, packetNumberLength, packetNumber, keys, out payloadOffset, out payloadLength);
    }

    /// <summary>
    /// First half of <see cref="Unprotect"/>: removes header protection in place and decodes
    /// the packet number. Header protection keys do not change on key update (RFC 9001 §6), so
    /// a receiver calls this, reads <see cref="KeyPhase"/> to choose the AEAD keys, then calls
    /// <see cref="DecryptPayload"/>.
    /// </summary>
    public static PacketProtectionResult RemoveHeaderProtection(
        Span<byte> packet,
        int packetNumberOffset,
        ulong expectedPacketNumber,
        HeaderProtectionKey headerProtection,
        out ulong packetNumber,
        out int packetNumberLength)
    {
        ArgumentNullException.ThrowIfNull(headerProtection);
        packetNumber = 0;
        packetNumberLength = 0;

        // RFC 9001 §5.4.2: packets too short for a complete sample are discarded.
        if (packetNumberOffset < 1 || packetNumberOffset > packet.Length || packet.Length - packetNumberOffset < MinimumBytesAfterPacketNumberOffset)
        {
            return PacketProtectionResult.TooShort;
        }

        Span<byte> mask = stackalloc byte[HeaderProtectionKey.MaskSize];
        headerProtection.ComputeMask(packet.Slice(packetNumberOffset + SampleOffset, HeaderProtectionKey.SampleSize), mask);
        packet[0] ^= (byte)(mask[0] & FirstByteMask(packet[0]));
        packetNumberLength = (packet[0] & 0x03) + 1;
        for (int i = 0; i < packetNumberLength; i++)
        {
            packet[packetNumberOffset + i] ^= mask[1 + i];
        }

        ulong truncated = PacketNumberEncoding.ReadTruncated(packet.Slice(packetNumberOffset, packetNumberLength), packetNumberLength);
        packetNumber = PacketNumberEncoding.Decode(expectedPacketNumber, truncated, packetNumberLength);
        return PacketProtectionResult.Success;
    }

    /// <summary>
    /// Second half of <see cref="Unprotect"/>: authenticates and decrypts the payload in place
    /// once header protection is removed, then checks the reserved bits.
    /// </summary>
    public static PacketProtectionResult DecryptPayload(
        Span<byte> packet,
        int packetNumberOffset,
        int packetNumberLength,
        ulong packetNumber,
        PacketProtectionKeys keys,
        out int payloadOffset,
        out int payloadLength)
    {
        ArgumentNullException.ThrowIfNull(keys);
        payloadOffset = packetNumberOffset + packetNumberLength;
        payloadLength = packet.Length - payloadOffset - PacketAead.TagSize;
        if (packetNumberOffset < 1 || (uint)(packetNumberLength - 1) > 3 || payloadLength < 0)
        {
            payloadOffset = 0;
            payloadLength = 0;
            return PacketProtectionResult.TooShort;
        }

        Span<byte> nonce = stackalloc byte[PacketAead.NonceSize];
        keys.ComputeNonce(packetNumber, nonce);
        if (!keys.Aead.Open(nonce, packet[..payloadOffset], packet.Slice(payloadOffset, payloadLength), packet[^PacketAead.TagSize..]))
        {
            return PacketProtectionResult.DecryptionFailed;
        }

        // RFC 9000 §17.2 (0x0c) and §17.3.1 (0x18): reserved bits, checked only after decryption.
        byte reserved = (byte)((packet[0] & 0x80) != 0 ? 0x0c : 0x18);
        return (packet[0] & reserved) != 0 ? PacketProtectionResult.ReservedBitsSet : PacketProtectionResult.Success;
    }

    /// <summary>The Key Phase bit of a short header whose protection has been removed (RFC 9000 §17.3.1).</summary>
    public static bool KeyPhase(ReadOnlySpan<byte> packet) => (packet[0] & 0x04) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte FirstByteMask(byte first) => (byte)((first & 0x80) != 0 ? 0x0f : 0x1f);

    private static void ApplyHeaderProtection(Span<byte> packet, int packetNumberOffset, int packetNumberLength, HeaderProtectionKey headerProtection)
    {
        // RFC 9001 §5.4.1: the sample starts 4 bytes after the packet number offset.
        Span<byte> mask = stackalloc byte[HeaderProtectionKey.MaskSize];
        headerProtection.ComputeMask(packet.Slice(packetNumberOffset + SampleOffset, HeaderProtectionKey.SampleSize), mask);
        packet[0] ^= (byte)(mask[0] & FirstByteMask(packet[0]));
        for (int i = 0; i < packetNumberLength; i++)
        {
            packet[packetNumberOffset + i] ^= mask[1 + i];
        }
    }
}
