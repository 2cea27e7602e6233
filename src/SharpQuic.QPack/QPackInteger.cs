namespace SharpQuic.QPack;

/// <summary>Prefixed integers (RFC 9204 §4.1.1, RFC 7541 §5.1).</summary>
internal static class QPackInteger
{
    /// <summary>Values above this are refused: nothing in QPACK needs more than 62 bits (RFC 9204 §4.1.1).</summary>
    public const ulong MaxValue = (1UL << 62) - 1;

    /// <summary>Longest encoding of <see cref="MaxValue"/>: one prefix byte and nine continuation bytes.</summary>
    public const int MaxLength = 10;

    /// <summary>
    /// Reads an integer whose prefix is the low <paramref name="prefixBits"/> bits of <c>source[0]</c>.
    /// Returns <see cref="ParseStatus.NeedMore"/> when truncated and <see cref="ParseStatus.Invalid"/>
    /// when the value exceeds 2^62-1 or uses too many continuation bytes.
    /// </summary>
    public static ParseStatus TryRead(ReadOnlySpan<byte> source, int prefixBits, out ulong value, out int consumed)
    {
        value = 0;
        consumed = 0;
        if (source.IsEmpty)
        {
            return ParseStatus.NeedMore;
        }

        ulong mask = (1UL << prefixBits) - 1;
        ulong v = source[0] & mask;
        if (v < mask)
        {
            value = v;
            consumed = 1;
            return ParseStatus.Ok;
        }

        int shift = 0;
        for (int i = 1; i < source.Length; i++)
        {
            byte b = source[i];
            if (shift > 56)
            {
                // RFC 9204 §4.1.1: an implementation may refuse values it cannot represent.
                return ParseStatus.Invalid;
            }

            v += (ulong)(b & 0x7F) << shift;
            if (v > MaxValue)
            {
                return ParseStatus.Invalid;
            }

            if ((b & 0x80) == 0)
            {
                value = v;
                consumed = i + 1;
                return ParseStatus.Ok;
            }

            shift += 7;
        }

        return source.Length >= MaxLength ? ParseStatus.Invalid : ParseStatus.NeedMore;
    }

    /// <summary>Encoded length of <paramref name="value"/> with an N-bit prefix.</summary>
    public static int GetLength(ulong value, int prefixBits)
    {
        ulong mask = (1UL << prefixBits) - 1;
        if (value < mask)
        {
            return 1;
        }

        value -= mask;
        int n = 2;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }

        return n;
    }

    /// <summary>
    /// Writes <paramref name="value"/> with an N-bit prefix; <paramref name="flags"/> supplies the bits above
    /// the prefix in the first byte. Returns the number of bytes written.
    /// </summary>
    public static int Write(Span<byte> destination, ulong value, int prefixBits, byte flags)
    {
        ulong mask = (1UL << prefixBits) - 1;
        if (value < mask)
        {
            destination[0] = (byte)(flags | (byte)value);
            return 1;
        }

        destination[0] = (byte)(flags | (byte)mask);
        value -= mask;
        int i = 1;
        while (value >= 0x80)
        {
            destination[i++] = (byte)((value & 0x7F) | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }
}
