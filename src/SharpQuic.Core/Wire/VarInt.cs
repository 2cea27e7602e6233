using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpQuic.Core.Wire;

/// <summary>
/// QUIC variable-length integers (RFC 9000 §16): the two high bits of the first byte give the
/// length (1, 2, 4 or 8 bytes); the value is at most 2^62 - 1.
/// </summary>
public static class VarInt
{
    /// <summary>The largest value a variable-length integer can carry: 2^62 - 1.</summary>
    public const ulong MaxValue = (1UL << 62) - 1;

    /// <summary>The number of bytes the encoding of <paramref name="value"/> takes (1, 2, 4 or 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int EncodedLength(ulong value)
    {
        if (value <= 63)
        {
            return 1;
        }

        if (value <= 16383)
        {
            return 2;
        }

        if (value <= 1073741823)
        {
            return 4;
        }

        if (value <= MaxValue)
        {
            return 8;
        }

        throw new ArgumentOutOfRangeException(nameof(value), "A QUIC variable-length integer is at most 2^62 - 1.");
    }

    /// <summary>The length of an encoding, read from its first byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int LengthFromFirstByte(byte first) => 1 << (first >> 6);

    /// <summary>Reads one variable-length integer. Returns false when <paramref name="source"/> is too short.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> source, out ulong value, out int bytesRead)
    {
        if (source.IsEmpty)
        {
            value = 0;
            bytesRead = 0;
            return false;
        }

        int length = LengthFromFirstByte(source[0]);
        if (source.Length < length)
        {
            value = 0;
            bytesRead = 0;
            return false;
        }

        value = length switch
        {
            1 => source[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(source) & 0x3FFFu,
            4 => BinaryPrimitives.ReadUInt32BigEndian(source) & 0x3FFF_FFFFu,
            _ => BinaryPrimitives.ReadUInt64BigEndian(source) & MaxValue,
        };
        bytesRead = length;
        return true;
    }

    /// <summary>Writes <paramref name="value"/> in its shortest encoding. Returns false when it does not fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryWrite(Span<byte> destination, ulong value, out int bytesWritten)
    {
        int length = EncodedLength(value);
        bytesWritten = 0;
        if (destination.Length < length)
        {
            return false;
        }

        WriteWithLength(destination, value, length);
        bytesWritten = length;
        return true;
    }

    /// <summary>
    /// Writes <paramref name="value"/> using exactly <paramref name="length"/> bytes (a longer
    /// encoding than needed is valid, RFC 9000 §16, and lets a Length field be reserved before
    /// the payload is known).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteWithLength(Span<byte> destination, ulong value, int length)
    {
        switch (length)
        {
            case 1 when value <= 63:
                destination[0] = (byte)value;
                break;
            case 2 when value <= 16383:
                BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(0x4000 | value));
                break;
            case 4 when value <= 1073741823:
                BinaryPrimitives.WriteUInt32BigEndian(destination, 0x8000_0000u | (uint)value);
                break;
            case 8 when value <= MaxValue:
                BinaryPrimitives.WriteUInt64BigEndian(destination, 0xC000_0000_0000_0000UL | value);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(length), "The value does not fit in that many bytes, or the length is not 1, 2, 4 or 8.");
        }
    }
}
