using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpQuic.Cryptography.Aes;

/// <summary>
/// A portable AES block cipher (FIPS 197 §5.1) for machines without AES instructions.
/// </summary>
/// <remarks>
/// Table-free: SubBytes computes the multiplicative inverse in GF(2^8) as x^254 with a masked
/// shift-and-add multiplication over all 16 bytes at once, then the affine map (FIPS 197 §5.1.1).
/// No memory access depends on key or data, so there is no cache-timing channel, and every
/// operation is a lane-wise <see cref="Vector128"/> operation (SIMD on x86 and Arm, scalar
/// emulation elsewhere). It is about a microsecond a block: a fallback, not the fast path.
/// </remarks>
internal static class AesSoftware
{
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
        // x^254 = (x^127)^2 is the inverse of x (and maps 0 to 0). r runs through x^(2^k - 1).
        Vector128<byte> r = x;
        for (int i = 0; i < 6; i++)
        {
            r = Multiply(Multiply(r, r), x);
        }

        Vector128<byte> inverse = Multiply(r, r);

        // Affine map: b ^ rotl(b,1) ^ rotl(b,2) ^ rotl(b,3) ^ rotl(b,4) ^ 0x63.
        return inverse ^ RotateLeft(inverse, 1) ^ RotateLeft(inverse, 2) ^ RotateLeft(inverse, 3)
            ^ RotateLeft(inverse, 4) ^ Vector128.Create((byte)0x63);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> RotateLeft(Vector128<byte> b, int count)
        => Vector128.ShiftLeft(b, count) | Vector128.ShiftRightLogical(b, 8 - count);
}
