using System.Text;

namespace SharpQuic.Http3;

/// <summary>
/// Percent-decoding of one path segment (RFC 3986 §2.1) into a caller's buffer, without
/// allocating. "%XX" runs are UTF-8 (RFC 3986 §2.5); bytes that are not valid UTF-8 become
/// U+FFFD. A '%' not followed by two hex digits is kept as it is. '+' is not a space in a path.
/// </summary>
internal static class PercentDecoder
{
    /// <summary>Bytes of scratch space <see cref="Decode"/> needs for <paramref name="rawLength"/> chars:
    /// a non-ASCII char encodes to at most 3 UTF-8 bytes (a surrogate pair to 4 for 2 chars).</summary>
    public static int ScratchBytes(int rawLength) => rawLength * 3;

    /// <summary>
    /// Decodes <paramref name="raw"/> into <paramref name="destination"/> (at least raw.Length chars),
    /// using <paramref name="scratch"/> (at least <see cref="ScratchBytes"/>); returns the chars written.
    /// The decoded text is never longer than the raw text: "%XX" (3 chars) yields at most one char,
    /// and any other char round-trips through UTF-8 to one char (a pair to two).
    /// </summary>
    public static int Decode(ReadOnlySpan<char> raw, Span<char> destination, Span<byte> scratch)
    {
        if (raw.IndexOf('%') < 0)
        {
            raw.CopyTo(destination);
            return raw.Length;
        }

        int bytes = 0;
        int i = 0;
        while (i < raw.Length)
        {
            char c = raw[i];
            if (c == '%' && i + 2 < raw.Length && TryHex(raw[i + 1], raw[i + 2], out byte b))
            {
                scratch[bytes++] = b;
                i += 3;
            }
            else if (c < 0x80)
            {
                scratch[bytes++] = (byte)c;
                i++;
            }
            else
            {
                // Hostile input may carry raw non-ASCII; keep it as UTF-8 so it decodes back to itself.
                Rune.DecodeFromUtf16(raw[i..], out Rune rune, out int used);
                bytes += rune.EncodeToUtf8(scratch[bytes..]);
                i += used;
            }
        }

        return Encoding.UTF8.GetChars(scratch[..bytes], destination);
    }

    /// <summary>Decodes into a new string (for route values, which must outlive the request's buffers).</summary>
    public static string DecodeToString(ReadOnlySpan<char> raw)
    {
        if (raw.IndexOf('%') < 0)
        {
            return raw.ToString();
        }

        char[] chars = new char[raw.Length];
        byte[] scratch = new byte[ScratchBytes(raw.Length)];
        int written = Decode(raw, chars, scratch);
        return new string(chars, 0, written);
    }

    private static bool TryHex(char high, char low, out byte value)
    {
        int h = HexValue(high);
        int l = HexValue(low);
        value = (byte)((h << 4) | l);
        return (h | l) >= 0;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
