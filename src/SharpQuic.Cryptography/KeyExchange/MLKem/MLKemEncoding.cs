namespace SharpQuic.Cryptography.KeyExchange.MLKem;

/// <summary>
/// ByteEncode_d / ByteDecode_d (FIPS 203 Algorithms 5-6) for the widths ML-KEM-768 uses
/// (12, 10, 4, 1), and Compress_d / Decompress_d (FIPS 203 §4.2.1, equation 4.7-4.8).
/// </summary>
/// <remarks>
/// Compress divides by q with a multiply and a shift, never the <c>/</c> operator, so its time
/// does not depend on the (secret) coefficient. Every loop bound is a public length.
/// </remarks>
internal static class MLKemEncoding
{
    private const int Q = MLKemPoly.Q;

    // ⌈2^40 / q⌉: for n < 2^23, (n·M) >> 40 == ⌊n / q⌋ because n·(M − 2^40/q) < 2^23 < 2^40/q.
    private const long DivideByQMultiplier = ((1L << 40) / Q) + 1;

    /// <summary>Bytes of one ByteEncode12 polynomial.</summary>
    public const int Poly12Bytes = 384;

    /// <summary>Bytes of one ByteEncode10 polynomial.</summary>
    public const int Poly10Bytes = 320;

    /// <summary>Bytes of one ByteEncode4 polynomial.</summary>
    public const int Poly4Bytes = 128;

    /// <summary>Bytes of one ByteEncode1 polynomial (a message).</summary>
    public const int Poly1Bytes = 32;

    /// <summary>Compress_d(x) = ⌈(2^d/q)·x⌋ mod 2^d for x in [0, q), d ≤ 11 (FIPS 203 eq. 4.7).</summary>
    public static int Compress(int x, int d)
    {
        long numerator = ((long)x << d) + (Q / 2);
        return (int)((numerator * DivideByQMultiplier) >> 40) & ((1 << d) - 1);
    }

    /// <summary>Decompress_d(y) = ⌈(q/2^d)·y⌋ for y in [0, 2^d) (FIPS 203 eq. 4.8).</summary>
    public static short Decompress(int y, int d) => (short)(((y * Q) + (1 << (d - 1))) >> d);

    /// <summary>ByteEncode12 of coefficients in (-q, q), made canonical first. 384 bytes per polynomial.</summary>
    public static void Encode12(ReadOnlySpan<short> coefficients, Span<byte> output)
    {
        for (int i = 0, o = 0; i < coefficients.Length; i += 2, o += 3)
        {
            int t0 = MLKemPoly.ToCanonical(coefficients[i]);
            int t1 = MLKemPoly.ToCanonical(coefficients[i + 1]);
            output[o] = (byte)t0;
            output[o + 1] = (byte)((t0 >> 8) | (t1 << 4));
            output[o + 2] = (byte)(t1 >> 4);
        }
    }

    /// <summary>ByteDecode12: every 12-bit value, unreduced (0..4095).</summary>
    public static void Decode12(ReadOnlySpan<byte> input, Span<short> coefficients)
    {
        for (int i = 0, o = 0; i < coefficients.Length; i += 2, o += 3)
        {
            int b0 = input[o];
            int b1 = input[o + 1];
            int b2 = input[o + 2];
            coefficients[i] = (short)(b0 | ((b1 & 0x0F) << 8));
            coefficients[i + 1] = (short)((b1 >> 4) | (b2 << 4));
        }
    }

    /// <summary>
    /// The modulus check of FIPS 203 §7.2: true when every 12-bit value is below q, i.e.
    /// ByteEncode12(ByteDecode12(input)) == input. Public data; branch-free anyway.
    /// </summary>
    public static bool AllBelowQ(ReadOnlySpan<byte> input)
    {
        int overflow = 0;
        for (int o = 0; o + 3 <= input.Length; o += 3)
        {
            int b0 = input[o];
            int b1 = input[o + 1];
            int b2 = input[o + 2];
            int t0 = b0 | ((b1 & 0x0F) << 8);
            int t1 = (b1 >> 4) | (b2 << 4);
            overflow |= ((Q - 1) - t0) | ((Q - 1) - t1);
        }

        return overflow >= 0;
    }

    /// <summary>ByteEncode10(Compress10(x)) of coefficients in (-q, q). 320 bytes per polynomial.</summary>
    public static void CompressEncode10(ReadOnlySpan<short> coefficients, Span<byte> output)
    {
        for (int i = 0, o = 0; i < coefficients.Length; i += 4, o += 5)
        {
            int t0 = Compress(MLKemPoly.ToCanonical(coefficients[i]), 10);
            int t1 = Compress(MLKemPoly.ToCanonical(coefficients[i + 1]), 10);
            int t2 = Compress(MLKemPoly.ToCanonical(coefficients[i + 2]), 10);
            int t3 = Compress(MLKemPoly.ToCanonical(coefficients[i + 3]), 10);
            output[o] = (byte)t0;
            output[o + 1] = (byte)((t0 >> 8) | (t1 << 2));
            output[o + 2] = (byte)((t1 >> 6) | (t2 << 4));
            output[o + 3] = (byte)((t2 >> 4) | (t3 << 6));
            output[o + 4] = (byte)(t3 >> 2);
        }
    }

    /// <summary>Decompress10(ByteDecode10(input)): coefficients in [0, q).</summary>
    public static void DecodeDecompress10(ReadOnlySpan<byte> input, Span<short> coefficients)
    {
        for (int i = 0, o = 0; i < coefficients.Length; i += 4, o += 5)
        {
            int b0 = input[o];
            int b1 = input[o + 1];
            int b2 = input[o + 2];
            int b3 = input[o + 3];
            int b4 = input[o + 4];
            coefficients[i] = Decompress(b0 | ((b1 & 0x03) << 8), 10);
            coefficients[i + 1] = Decompress((b1 >> 2) | ((b2 & 0x0F) << 6), 10);
            coefficients[i + 2] = Decompress((b2 >> 4) | ((b3 & 0x3F) << 4), 10);
            coefficients[i + 3] = Decompress((b3 >> 6) | (b4 << 2), 10);
        }
    }

    /// <summary>ByteEncode4(Compress4(x)) of coefficients in (-q, q). 128 bytes per polynomial.</summary>
    public static void CompressEncode4(ReadOnlySpan<short> coefficients, Span<byte> output)
    {
        for (int i = 0, o = 0; i < coefficients.Length; i += 2, o++)
        {
            int t0 = Compress(MLKemPoly.ToCanonical(coefficients[i]), 4);
            int t1 = Compress(MLKemPoly.ToCanonical(coefficients[i + 1]), 4);
            output[o] = (byte)(t0 | (t1 << 4));
        }
    }

    /// <summary>Decompress4(ByteDecode4(input)): coefficients in [0, q).</summary>
    public static void DecodeDecompress4(ReadOnlySpan<byte> input, Span<short> coefficients)
    {
        for (int i = 0, o = 0; i < coefficients.Length; i += 2, o++)
        {
            coefficients[i] = Decompress(input[o] & 0x0F, 4);
            coefficients[i + 1] = Decompress(input[o] >> 4, 4);
        }
    }

    /// <summary>ByteEncode1(Compress1(x)) of coefficients in (-q, q): the decrypted message (32 bytes).</summary>
    public static void CompressEncode1(ReadOnlySpan<short> coefficients, Span<byte> message)
    {
        for (int o = 0; o < Poly1Bytes; o++)
        {
            int b = 0;
            for (int j = 0; j < 8; j++)
            {
                b |= Compress(MLKemPoly.ToCanonical(coefficients[(8 * o) + j]), 1) << j;
            }

            message[o] = (byte)b;
        }
    }

    /// <summary>Decompress1(ByteDecode1(message)): each bit becomes 0 or ⌈q/2⌋ = 1665 through a mask.</summary>
    public static void DecodeDecompress1(ReadOnlySpan<byte> message, Span<short> coefficients)
    {
        for (int o = 0; o < Poly1Bytes; o++)
        {
            int b = message[o];
            for (int j = 0; j < 8; j++)
            {
                coefficients[(8 * o) + j] = (short)(-((b >> j) & 1) & ((Q + 1) / 2));
            }
        }
    }
}
