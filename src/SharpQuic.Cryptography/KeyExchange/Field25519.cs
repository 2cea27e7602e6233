// Constant-time review (arithmetic in GF(2^255 - 19) for X25519, RFC 7748 §5).
//
// Every operation in this file runs in time independent of the values it works on:
// - There are no branches on element values. The only `if`/loop conditions are loop counters
//   whose bounds are compile-time constants (squaring counts in Invert) — public data.
// - There are no memory accesses indexed by element values: limbs live in fixed struct fields.
// - Products use Math.BigMul (a single MUL/MULX on x64 and arm64, whose latency does not depend
//   on the operands on the CPUs .NET supports); carries are shifts and masks, never compares.
// - ConditionalSwap selects with an all-zeros/all-ones mask (0 - bit), not with a branch.
// - ToBytes reduces to the canonical representative with a carry chain that computes the
//   "is ≥ p" bit arithmetically and subtracts p times that bit; no comparison is made.
// - Invert is Fermat exponentiation by the public constant p - 2 with a fixed addition chain.
// Callers keep the same discipline: X25519 derives its ladder swap bit from the scalar and
// only ever feeds it to ConditionalSwap.

using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpQuic.Cryptography.KeyExchange;

/// <summary>
/// An element of GF(2^255 - 19) as five unsigned 51-bit limbs, value = Σ L_i · 2^(51·i).
/// Limbs may carry a few bits of slack between operations; see each method for the bounds it
/// accepts and produces. "Reduced" below means every limb is below 2^51 + 2^14.
/// </summary>
internal struct Field25519
{
    private const ulong Mask51 = (1UL << 51) - 1;

    // 2p in limb form, added before a subtraction so no limb goes negative:
    // 2·(2^51 - 19) for limb 0 and 2·(2^51 - 1) for the others.
    private const ulong TwoP0 = 0xFFFFFFFFFFFDA;
    private const ulong TwoP1234 = 0xFFFFFFFFFFFFE;

    public ulong L0;
    public ulong L1;
    public ulong L2;
    public ulong L3;
    public ulong L4;

    /// <summary>The element 1.</summary>
    public static Field25519 One => new() { L0 = 1 };

    /// <summary>A small constant (below 2^51).</summary>
    public static Field25519 FromSmall(ulong value) => new() { L0 = value };

    /// <summary>
    /// Decodes 32 little-endian bytes, ignoring the top bit (RFC 7748 §5, decodeUCoordinate).
    /// Values from p to 2^255 - 1 are accepted as they are: the arithmetic reduces them.
    /// </summary>
    public static Field25519 FromBytes(ReadOnlySpan<byte> source)
    {
        source = source[..32];
        Field25519 r;
        r.L0 = BinaryPrimitives.ReadUInt64LittleEndian(source) & Mask51;
        r.L1 = (BinaryPrimitives.ReadUInt64LittleEndian(source[6..]) >> 3) & Mask51;
        r.L2 = (BinaryPrimitives.ReadUInt64LittleEndian(source[12..]) >> 6) & Mask51;
        r.L3 = (BinaryPrimitives.ReadUInt64LittleEndian(source[19..]) >> 1) & Mask51;

        // Bits 204..254; the mask drops bit 255.
        r.L4 = (BinaryPrimitives.ReadUInt64LittleEndian(source[24..]) >> 12) & Mask51;
        return r;
    }

    /// <summary>Writes the canonical encoding (value mod p, little-endian, 32 bytes).</summary>
    public readonly void ToBytes(Span<byte> destination)
    {
        destination = destination[..32];

        // Two carry passes leave every limb below 2^51 except that limb 0 may exceed it by 19,
        // so the value is below 2^255 + 19 < 2p.
        ulong h0 = L0, h1 = L1, h2 = L2, h3 = L3, h4 = L4;
        Carry(ref h0, ref h1, ref h2, ref h3, ref h4);
        Carry(ref h0, ref h1, ref h2, ref h3, ref h4);

        // q = 1 exactly when h ≥ p, i.e. when h + 19 ≥ 2^255: run the carry of h + 19 through.
        ulong q = (h0 + 19) >> 51;
        q = (h1 + q) >> 51;
        q = (h2 + q) >> 51;
        q = (h3 + q) >> 51;
        q = (h4 + q) >> 51;

        // h - q·p = h + 19q - q·2^255: add 19q, carry, and drop bit 255.
        h0 += 19 * q;
        h1 += h0 >> 51;
        h0 &= Mask51;
        h2 += h1 >> 51;
        h1 &= Mask51;
        h3 += h2 >> 51;
        h2 &= Mask51;
        h4 += h3 >> 51;
        h3 &= Mask51;
        h4 &= Mask51;

        BinaryPrimitives.WriteUInt64LittleEndian(destination, h0 | (h1 << 51));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], (h1 >> 13) | (h2 << 38));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], (h2 >> 26) | (h3 << 25));
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], (h3 >> 39) | (h4 << 12));
    }

    /// <summary>r = a + b, without carrying. Inputs reduced; output limbs below 2^52 + 2^15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(out Field25519 r, in Field25519 a, in Field25519 b)
    {
        r.L0 = a.L0 + b.L0;
        r.L1 = a.L1 + b.L1;
        r.L2 = a.L2 + b.L2;
        r.L3 = a.L3 + b.L3;
        r.L4 = a.L4 + b.L4;
    }

    /// <summary>r = a - b, computed as a + 2p - b and carried. Inputs reduced; output reduced.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sub(out Field25519 r, in Field25519 a, in Field25519 b)
    {
        ulong h0 = a.L0 + TwoP0 - b.L0;
        ulong h1 = a.L1 + TwoP1234 - b.L1;
        ulong h2 = a.L2 + TwoP1234 - b.L2;
        ulong h3 = a.L3 + TwoP1234 - b.L3;
        ulong h4 = a.L4 + TwoP1234 - b.L4;
        Carry(ref h0, ref h1, ref h2, ref h3, ref h4);
        r.L0 = h0;
        r.L1 = h1;
        r.L2 = h2;
        r.L3 = h3;
        r.L4 = h4;
    }

    /// <summary>
    /// r = a · b. Input limbs below 2^52.2 (a reduced value or the sum of two); output reduced.
    /// </summary>
    public static void Mul(out Field25519 r, in Field25519 a, in Field25519 b)
    {
        ulong a0 = a.L0, a1 = a.L1, a2 = a.L2, a3 = a.L3, a4 = a.L4;
        ulong b0 = b.L0, b1 = b.L1, b2 = b.L2, b3 = b.L3, b4 = b.L4;

        // 2^255 ≡ 19 (mod p): a product landing at limb 5 + k folds into limb k times 19.
        ulong b1x19 = b1 * 19, b2x19 = b2 * 19, b3x19 = b3 * 19, b4x19 = b4 * 19;

        // Each sum is at most 77 products below 2^104.4, so below 2^110.7.
        UInt128 t0 = Math.BigMul(a0, b0) + Math.BigMul(a1, b4x19) + Math.BigMul(a2, b3x19) + Math.BigMul(a3, b2x19) + Math.BigMul(a4, b1x19);
        UInt128 t1 = Math.BigMul(a0, b1) + Math.BigMul(a1, b0) + Math.BigMul(a2, b4x19) + Math.BigMul(a3, b3x19) + Math.BigMul(a4, b2x19);
        UInt128 t2 = Math.BigMul(a0, b2) + Math.BigMul(a1, b1) + Math.BigMul(a2, b0) + Math.BigMul(a3, b4x19) + Math.BigMul(a4, b3x19);
        UInt128 t3 = Math.BigMul(a0, b3) + Math.BigMul(a1, b2) + Math.BigMul(a2, b1) + Math.BigMul(a3, b0) + Math.BigMul(a4, b4x19);
        UInt128 t4 = Math.BigMul(a0, b4) + Math.BigMul(a1, b3) + Math.BigMul(a2, b2) + Math.BigMul(a3, b1) + Math.BigMul(a4, b0);

        Reduce(out r, t0, t1, t2, t3, t4);
    }

    /// <summary>r = a². Input limbs below 2^52.2; output reduced.</summary>
    public static void Square(out Field25519 r, in Field25519 a)
    {
        ulong a0 = a.L0, a1 = a.L1, a2 = a.L2, a3 = a.L3, a4 = a.L4;
        ulong a0x2 = a0 * 2, a1x2 = a1 * 2;
        ulong a3x19 = a3 * 19, a4x19 = a4 * 19;
        ulong a4x38 = a4x19 * 2, a3x38 = a3x19 * 2;

        // The five cross products a_i·a_j (i ≠ j) appear twice; fold the 2 into one factor.
        UInt128 t0 = Math.BigMul(a0, a0) + Math.BigMul(a1, a4x38) + Math.BigMul(a2, a3x38);
        UInt128 t1 = Math.BigMul(a0x2, a1) + Math.BigMul(a2, a4x38) + Math.BigMul(a3, a3x19);
        UInt128 t2 = Math.BigMul(a0x2, a2) + Math.BigMul(a1, a1) + Math.BigMul(a3, a4x38);
        UInt128 t3 = Math.BigMul(a0x2, a3) + Math.BigMul(a1x2, a2) + Math.BigMul(a4, a4x19);
        UInt128 t4 = Math.BigMul(a0x2, a4) + Math.BigMul(a1x2, a3) + Math.BigMul(a2, a2);

        Reduce(out r, t0, t1, t2, t3, t4);
    }

    /// <summary>r = a · k for a constant k below 2^17 (a24 = 121665). Input reduced; output reduced.</summary>
    public static void MulSmall(out Field25519 r, in Field25519 a, uint k)
    {
        UInt128 t0 = Math.BigMul(a.L0, k);
        UInt128 t1 = Math.BigMul(a.L1, k);
        UInt128 t2 = Math.BigMul(a.L2, k);
        UInt128 t3 = Math.BigMul(a.L3, k);
        UInt128 t4 = Math.BigMul(a.L4, k);
        Reduce(out r, t0, t1, t2, t3, t4);
    }

    /// <summary>r = a^(p-2) = a^-1 (and 0 for 0), Fermat's little theorem. Input reduced.</summary>
    public static void Invert(out Field25519 r, in Field25519 a)
    {
        // Addition chain for p - 2 = 2^255 - 21 = (2^250 - 1)·2^5 + 11.
        // Names: zN = a^N; z_k = a^(2^k - 1).
        Square(out Field25519 z2, a);                 // a^2
        Square(out Field25519 t, z2);                 // a^4
        Square(out t, t);                             // a^8
        Mul(out Field25519 z9, t, a);                 // a^9
        Mul(out Field25519 z11, z9, z2);              // a^11
        Square(out t, z11);                           // a^22
        Mul(out Field25519 z_5, t, z9);               // a^31 = a^(2^5 - 1)
        SquareTimes(out t, z_5, 5);
        Mul(out Field25519 z_10, t, z_5);
        SquareTimes(out t, z_10, 10);
        Mul(out Field25519 z_20, t, z_10);
        SquareTimes(out t, z_20, 20);
        Mul(out Field25519 z_40, t, z_20);
        SquareTimes(out t, z_40, 10);
        Mul(out Field25519 z_50, t, z_10);
        SquareTimes(out t, z_50, 50);
        Mul(out Field25519 z_100, t, z_50);
        SquareTimes(out t, z_100, 100);
        Mul(out Field25519 z_200, t, z_100);
        SquareTimes(out t, z_200, 50);
        Mul(out Field25519 z_250, t, z_50);
        SquareTimes(out t, z_250, 5);                 // a^((2^250 - 1)·2^5)
        Mul(out r, t, z11);                           // a^(2^255 - 21)
    }

    /// <summary>
    /// Swaps a and b when <paramref name="swap"/> is 1, leaves them when it is 0, in constant
    /// time (RFC 7748 §5, cswap). <paramref name="swap"/> must be 0 or 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ConditionalSwap(ref Field25519 a, ref Field25519 b, ulong swap)
    {
        ulong mask = 0 - swap;
        ulong t;
        t = mask & (a.L0 ^ b.L0);
        a.L0 ^= t;
        b.L0 ^= t;
        t = mask & (a.L1 ^ b.L1);
        a.L1 ^= t;
        b.L1 ^= t;
        t = mask & (a.L2 ^ b.L2);
        a.L2 ^= t;
        b.L2 ^= t;
        t = mask & (a.L3 ^ b.L3);
        a.L3 ^= t;
        b.L3 ^= t;
        t = mask & (a.L4 ^ b.L4);
        a.L4 ^= t;
        b.L4 ^= t;
    }

    /// <summary>Overwrites the limbs with zeros (for secrets on the stack).</summary>
    /// <remarks>Not inlined, so the JIT cannot drop the stores as dead writes to a local.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Clear() => this = default;

    private static void SquareTimes(out Field25519 r, in Field25519 a, int count)
    {
        Square(out r, a);
        for (int i = 1; i < count; i++)
        {
            Square(out r, r);
        }
    }

    /// <summary>
    /// Carries five 128-bit column sums (each below 2^110.75) into reduced 51-bit limbs. The
    /// bound keeps the carry out of the top column below 2^59.75, so 19 times it fits 64 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce(out Field25519 r, UInt128 t0, UInt128 t1, UInt128 t2, UInt128 t3, UInt128 t4)
    {
        t1 += (ulong)(t0 >> 51);
        ulong r0 = (ulong)t0 & Mask51;
        t2 += (ulong)(t1 >> 51);
        ulong r1 = (ulong)t1 & Mask51;
        t3 += (ulong)(t2 >> 51);
        ulong r2 = (ulong)t2 & Mask51;
        t4 += (ulong)(t3 >> 51);
        ulong r3 = (ulong)t3 & Mask51;
        ulong r4 = (ulong)t4 & Mask51;
        r0 += (ulong)(t4 >> 51) * 19;

        // r0 may now be near 2^64; one more step leaves it below 2^51 and r1 below 2^51 + 2^13.
        r1 += r0 >> 51;
        r0 &= Mask51;

        r.L0 = r0;
        r.L1 = r1;
        r.L2 = r2;
        r.L3 = r3;
        r.L4 = r4;
    }

    /// <summary>One carry pass: limbs 1..4 end below 2^51, limb 0 below 2^51 + 19·(h4 >> 51).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Carry(ref ulong h0, ref ulong h1, ref ulong h2, ref ulong h3, ref ulong h4)
    {
        h1 += h0 >> 51;
        h0 &= Mask51;
        h2 += h1 >> 51;
        h1 &= Mask51;
        h3 += h2 >> 51;
        h2 &= Mask51;
        h4 += h3 >> 51;
        h3 &= Mask51;
        h0 += (h4 >> 51) * 19;
        h4 &= Mask51;
    }
}
