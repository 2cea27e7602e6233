using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SharpQuic.Cryptography.KeyExchange.MLKem;

/// <summary>
/// Arithmetic in R_q = Z_q[X]/(X^256 + 1), q = 3329, and in its NTT domain T_q (FIPS 203 §4.3).
/// A polynomial is a span of 256 <see cref="short"/> coefficients; a vector of k polynomials is
/// k·256 consecutive coefficients.
/// </summary>
/// <remarks>
/// Reductions are Montgomery (R = 2^16) and Barrett, both pure multiply/shift: no branch and
/// no table index depends on a coefficient. The only tables (<see cref="Zetas"/>,
/// <see cref="Gammas"/>) are indexed by loop counters. Products carry a factor R^-1 that
/// <see cref="InverseNtt"/> and <see cref="ToMontgomery"/> cancel, as noted at each use.
/// With AVX2 the NTT layers whose butterflies span 16 or more coefficients, and the
/// reductions, run 16 lanes at a time; the vector Montgomery and Barrett steps compute exactly
/// the scalar values (same t, same shifts), so both paths give identical bytes.
/// </remarks>
internal static class MLKemPoly
{
    /// <summary>n: coefficients per polynomial.</summary>
    public const int N = 256;

    /// <summary>q: the ML-KEM prime 3329 = 2^8·13 + 1.</summary>
    public const short Q = 3329;

    // q^-1 mod 2^16, as a signed 16-bit value (3329 · -3327 ≡ 1 mod 2^16).
    private const int QInverse = -3327;

    // R^2 mod q with R = 2^16: Montgomery-multiplying by it multiplies by R.
    private const short RSquared = 1353;

    // R^2 / 128 mod q: the inverse NTT's scale 128^-1 (FIPS 203 Algorithm 10, f·3303) times R,
    // which cancels the R^-1 left by MultiplyAccumulate.
    private const short InverseNttScale = 1441;

    // ⌊2^26 / q⌉ for Barrett reduction.
    private const int BarrettMultiplier = 20159;

    /// <summary>ζ^BitRev7(i)·R mod q for i = 0..127, ζ = 17 (FIPS 203 §4.3, Appendix A).</summary>
    private static readonly short[] Zetas = ComputeZetas(odd: false);

    /// <summary>ζ^(2·BitRev7(i)+1)·R mod q for i = 0..127: the moduli of the base-case products (FIPS 203 Algorithm 11).</summary>
    private static readonly short[] Gammas = ComputeZetas(odd: true);

    /// <summary><see cref="Gammas"/>[i] at position 2i + 1 (even positions unused), to blend into vectors.</summary>
    private static readonly short[] GammasInterleaved = Interleave(Gammas);

    /// <summary>For a with |a| &lt; q·2^15, returns a·R^-1 mod q in (-q, q).</summary>
    public static short MontgomeryReduce(int a)
    {
        short t = (short)(a * QInverse);
        return (short)((a - (t * Q)) >> 16);
    }

    /// <summary>Returns a mod q centred in [-(q-1)/2, (q-1)/2].</summary>
    public static short BarrettReduce(short a)
    {
        int t = ((BarrettMultiplier * a) + (1 << 25)) >> 26;
        return (short)(a - (t * Q));
    }

    /// <summary>Maps a in (-q, q) to [0, q) without a branch: adds q when the sign bit is set.</summary>
    public static short ToCanonical(short a) => (short)(a + ((a >> 15) & Q));

    /// <summary>Barrett-reduces every coefficient of <paramref name="r"/>.</summary>
    public static void Reduce(Span<short> r)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            ref short r0 = ref MemoryMarshal.GetReference(r);
            for (; i + 16 <= r.Length; i += 16)
            {
                BarrettReduce(Vector256.LoadUnsafe(ref r0, (nuint)i)).StoreUnsafe(ref r0, (nuint)i);
            }
        }

        for (; i < r.Length; i++)
        {
            r[i] = BarrettReduce(r[i]);
        }
    }

    /// <summary>Multiplies every coefficient by R (Montgomery form), reduced to (-q, q).</summary>
    public static void ToMontgomery(Span<short> r)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            ref short r0 = ref MemoryMarshal.GetReference(r);
            Vector256<short> factor = Vector256.Create(RSquared);
            Vector256<short> factorQInverse = Vector256.Create(unchecked((short)(RSquared * QInverse)));
            for (; i + 16 <= r.Length; i += 16)
            {
                MontgomeryMultiply(Vector256.LoadUnsafe(ref r0, (nuint)i), factor, factorQInverse).StoreUnsafe(ref r0, (nuint)i);
            }
        }

        for (; i < r.Length; i++)
        {
            r[i] = MontgomeryReduce(r[i] * RSquared);
        }
    }

    /// <summary>r += a, coefficient-wise (no reduction; callers keep within 16 bits).</summary>
    public static void Add(Span<short> r, ReadOnlySpan<short> a)
    {
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = (short)(r[i] + a[i]);
        }
    }

    /// <summary>r = a - r, coefficient-wise (no reduction).</summary>
    public static void SubtractFrom(ReadOnlySpan<short> a, Span<short> r)
    {
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = (short)(a[i] - r[i]);
        }
    }

    /// <summary>
    /// In-place NTT (FIPS 203 Algorithm 9), then Barrett reduction, so outputs are centred.
    /// Inputs must be below 4q in absolute value (each of the 7 layers adds less than q).
    /// </summary>
    public static void Ntt(Span<short> r)
    {
        r = r.Slice(0, N);
        int k = 1;
        int len = 128;
        if (Avx2.IsSupported)
        {
            ref short r0 = ref MemoryMarshal.GetReference(r);
            for (; len >= 16; len >>= 1)
            {
                for (int start = 0; start < N; start += 2 * len)
                {
                    short zeta = Zetas[k++];
                    Vector256<short> z = Vector256.Create(zeta);
                    Vector256<short> zq = Vector256.Create(unchecked((short)(zeta * QInverse)));
                    for (int j = start; j < start + len; j += 16)
                    {
                        Vector256<short> a = Vector256.LoadUnsafe(ref r0, (nuint)j);
                        Vector256<short> t = MontgomeryMultiply(Vector256.LoadUnsafe(ref r0, (nuint)(j + len)), z, zq);
                        (a - t).StoreUnsafe(ref r0, (nuint)(j + len));
                        (a + t).StoreUnsafe(ref r0, (nuint)j);
                    }
                }
            }
        }

        for (; len >= 2; len >>= 1)
        {
            for (int start = 0; start < N; start += 2 * len)
            {
                short zeta = Zetas[k++];
                for (int j = start; j < start + len; j++)
                {
                    short t = MontgomeryReduce(zeta * r[j + len]);
                    r[j + len] = (short)(r[j] - t);
                    r[j] = (short)(r[j] + t);
                }
            }
        }

        Reduce(r);
    }

    /// <summary>
    /// In-place inverse NTT (FIPS 203 Algorithm 10) that also multiplies by R, so applied to a
    /// <see cref="MultiplyAccumulate"/> result it yields the true product. Outputs in (-q, q).
    /// </summary>
    public static void InverseNtt(Span<short> r)
    {
        r = r.Slice(0, N);
        int k = 127;
        int len = 2;
        int vectorFrom = Avx2.IsSupported ? 16 : int.MaxValue;
        for (; len <= 128 && len < vectorFrom; len <<= 1)
        {
            for (int start = 0; start < N; start += 2 * len)
            {
                short zeta = Zetas[k--];
                for (int j = start; j < start + len; j++)
                {
                    short t = r[j];
                    r[j] = BarrettReduce((short)(t + r[j + len]));
                    r[j + len] = MontgomeryReduce(zeta * (r[j + len] - t));
                }
            }
        }

        if (Avx2.IsSupported)
        {
            ref short r0 = ref MemoryMarshal.GetReference(r);
            for (; len <= 128; len <<= 1)
            {
                for (int start = 0; start < N; start += 2 * len)
                {
                    short zeta = Zetas[k--];
                    Vector256<short> z = Vector256.Create(zeta);
                    Vector256<short> zq = Vector256.Create(unchecked((short)(zeta * QInverse)));
                    for (int j = start; j < start + len; j += 16)
                    {
                        Vector256<short> t = Vector256.LoadUnsafe(ref r0, (nuint)j);
                        Vector256<short> b = Vector256.LoadUnsafe(ref r0, (nuint)(j + len));
                        BarrettReduce(t + b).StoreUnsafe(ref r0, (nuint)j);
                        MontgomeryMultiply(b - t, z, zq).StoreUnsafe(ref r0, (nuint)(j + len));
                    }
                }
            }

            Vector256<short> f = Vector256.Create(InverseNttScale);
            Vector256<short> fq = Vector256.Create(unchecked((short)(InverseNttScale * QInverse)));
            for (int j = 0; j < N; j += 16)
            {
                MontgomeryMultiply(Vector256.LoadUnsafe(ref r0, (nuint)j), f, fq).StoreUnsafe(ref r0, (nuint)j);
            }

            return;
        }

        for (int j = 0; j < N; j++)
        {
            r[j] = MontgomeryReduce(r[j] * InverseNttScale);
        }
    }

    /// <summary>
    /// r = Σ_i a_i ∘ b_i · R^-1 over the <paramref name="k"/> polynomials of two vectors in the NTT
    /// domain (MultiplyNTTs, FIPS 203 Algorithms 11-12, summed). Inputs below 2^12 in absolute
    /// value; output in (-q, q).
    /// </summary>
    public static void MultiplyAccumulate(ReadOnlySpan<short> a, ReadOnlySpan<short> b, int k, Span<short> r)
    {
        r = r.Slice(0, N);
        a = a.Slice(0, k * N);
        b = b.Slice(0, k * N);
        if (Avx2.IsSupported)
        {
            MultiplyAccumulateAvx2(a, b, k, r);
            return;
        }

        for (int i = 0; i < N / 2; i++)
        {
            short gamma = Gammas[i];

            // Raw products summed before one Montgomery reduction: each a·b is below 2^12·q and
            // the reduced a1·b1·γ term below q^2/2, so k = 3 terms stay under q·2^15.
            int c0 = 0;
            int c1 = 0;
            for (int p = 0; p < k; p++)
            {
                int o = (p * N) + (2 * i);
                int a0 = a[o];
                int a1 = a[o + 1];
                int b0 = b[o];
                int b1 = b[o + 1];
                c0 += (a0 * b0) + (MontgomeryReduce(a1 * b1) * gamma);
                c1 += (a0 * b1) + (a1 * b0);
            }

            // a0·b0 and the cross terms carry no R; the γ term is (a1·b1·R^-1)·(γ·R) = a1·b1·γ.
            // One reduction then gives every term the same factor R^-1.
            r[2 * i] = MontgomeryReduce(c0);
            r[(2 * i) + 1] = MontgomeryReduce(c1);
        }
    }

    /// <summary>
    /// The AVX2 form of <see cref="MultiplyAccumulate"/>, with the same integer results: 16
    /// coefficients (8 pairs) per step. vpmaddwd sums the two products of each pair in 32-bit
    /// lanes: (a0, mont(a1·b1))·(b0, γ) gives c0 and (a0, a1)·(b1, b0) gives c1.
    /// </summary>
    private static void MultiplyAccumulateAvx2(ReadOnlySpan<short> a, ReadOnlySpan<short> b, int k, Span<short> r)
    {
        ref short aRef = ref MemoryMarshal.GetReference(a);
        ref short bRef = ref MemoryMarshal.GetReference(b);
        ref short rRef = ref MemoryMarshal.GetReference(r);
        ref short gammaRef = ref MemoryMarshal.GetArrayDataReference(GammasInterleaved);
        Vector256<short> q = Vector256.Create(Q);
        Vector256<short> qInverse = Vector256.Create(unchecked((short)QInverse));
        for (int i = 0; i < N; i += 16)
        {
            Vector256<short> gamma = Vector256.LoadUnsafe(ref gammaRef, (nuint)i);
            Vector256<int> c0 = Vector256<int>.Zero;
            Vector256<int> c1 = Vector256<int>.Zero;
            for (int p = 0; p < k; p++)
            {
                nuint o = (nuint)((p * N) + i);
                Vector256<short> va = Vector256.LoadUnsafe(ref aRef, o);
                Vector256<short> vb = Vector256.LoadUnsafe(ref bRef, o);

                // Lane-wise MontgomeryReduce(a·b); only the odd lanes (a1·b1) are used.
                Vector256<short> t = Avx2.MultiplyLow(Avx2.MultiplyLow(va, vb), qInverse);
                Vector256<short> m = Avx2.Subtract(Avx2.MultiplyHigh(va, vb), Avx2.MultiplyHigh(t, q));

                c0 += Avx2.MultiplyAddAdjacent(Avx2.Blend(va, m, 0xAA), Avx2.Blend(vb, gamma, 0xAA));
                Vector256<short> bSwapped = Avx2.ShuffleHigh(Avx2.ShuffleLow(vb, 0xB1), 0xB1);
                c1 += Avx2.MultiplyAddAdjacent(va, bSwapped);
            }

            // Interleave back: pair i is (c0[i], c1[i]), each reduced into 16 bits.
            Vector256<int> packed = (MontgomeryReduce(c0) & Vector256.Create(0xFFFF)) | (MontgomeryReduce(c1) << 16);
            packed.AsInt16().StoreUnsafe(ref rRef, (nuint)i);
        }
    }

    /// <summary>Lane-wise <see cref="MontgomeryReduce(int)"/> on 32-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> MontgomeryReduce(Vector256<int> a)
    {
        Vector256<int> t = Avx2.MultiplyLow(a, Vector256.Create(QInverse));
        t = Avx2.ShiftRightArithmetic(Avx2.ShiftLeftLogical(t, 16), 16);
        return Avx2.ShiftRightArithmetic(a - Avx2.MultiplyLow(t, Vector256.Create((int)Q)), 16);
    }

    private static short[] Interleave(short[] gammas)
    {
        var table = new short[N];
        for (int i = 0; i < gammas.Length; i++)
        {
            table[(2 * i) + 1] = gammas[i];
        }

        return table;
    }

    /// <summary>
    /// a·b·R^-1 lane-wise, exactly <see cref="MontgomeryReduce(int)"/>(a·b): t = a·(b·q^-1) mod 2^16
    /// from the low halves, then (a·b − t·q)/2^16 from the high halves (the low halves cancel).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> MontgomeryMultiply(Vector256<short> a, Vector256<short> b, Vector256<short> bQInverse)
    {
        Vector256<short> high = Avx2.MultiplyHigh(a, b);
        Vector256<short> t = Avx2.MultiplyLow(a, bQInverse);
        return Avx2.Subtract(high, Avx2.MultiplyHigh(t, Vector256.Create(Q)));
    }

    /// <summary>Lane-wise <see cref="BarrettReduce(short)"/>: ⌊(⌊20159·a / 2^16⌋ + 2^9) / 2^10⌋ = ⌊(20159·a + 2^25) / 2^26⌋.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<short> BarrettReduce(Vector256<short> a)
    {
        Vector256<short> t = Avx2.MultiplyHigh(a, Vector256.Create((short)BarrettMultiplier));
        t = Avx2.ShiftRightArithmetic(Avx2.Add(t, Vector256.Create((short)512)), 10);
        return Avx2.Subtract(a, Avx2.MultiplyLow(t, Vector256.Create(Q)));
    }

    private static short[] ComputeZetas(bool odd)
    {
        // Run once at type initialisation on public constants only.
        var table = new short[128];
        for (int i = 0; i < 128; i++)
        {
            int exponent = odd ? (2 * BitReverse7(i)) + 1 : BitReverse7(i);
            int value = 1;
            for (int e = 0; e < exponent; e++)
            {
                value = value * 17 % Q;
            }

            int montgomery = (int)((long)value * 65536 % Q);
            table[i] = (short)(montgomery > Q / 2 ? montgomery - Q : montgomery);
        }

        return table;
    }

    private static int BitReverse7(int i)
    {
        int r = 0;
        for (int b = 0; b < 7; b++)
        {
            r |= ((i >> b) & 1) << (6 - b);
        }

        return r;
    }
}
