namespace SharpQuic.QPack;

/// <summary>String literals (RFC 9204 §4.1.2): an H flag, an N-bit prefixed length, then the octets.</summary>
internal static class QPackString
{
    /// <summary>
    /// Reads the header of a string literal whose H bit sits just above the N-bit length prefix.
    /// <paramref name="consumed"/> covers the length only; the octets follow.
    /// </summary>
    public static ParseStatus TryReadHeader(ReadOnlySpan<byte> source, int prefixBits, out bool huffman, out int length, out int consumed)
    {
        huffman = false;
        length = 0;
        ParseStatus status = QPackInteger.TryRead(source, prefixBits, out ulong value, out consumed);
        if (status != ParseStatus.Ok)
        {
            return status;
        }

        if (value > int.MaxValue)
        {
            return ParseStatus.Invalid;
        }

        huffman = (source[0] & (1 << prefixBits)) != 0;
        length = (int)value;
        return ParseStatus.Ok;
    }

    /// <summary>Upper bound of the decoded length of an encoded string: Huffman codes are at least 5 bits.</summary>
    public static int MaxDecodedLength(int encodedLength, bool huffman) =>
        huffman ? (int)Math.Min(int.MaxValue, (long)encodedLength * 8 / 5) : encodedLength;

    /// <summary>Lower bound of the decoded length: Huffman codes are at most 30 bits (EOS excluded, 30 too).</summary>
    public static long MinDecodedLength(int encodedLength, bool huffman) =>
        huffman ? (long)encodedLength * 8 / 30 : encodedLength;

    /// <summary>Decodes the octets of a literal into <paramref name="destination"/>.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> encoded, bool huffman, Span<byte> destination, out int written)
    {
        if (!huffman)
        {
            written = encoded.Length;
            if (encoded.Length > destination.Length)
            {
                return false;
            }

            encoded.CopyTo(destination);
            return true;
        }

        return Huffman.TryDecode(encoded, destination, out written);
    }

    /// <summary>Bytes needed by <see cref="Write"/> at most.</summary>
    public static int MaxWriteLength(int valueLength) => QPackInteger.MaxLength + valueLength;

    /// <summary>
    /// Writes <paramref name="value"/> with Huffman coding when that is shorter (RFC 9204 §4.1.2).
    /// <paramref name="flags"/> holds the bits above the H bit.
    /// </summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<byte> value, int prefixBits, byte flags)
    {
        int huffmanLength = Huffman.GetEncodedLength(value);
        if (huffmanLength < value.Length)
        {
            int n = QPackInteger.Write(destination, (ulong)huffmanLength, prefixBits, (byte)(flags | (1 << prefixBits)));
            return n + Huffman.Encode(value, destination[n..]);
        }

        int m = QPackInteger.Write(destination, (ulong)value.Length, prefixBits, flags);
        value.CopyTo(destination[m..]);
        return m + value.Length;
    }
}
