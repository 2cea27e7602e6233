using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpQuic.Cryptography.Aes;

/// <summary>
/// GF(2^128) arithmetic for GHASH (NIST SP 800-38D §6.3-6.4) with PCLMULQDQ. The caller checks
/// <see cref="Pclmulqdq.IsSupported"/> and <see cref="Ssse3.IsSupported"/>.
/// </summary>
/// <remarks>
/// Representation: a GCM block is byte-reversed into a 128-bit integer, which puts the
/// coefficient of x^i at bit 127 - i (GCM numbers bits from the most significant bit of byte 0).
/// Carry-less products of such bit-reflected values are reflected products shifted by one bit.
/// Rather than shifting every product, the hash key is stored pre-multiplied by x^-1
/// (<see cref="PrepareKey"/>), which cancels the shift. Reduction modulo
/// g = x^128 + x^7 + x^2 + x + 1 is then a Montgomery-style fold of the low 128 bits in two
/// 64-bit steps: in the reflected domain g reads 1 + y^121 + y^126 + y^127 + y^128, so each
/// step multiplies the lowest 64-bit word by 0xC200000000000000 and adds it (plus the word
/// itself, for y^128) 64 bits higher. Linear, so sums of several unreduced products can share
/// one reduction (aggregated reduction).
/// </remarks>
internal static class GhashPclmul
{
    /// <summary>The reflected fold constant y^57 + y^62 + y^63 in the low 64-bit lane.</summary>
    private static Vector128<ulong> FoldConstant => Vector128.Create(0xC200000000000000UL, 0UL);

    private static Vector128<byte> ByteReverse => Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);

    /// <summary>A GCM block (in wire order) as a reflected field element, and back.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Swap(Vector128<byte> block) => Ssse3.Shuffle(block, ByteReverse).AsUInt64();

    /// <summary>A reflected field element back to a GCM block in wire order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Unswap(Vector128<ulong> element) => Ssse3.Shuffle(element.AsByte(), ByteReverse);

    /// <summary>
    /// H = E(K, 0^128) in wire order to the stored form H·x^-1 mod g: a one-bit left shift of the
    /// reflected integer; the bit shifted out (x^-1) is replaced by x^-1 mod g = x^127 + x^6 + x + 1,
    /// added under a mask so that the secret H takes no branch.
    /// </summary>
    public static Vector128<ulong> PrepareKey(Vector128<byte> hashKeyBlock)
    {
        Vector128<ulong> h = Swap(hashKeyBlock);
        ulong low = h.GetElement(0);
        ulong high = h.GetElement(1);
        ulong mask = 0UL - (high >> 63);
        ulong newHigh = (high << 1) | (low >> 63);
        ulong newLow = low << 1;
        return Vector128.Create(newLow ^ (mask & 1UL), newHigh ^ (mask & 0xC200000000000000UL));
    }

    /// <summary>a·b for a plain element <paramref name="a"/> and a stored-form key power <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Multiply(Vector128<ulong> a, Vector128<ulong> b)
    {
        Vector128<ulong> low = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
        MultiplyAdd(a, b, ref low, ref middle, ref high);
        return Reduce(low, middle, high);
    }

    /// <summary>Adds the unreduced 256-bit product a·b to (low, middle, high) with four PCLMULQDQs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd(Vector128<ulong> a, Vector128<ulong> b, ref Vector128<ulong> low, ref Vector128<ulong> middle, ref Vector128<ulong> high)
    {
        low ^= Pclmulqdq.CarrylessMultiply(a, b, 0x00);
        high ^= Pclmulqdq.CarrylessMultiply(a, b, 0x11);
        middle ^= Pclmulqdq.CarrylessMultiply(a, b, 0x01) ^ Pclmulqdq.CarrylessMultiply(a, b, 0x10);
    }

    /// <summary>Reduces a 256-bit sum of products (low, middle cross terms, high) modulo g.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<ulong> Reduce(Vector128<ulong> low, Vector128<ulong> middle, Vector128<ulong> high)
    {
        // Words X0..X3 from least significant: low = [X0, X1], high = [X2, X3].
        low ^= Sse2.ShiftLeftLogical128BitLane(middle, 8);
        high ^= Sse2.ShiftRightLogical128BitLane(middle, 8);

        // Step 1: T = X0·c; X1 ^= T.lo, X2 ^= X0 ^ T.hi. u = [X1', X0 ^ T.hi].
        Vector128<ulong> c = FoldConstant;
        Vector128<ulong> t = Pclmulqdq.CarrylessMultiply(low, c, 0x00);
        Vector128<ulong> u = SwapHalves(low) ^ t;

        // Step 2: T2 = X1'·c; X2 ^= T2.lo, X3 ^= X1' ^ T2.hi. The result is [X2, X3].
        Vector128<ulong> t2 = Pclmulqdq.CarrylessMultiply(u, c, 0x00);
        return high ^ SwapHalves(u) ^ t2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> SwapHalves(Vector128<ulong> v) => Sse2.Shuffle(v.AsUInt32(), 0x4E).AsUInt64();
}
