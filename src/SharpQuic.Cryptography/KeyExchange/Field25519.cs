// Constant-time review (arithmetic in GF(2^255 - 19) for X25519, RFC 7748 §5).
//
// Every operation in this file runs in time independent of the values it works on:
// - No branch depends on an element's value. The only conditions are loop counters with
//   constant bounds (the squaring counts in Invert) and Bmi2/ArmBase.IsSupported checks, which
//   the JIT folds to constants.
// - No memory access is indexed by an element's value: limbs live in fixed struct fields.
// - Products are MULX + IMUL on x64 (UMULH + MUL on arm64, Math.BigMul elsewhere); 64-bit
//   multiply latency does not depend on the operands on the CPUs .NET supports.
// - Carries are shifts, masks and adds. Products are split at bit 51 (see Product), so no
//   column sum ever needs an "unsigned overflow?" comparison.
// - ConditionalSwap selects with an all-zeros/all-ones mask (0 - bit), not with a branch.
// - ToBytes reduces to the canonical representative with a carry chain that computes the
//   "is ≥ p" bit arithmetically and subtracts p times that bit; no comparison is made.
// - Invert is Fermat exponentiation by the public constant p - 2 with a fixed addition chain.
// Callers keep the same discipline: X25519 derives its ladder swap bit from the scalar and
// only ever feeds it to ConditionalSwap.

using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

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
        // Pre-shifted operands: see Product. a_i · 2^7 and b_j · 2^6 stay below 2^64.
        ulong a0 = a.L0 << 7, a1 = a.L1 << 7, a2 = a.L2 << 7, a3 = a.L3 << 7, a4 = a.L4 << 7;
        ulong b0 = b.L0 << 6, b1 = b.L1 << 6, b2 = b.L2 << 6, b3 = b.L3 << 6, b4 = b.L4 << 6;

        // Column k = Σ_{i+j=k} a_i·b_j + 19·Σ_{i+j=k+5} a_i·b_j, since 2^255 ≡ 19 (mod p).
        // Each column is kept as hi·2^51 + lo; the wrapped sums (w) are scaled by 19 at the end.
        ulong h, l, wh, wl;
        Product(a0, b0, out h, out l);
        Product(a1, b4, out wh, out wl);
        ProductAdd(a2, b3, ref wh, ref wl);
        ProductAdd(a3, b2, ref wh, ref wl);
        ProductAdd(a4, b1, ref wh, ref wl);
        ulong h0 = h + (wh * 19), l0 = l + (wl * 19);

        Product(a0, b1, out h, out l);
        ProductAdd(a1, b0, ref h, ref l);
        Product(a2, b4, out wh, out wl);
        ProductAdd(a3, b3, ref wh, ref wl);
        ProductAdd(a4, b2, ref wh, ref wl);
        ulong h1 = h + (wh * 19), l1 = l + (wl * 19);

        Product(a0, b2, out h, out l);
        ProductAdd(a1, b1, ref h, ref l);
        ProductAdd(a2, b0, ref h, ref l);
        Product(a3, b4, out wh, out wl);
        ProductAdd(a4, b3, ref wh, ref wl);
        ulong h2 = h + (wh * 19), l2 = l + (wl * 19);

        Product(a0, b3, out h, out l);
        ProductAdd(a1, b2, ref h, ref l);
        ProductAdd(a2, b1, ref h, ref l);
        ProductAdd(a3, b0, ref h, ref l);
        Product(a4, b4, out wh, out wl);
        ulong h3 = h + (wh * 19), l3 = l + (wl * 19);

        Product(a0, b4, out h, out l);
        ProductAdd(a1, b3, ref h, ref l);
        ProductAdd(a2, b2, ref h, ref l);
        ProductAdd(a3, b1, ref h, ref l);
        ProductAdd(a4, b0, ref h, ref l);

        Reduce(out r, h0, l0, h1, l1, h2, l2, h3, l3, h, l);
    }

    /// <summary>r = a². Input limbs below 2^52.2; output reduced.</summary>
    public static void Square(out Field25519 r, in Field25519 a)
    {
        // x = a·2^7, y = a·2^6 as in Mul; d = a·2^8 = 2x carries the factor 2 of the cross
        // products a_i·a_j (i ≠ j), which appear twice in a².
        ulong x0 = a.L0 << 7, x1 = a.L1 << 7, x2 = a.L2 << 7, x3 = a.L3 << 7, x4 = a.L4 << 7;
        ulong y1 = a.L1 << 6, y2 = a.L2 << 6, y3 = a.L3 << 6, y4 = a.L4 << 6;
        ulong d0 = x0 << 1, d1 = x1 << 1, d2 = x2 << 1, d3 = x3 << 1;

        ulong h, l, wh, wl;

        // a0² + 19·(2·a1·a4 + 2·a2·a3)
        Product(x0, a.L0 << 6, out h, out l);
        Product(d1, y4, out wh, out wl);
        ProductAdd(d2, y3, ref wh, ref wl);
        ulong h0 = h + (wh * 19), l0 = l + (wl * 19);

        // 2·a0·a1 + 19·(2·a2·a4 + a3²)
        Product(d0, y1, out h, out l);
        Product(d2, y4, out wh, out wl);
        ProductAdd(x3, y3, ref wh, ref wl);
        ulong h1 = h + (wh * 19), l1 = l + (wl * 19);

        // 2·a0·a2 + a1² + 19·(2·a3·a4)
        Product(d0, y2, out h, out l);
        ProductAdd(x1, y1, ref h, ref l);
        Product(d3, y4, out wh, out wl);
        ulong h2 = h + (wh * 19), l2 = l + (wl * 19);

        // 2·a0·a3 + 2·a1·a2 + 19·a4²
        Product(d0, y3, out h, out l);
        ProductAdd(d1, y2, ref h, ref l);
        Product(x4, y4, out wh, out wl);
        ulong h3 = h + (wh * 19), l3 = l + (wl * 19);

        // 2·a0·a4 + 2·a1·a3 + a2²
        Product(d0, y4, out h, out l);
        ProductAdd(d1, y3, ref h, ref l);
        ProductAdd(x2, y2, ref h, ref l);

        Reduce(out r, h0, l0, h1, l1, h2, l2, h3, l3, h, l);
    }

    /// <summary>r = a · k for a constant k below 2^17 (a24 = 121665). Input reduced; output reduced.</summary>
    public static void MulSmall(out Field25519 r, in Field25519 a, uint k)
    {
        ulong y = (ulong)k << 6;
        Product(a.L0 << 7, y, out ulong h0, out ulong l0);
        Product(a.L1 << 7, y, out ulong h1, out ulong l1);
        Product(a.L2 << 7, y, out ulong h2, out ulong l2);
        Product(a.L3 << 7, y, out ulong h3, out ulong l3);
        Product(a.L4 << 7, y, out ulong h4, out ulong l4);
        Reduce(out r, h0, l0, h1, l1, h2, l2, h3, l3, h4, l4);
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
    /// Splits the product of two limbs at bit 51 rather than at bit 64, so column sums fit in
    /// 64-bit words and need no carry detection: with x = u·2^7 and y = v·2^6 (both below
    /// 2^64), x·y = u·v·2^13, whose high word is u·v &gt;&gt; 51 and whose low word shifted right by 13
    /// is u·v mod 2^51.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Product(ulong x, ulong y, out ulong hi, out ulong lo)
    {
        // MULX / UMULH return the high half in a register; Math.BigMul's out parameter would
        // send the low half through the stack on every product.
        if (Bmi2.X64.IsSupported)
        {
            hi = Bmi2.X64.MultiplyNoFlags(x, y);
            lo = (x * y) >> 13;
        }
        else if (ArmBase.Arm64.IsSupported)
        {
            hi = ArmBase.Arm64.MultiplyHigh(x, y);
            lo = (x * y) >> 13;
        }
        else
        {
            hi = Math.BigMul(x, y, out ulong low);
            lo = low >> 13;
        }
    }

    /// <summary>(hi, lo) += the split product of x and y (see <see cref="Product"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ProductAdd(ulong x, ulong y, ref ulong hi, ref ulong lo)
    {
        Product(x, y, out ulong h, out ulong l);
        hi += h;
        lo += l;
    }

    /// <summary>
    /// Carries five columns, each worth hi·2^51 + lo, into reduced 51-bit limbs. With inputs
    /// below 2^52.2 every hi is below 2^60 and every lo below 2^58, and column 4 (no factor 19)
    /// has hi below 2^56, so 19 times the final carry fits 64 bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce(out Field25519 r, ulong h0, ulong l0, ulong h1, ulong l1, ulong h2, ulong l2, ulong h3, ulong l3, ulong h4, ulong l4)
    {
        ulong r0 = l0 & Mask51;
        ulong c = h0 + (l0 >> 51);
        l1 += c;
        ulong r1 = l1 & Mask51;
        c = h1 + (l1 >> 51);
        l2 += c;
        ulong r2 = l2 & Mask51;
        c = h2 + (l2 >> 51);
        l3 += c;
        ulong r3 = l3 & Mask51;
        c = h3 + (l3 >> 51);
        l4 += c;
        ulong r4 = l4 & Mask51;
        c = h4 + (l4 >> 51);
        r0 += c * 19;

        // r0 may now be near 2^61; one more step leaves it below 2^51 and r1 below 2^51 + 2^10.
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
