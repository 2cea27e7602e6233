using SharpQuic.Core.Wire;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Core.Packets;

/// <summary>Where the fields of a written long header are, for back-patching and protection.</summary>
public readonly struct LongHeaderLayout
{
    internal LongHeaderLayout(int lengthOffset, int lengthFieldSize, int packetNumberOffset, int packetNumberLength)
    {
        LengthOffset = lengthOffset;
        LengthFieldSize = lengthFieldSize;
        PacketNumberOffset = packetNumberOffset;
        PacketNumberLength = packetNumberLength;
    }

    /// <summary>Offset of the reserved Length field.</summary>
    public int LengthOffset { get; }

    /// <summary>Bytes reserved for the Length field (2 or 4).</summary>
    public int LengthFieldSize { get; }

    /// <summary>Offset of the Packet Number field.</summary>
    public int PacketNumberOffset { get; }

    /// <summary>Bytes of the Packet Number field (1 to 4).</summary>
    public int PacketNumberLength { get; }

    /// <summary>Offset of the first payload byte: the header ends here.</summary>
    public int PayloadOffset => PacketNumberOffset + PacketNumberLength;
}

/// <summary>
/// Writes the headers of Initial, 0-RTT, Handshake and 1-RTT packets with their reserved bits
/// at 0 and the packet number unprotected; <see cref="PacketProtection.Protect"/> then seals
/// the packet in place.
/// </summary>
public static class PacketHeaderWriter
{
    /// <summary>
    /// Writes a long header (RFC 9000 §17.2) for an Initial, 0-RTT or Handshake packet, with the
    /// Length field reserved on <paramref name="lengthFieldSize"/> bytes; call
    /// <see cref="CompleteLongHeader"/> once the payload is known.
    /// </summary>
    /// <returns>False when <paramref name="destination"/> is too small; nothing useful is written then.</returns>
    public static bool TryWriteLongHeader(
        Span<byte> destination,
        QuicVersion version,
        PacketType type,
        ReadOnlySpan<byte> destinationConnectionId,
        ReadOnlySpan<byte> sourceConnectionId,
        ReadOnlySpan<byte> token,
        ulong packetNumber,
        int packetNumberLength,
        int lengthFieldSize,
        out LongHeaderLayout layout)
    {
        layout = default;
        if (type is not (PacketType.Initial or PacketType.ZeroRtt or PacketType.Handshake))
        {
            throw new ArgumentOutOfRangeException(nameof(type), "Use RetryPacket or VersionNegotiationPacket for those types.");
        }

        CheckCommon(version, destinationConnectionId, sourceConnectionId, packetNumberLength);
        if (lengthFieldSize is not (2 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(lengthFieldSize), "The Length field is reserved on 2 or 4 bytes.");
        }

        if (type != PacketType.Initial && !token.IsEmpty)
        {
            throw new ArgumentException("Only Initial packets carry a token.", nameof(token));
        }

        // RFC 9000 §17.2: form 1, fixed 1, type, reserved 00, packet number length - 1.
        byte first = (byte)(0xc0 | (version.TypeBits(type) << 4) | (packetNumberLength - 1));
        var writer = new QuicWriter(destination);
        bool ok = writer.TryWriteByte(first)
            && writer.TryWriteUInt32(version.Value)
            && writer.TryWriteByte((byte)destinationConnectionId.Length)
            && writer.TryWriteBytes(destinationConnectionId)
            && writer.TryWriteByte((byte)sourceConnectionId.Length)
            && writer.TryWriteBytes(sourceConnectionId)
            && (type != PacketType.Initial || writer.TryWriteLengthPrefixed(token));
        int lengthOffset = writer.Written;
        if (!ok || !writer.TryReserve(lengthFieldSize, out Span<byte> lengthField))
        {
            return false;
        }

        int packetNumberOffset = writer.Written;
        if (!writer.TryReserve(packetNumberLength, out Span<byte> packetNumberField))
        {
            return false;
        }

        lengthField.Clear();
        PacketNumberEncoding.Write(packetNumberField, packetNumber, packetNumberLength);
        layout = new LongHeaderLayout(lengthOffset, lengthFieldSize, packetNumberOffset, packetNumberLength);
        return true;
    }

    /// <summary>
    /// Back-patches the Length field: packet number + <paramref name="payloadLength"/> bytes of
    /// plaintext + the AEAD tag. Returns the total packet length, tag included.
    /// </summary>
    public static int CompleteLongHeader(Span<byte> packet, in LongHeaderLayout layout, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        ulong length = (ulong)(layout.PacketNumberLength + payloadLength + PacketAead.TagSize);
        VarInt.WriteWithLength(packet.Slice(layout.LengthOffset, layout.LengthFieldSize), length, layout.LengthFieldSize);
        return layout.PayloadOffset + payloadLength + PacketAead.TagSize;
    }

    /// <summary>
    /// Writes a short header (RFC 9000 §17.3.1); <paramref name="headerLength"/> is the payload
    /// offset. Returns false when <paramref name="destination"/> is too small.
    /// </summary>
    public static bool TryWriteShortHeader(
        Span<byte> destination,
        ReadOnlySpan<byte> destinationConnectionId,
        bool spinBit,
        bool keyPhase,
        ulong packetNumber,
        int packetNumberLength,
        out int headerLength)
    {
        headerLength = 0;
        if (destinationConnectionId.Length > PacketHeader.MaxConnectionIdLength)
        {
            throw new ArgumentException("Connection IDs are at most 20 bytes.", nameof(destinationConnectionId));
        }

        CheckPacketNumberLength(packetNumberLength);
        int length = 1 + destinationConnectionId.Length + packetNumberLength;
        if (destination.Length < length)
        {
            return false;
        }

        // Form 0, fixed 1, spin, reserved 00, key phase, packet number length - 1.
        destination[0] = (byte)(0x40 | (spinBit ? 0x20 : 0) | (keyPhase ? 0x04 : 0) | (packetNumberLength - 1));
        destinationConnectionId.CopyTo(destination[1..]);
        PacketNumberEncoding.Write(destination.Slice(1 + destinationConnectionId.Length, packetNumberLength), packetNumber, packetNumberLength);
        headerLength = length;
        return true;
    }

    internal static void CheckCommon(QuicVersion version, ReadOnlySpan<byte> destinationConnectionId, ReadOnlySpan<byte> sourceConnectionId, int packetNumberLength)
    {
        if (!version.IsSupported)
        {
            throw new ArgumentException("Not a supported QUIC version.", nameof(version));
        }

        if (destinationConnectionId.Length > PacketHeader.MaxConnectionIdLength || sourceConnectionId.Length > PacketHeader.MaxConnectionIdLength)
        {
            throw new ArgumentException("Connection IDs are at most 20 bytes.", nameof(destinationConnectionId));
        }

        CheckPacketNumberLength(packetNumberLength);
    }

    private static void CheckPacketNumberLength(int packetNumberLength)
    {
        if ((uint)(packetNumberLength - 1) > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(packetNumberLength), "A packet number is 1 to 4 bytes.");
        }
    }
}
