using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpQuic.Cryptography.Aes;

/// <summary>
/// A portable AES block cipher (FIPS 197 §5.1) for machines without AES instructions.
/// </summary>
/// <remarks>
/// No secret-indexed memory: SubBytes computes the multiplicative inverse in GF(2^8) as x^254
/// with masked shift-and-add multiplications over all 16 bytes at once, the GF(2)-linear maps
/// (x^2, x^4, x^16, the affine map of FIPS 197 §5.1.1) as two 16-entry in-register shuffles of
/// the nibbles. Nothing branches on or indexes memory by key or data, so there is no
/// cache-timing channel; every step is a lane-wise <see cref="Vector128"/> operation (SIMD on
/// x86 and Arm). A few microseconds a block: a fallback, not the fast path.
/// </remarks>
internal static class AesSoftware
{
    // Static readonly vectors become JIT-time constants once the class is initialized.
    private static readonly Vector128<byte> SquareLow = Table(static v => Power2(v, 1), 0);
    private static readonly Vector128<byte> SquareHigh = Table(static v => Power2(v, 1), 4);
    private static readonly Vector128<byte> FourthLow = Table(static v => Power2(v, 2), 0);
    private static readonly Vector128<byte> FourthHigh = Table(static v => Power2(v, 2), 4);
    private static readonly Vector128<byte> SixteenthLow = Table(static v => Power2(v, 4), 0);
    private static readonly Vector128<byte> SixteenthHigh = Table(static v => Power2(v, 4), 4);
    private static readonly Vector128<byte> AffineLow = Table(AffineLinearPart, 0);
    private static readonly Vector128<byte> AffineHigh = Table(AffineLinearPart, 4);

    /// <summary>Encrypts one block with expanded round keys (FIPS 197 §5.1, Cipher()).</summary>
    public static Vector128<byte> EncryptBlock(in AesRoundKeys keys, Vector128<byte> block)
    {
        int rounds = keys.Rounds;
        Vector128<byte> state = block ^ keys[0];
        for (int round = 1; round < rounds; round++)
        {
            state = MixColumns(ShiftRows(SubBytes(state))) ^ keys[round];
        }

        return ShiftRows(SubBytes(state)) ^ keys[rounds];
    }

    /// <summary>Applies the S-box to each of the 16 bytes (FIPS 197 §5.1.1), in constant time.</summary>
    public static Vector128<byte> SubBytes(Vector128<byte> x)
    {
        // The inverse is x^254 (and 0 maps to 0). Powers x^(2^k) are GF(2)-linear, so they cost a
        // nibble-table map; only four general products remain:
        // x^3 = x^2·x, x^12 = (x^3)^4, x^14 = x^12·x^2, x^15 = x^12·x^3, x^254 = (x^15)^16·x^14.
        Vector128<byte> x2 = Map(x, SquareLow, SquareHigh);
        Vector128<byte> x3 = Multiply(x2, x);
        Vector128<byte> x12 = Map(x3, FourthLow, FourthHigh);
        Vector128<byte> x14 = Multiply(x12, x2);
        Vector128<byte> x15 = Multiply(x12, x3);
        Vector128<byte> inverse = Multiply(Map(x15, SixteenthLow, SixteenthHigh), x14);

        // Affine map (FIPS 197 §5.1.1): its linear part by table, then the constant 0x63.
        return Map(inverse, AffineLow, AffineHigh) ^ Vector128.Create((byte)0x63);
    }

    // FIPS 197 §5.1.2: row r of the state (bytes r, r+4, r+8, r+12) rotates left by r.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> ShiftRows(Vector128<byte> s)
        => Vector128.Shuffle(s, Vector128.Create((byte)0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11));

    // FIPS 197 §5.1.3: each column (a0..a3) becomes b_i = 2a_i ^ 3a_(i+1) ^ a_(i+2) ^ a_(i+3).
    private static Vector128<byte> MixColumns(Vector128<byte> a)
    {
        Vector128<byte> rot1 = Vector128.Shuffle(a, Vector128.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
        Vector128<byte> rot2 = Vector128.Shuffle(a, Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
        Vector128<byte> rot3 = Vector128.Shuffle(a, Vector128.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14));
        return XTime(a ^ rot1) ^ rot1 ^ rot2 ^ rot3;
    }

    // Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS 197 §4.2.1), masked, no branch.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> XTime(Vector128<byte> a)
    {
        Vector128<byte> high = Vector128.Equals(a & Vector128.Create((byte)0x80), Vector128.Create((byte)0x80));
        return Vector128.ShiftLeft(a, 1) ^ (high & Vector128.Create((byte)0x1B));
    }

    // Lane-wise GF(2^8) product: eight masked shift-and-add steps, whatever the values.
    private static Vector128<byte> Multiply(Vector128<byte> a, Vector128<byte> b)
    {
        Vector128<byte> one = Vector128.Create((byte)1);
        Vector128<byte> product = Vector128<byte>.Zero;
        for (int bit = 0; bit < 8; bit++)
        {
            product ^= a & Vector128.Equals(b & one, one);
            a = XTime(a);
            b = Vector128.ShiftRightLogical(b, 1);
        }

        return product;
    }

    // Applies a GF(2)-linear byte map f(v) = f(v & 15) ^ f(v & 0xF0), given as its two 16-entry
    // halves, with in-register shuffles (PSHUFB / TBL): no memory access is indexed by secret bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Map(Vector128<byte> v, Vector128<byte> low, Vector128<byte> high)
    {
        Vector128<byte> nibble = Vector128.Create((byte)0x0F);
        return Vector128.ShuffleNative(low, v & nibble)
            ^ Vector128.ShuffleNative(high, Vector128.ShiftRightLogical(v, 4) & nibble);
    }

    // The 16 values of a linear map on the low (shift 0) or high (shift 4) nibble; run at start-up only.
    private static Vector128<byte> Table(Func<byte, byte> map, int shift)
    {
        Span<byte> table = stackalloc byte[16];
        for (int i = 0; i < 16; i++)
        {
            table[i] = map((byte)(i << shift));
        }

        return Vector128.Create(table);
    }

    // v^(2^k) by repeated scalar squaring; only run on public table indices at start-up.
    private static byte Power2(byte v, int k)
    {
        int r = v;
        for (int i = 0; i < k; i++)
        {
            int a = r, b = r, p = 0;
            for (int bit = 0; bit < 8; bit++)
            {
                p ^= (b & 1) != 0 ? a : 0;
                a = (a << 1) ^ ((a & 0x80) != 0 ? 0x11B : 0);
                b >>= 1;
            }

            r = p;
        }

        return (byte)r;
    }

    // FIPS 197 §5.1.1 (5.1) without its constant 0x63: b ^ rotl(b,1) ^ rotl(b,2) ^ rotl(b,3) ^ rotl(b,4).
    private static byte AffineLinearPart(byte v)
        => (byte)(v ^ byte.RotateLeft(v, 1) ^ byte.RotateLeft(v, 2) ^ byte.RotateLeft(v, 3) ^ byte.RotateLeft(v, 4));
}
