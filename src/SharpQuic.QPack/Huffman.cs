namespace SharpQuic.QPack;

/// <summary>
/// The HPACK Huffman code (RFC 7541 Appendix B), used by QPACK string literals (RFC 9204 §4.1.2).
/// The code is canonical: codes are assigned in order of (length, symbol), so the table is typed in as
/// the list of symbols for each code length and the codes are derived from it.
/// </summary>
internal static class Huffman
{
    private const int Eos = 256;

    // RFC 7541 Appendix B, grouped by code length. The lengths of all 257 symbols satisfy Kraft's
    // equality (checked by a test), and the derived codes match the published hex column.
    private static readonly (int Length, int[] Symbols)[] SymbolsByLength =
    [
        (5, [48, 49, 50, 97, 99, 101, 105, 111, 115, 116]),
        (6, [32, 37, 45, 46, 47, 51, 52, 53, 54, 55, 56, 57, 61, 65, 95, 98, 100, 102, 103, 104, 108, 109, 110, 112, 114, 117]),
        (7, [58, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 89, 106, 107, 113, 118, 119, 120, 121, 122]),
        (8, [38, 42, 44, 59, 88, 90]),
        (10, [33, 34, 40, 41, 63]),
        (11, [39, 43, 124]),
        (12, [35, 62]),
        (13, [0, 36, 64, 91, 93, 126]),
        (14, [94, 125]),
        (15, [60, 96, 123]),
        (19, [92, 195, 208]),
        (20, [128, 130, 131, 162, 184, 194, 224, 226]),
        (21, [153, 161, 167, 172, 176, 177, 179, 209, 216, 217, 227, 229, 230]),
        (22, [129, 132, 133, 134, 136, 146, 154, 156, 160, 163, 164, 169, 170, 173, 178, 181, 185, 186, 187, 189, 190, 196, 198, 228, 232, 233]),
        (23, [1, 135, 137, 138, 139, 140, 141, 143, 147, 149, 150, 151, 152, 155, 157, 158, 165, 166, 168, 174, 175, 180, 182, 183, 188, 191, 197, 231, 239]),
        (24, [9, 142, 144, 145, 148, 159, 171, 206, 215, 225, 236, 237]),
        (25, [199, 207, 234, 235]),
        (26, [192, 193, 200, 201, 202, 205, 210, 213, 218, 219, 238, 240, 242, 243, 255]),
        (27, [203, 204, 211, 212, 214, 221, 222, 223, 241, 244, 245, 246, 247, 248, 250, 251, 252, 253, 254]),
        (28, [2, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127, 220, 249]),
        (30, [10, 13, 22, Eos]),
    ];

    /// <summary>Code of each symbol (0..256), right-aligned.</summary>
    internal static readonly uint[] Codes = new uint[257];

    /// <summary>Code length in bits of each symbol (0..256).</summary>
    internal static readonly byte[] Lengths = new byte[257];

    // Binary decoding tree: Tree[2*node + bit] is either a child node index (> 0) or ~symbol (< 0).
    private static readonly short[] Tree = new short[2 * 256];

    static Huffman()
    {
        uint code = 0;
        int previousLength = SymbolsByLength[0].Length;
        foreach ((int length, int[] symbols) in SymbolsByLength)
        {
            code <<= length - previousLength;
            previousLength = length;
            foreach (int s in symbols)
            {
                Codes[s] = code++;
                Lengths[s] = (byte)length;
            }
        }

        int nodes = 1;
        for (int s = 0; s <= Eos; s++)
        {
            int node = 0;
            for (int bit = Lengths[s] - 1; bit >= 0; bit--)
            {
                int slot = (2 * node) + (int)((Codes[s] >> bit) & 1);
                if (bit == 0)
                {
                    Tree[slot] = (short)~s;
                }
                else
                {
                    if (Tree[slot] == 0)
                    {
                        Tree[slot] = (short)nodes++;
                    }

                    node = Tree[slot];
                }
            }
        }
    }

    /// <summary>Length in bytes of the Huffman encoding of <paramref name="source"/> (RFC 7541 §5.2).</summary>
    public static int GetEncodedLength(ReadOnlySpan<byte> source)
    {
        long bits = 0;
        foreach (byte b in source)
        {
            bits += Lengths[b];
        }

        return (int)((bits + 7) >> 3);
    }

    /// <summary>
    /// Encodes <paramref name="source"/>, padding the last byte with the most significant bits of EOS
    /// (all ones; RFC 7541 §5.2). <paramref name="destination"/> must hold <see cref="GetEncodedLength"/> bytes.
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ulong acc = 0;
        int accBits = 0;
        int n = 0;
        foreach (byte b in source)
        {
            acc = (acc << Lengths[b]) | Codes[b];
            accBits += Lengths[b];
            while (accBits >= 8)
            {
                accBits -= 8;
                destination[n++] = (byte)(acc >> accBits);
            }
        }

        if (accBits > 0)
        {
            destination[n++] = (byte)((acc << (8 - accBits)) | (0xFFu >> accBits));
        }

        return n;
    }

    /// <summary>
    /// Decodes <paramref name="source"/> into <paramref name="destination"/> (which needs at most
    /// <c>source.Length * 8 / 5</c> bytes). Returns false for EOS inside the string, padding longer than
    /// 7 bits or padding that is not a prefix of EOS (RFC 7541 §5.2), or a full destination. Work is one
    /// step per input bit.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        written = 0;
        int node = 0;
        int pendingBits = 0; // bits consumed since the last complete symbol
        bool pendingAllOnes = true;
        foreach (byte b in source)
        {
            for (int bit = 7; bit >= 0; bit--)
            {
                int v = (b >> bit) & 1;
                short next = Tree[(2 * node) + v];
                pendingBits++;
                pendingAllOnes &= v == 1;
                if (next < 0)
                {
                    int symbol = ~next;
                    if (symbol == Eos || written == destination.Length)
                    {
                        return false;
                    }

                    destination[written++] = (byte)symbol;
                    node = 0;
                    pendingBits = 0;
                    pendingAllOnes = true;
                }
                else
                {
                    node = next;
                }
            }
        }

        return pendingBits <= 7 && pendingAllOnes;
    }
}
