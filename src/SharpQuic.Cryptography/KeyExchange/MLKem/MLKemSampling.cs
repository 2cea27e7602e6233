using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using SharpQuic.Cryptography.Hashing;

namespace SharpQuic.Cryptography.KeyExchange.MLKem;

/// <summary>
/// Sampling for ML-KEM: SampleNTT (FIPS 203 Algorithm 7) for the public matrix Â and
/// SamplePolyCBD_2 (Algorithm 8) with PRF_2 = SHAKE256 (§4.1) for the secret vectors.
/// </summary>
internal static class MLKemSampling
{
    private const int N = MLKemPoly.N;
    private const int ShakeBlock = 168;  // SHAKE128 rate in bytes.

    /// <summary>Bytes of PRF_η output for η = 2: 64·η.</summary>
    public const int PrfBytes = 128;

    /// <summary>
    /// Fills the k×k matrix Â (row-major, k·k·256 coefficients) from ρ (FIPS 203 Algorithm 13
    /// lines 3-7 / Algorithm 14 lines 4-8): Â[i, j] = SampleNTT(ρ ‖ j ‖ i). With
    /// <paramref name="transposed"/> it fills Âᵀ, i.e. entry (i, j) is SampleNTT(ρ ‖ i ‖ j).
    /// </summary>
    public static void ExpandMatrix(ReadOnlySpan<byte> rho, int k, bool transposed, Span<short> matrix)
    {
        int entries = k * k;
        int e = 0;
        if (KeccakF1600X4.IsSupported)
        {
            // The k² SHAKE128 streams are independent: run them four at a time.
            for (; e + 4 <= entries; e += 4)
            {
                SampleNttX4(rho, k, transposed, e, matrix);
            }
        }

        for (; e < entries; e++)
        {
            (byte b0, byte b1) = XofIndices(e, k, transposed);
            SampleNtt(rho, b0, b1, matrix.Slice(e * N, N));
        }
    }

    /// <summary>
    /// SampleNTT(ρ ‖ b0 ‖ b1): rejection sampling of 12-bit values below q from a SHAKE128
    /// stream. ρ is public, so the data-dependent loop leaks nothing secret.
    /// </summary>
    public static void SampleNtt(ReadOnlySpan<byte> rho, byte b0, byte b1, Span<short> a)
    {
        KeccakSponge xof = KeccakSponge.CreateShake128();
        xof.Absorb(rho);
        ReadOnlySpan<byte> indices = [b0, b1];
        xof.Absorb(indices);

        // One SHAKE128 block (168 bytes) holds 56 three-byte candidates.
        Span<byte> block = stackalloc byte[ShakeBlock];
        int count = 0;
        while (count < N)
        {
            xof.Squeeze(block);
            count = ParseBlock(block, a, count);
        }
    }

    // Entry e = (i, j) of the row-major matrix: Â[i, j] ← SampleNTT(ρ ‖ j ‖ i), Âᵀ swaps them.
    private static (byte B0, byte B1) XofIndices(int e, int k, bool transposed)
    {
        byte i = (byte)(e / k);
        byte j = (byte)(e % k);
        return transposed ? (i, j) : (j, i);
    }

    /// <summary>SampleNTT for four matrix entries e0..e0+3 with <see cref="KeccakF1600X4"/>.</summary>
    [SkipLocalsInit]
    private static void SampleNttX4(ReadOnlySpan<byte> rho, int k, bool transposed, int e0, Span<short> matrix)
    {
        // Absorb ρ ‖ b0 ‖ b1 (34 bytes, under one 168-byte block) and pad directly into the lanes:
        // SHAKE's suffix 0x1F lands in byte 34, pad10*1's final bit in byte 167 (FIPS 202 §5.1, §6.2).
        KeccakLanesX4 state = default;
        for (int lane = 0; lane < 4; lane++)
        {
            state[lane] = Vector256.Create(BinaryPrimitives.ReadUInt64LittleEndian(rho.Slice(8 * lane, 8)));
        }

        Span<ulong> lane4 = stackalloc ulong[4];
        for (int p = 0; p < 4; p++)
        {
            (byte b0, byte b1) = XofIndices(e0 + p, k, transposed);
            lane4[p] = b0 | ((ulong)b1 << 8) | (0x1FUL << 16);
        }

        state[4] = Vector256.Create(lane4[0], lane4[1], lane4[2], lane4[3]);
        state[(ShakeBlock / 8) - 1] = Vector256.Create(0x80UL << 56);

        Span<int> counts = stackalloc int[4];
        counts.Clear();
        Span<byte> block = stackalloc byte[ShakeBlock];
        bool done = false;
        while (!done)
        {
            KeccakF1600X4.Permute(ref state);
            done = true;
            for (int p = 0; p < 4; p++)
            {
                if (counts[p] == N)
                {
                    continue;
                }

                for (int lane = 0; lane < ShakeBlock / 8; lane++)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(block.Slice(8 * lane, 8), state[lane].GetElement(p));
                }

                counts[p] = ParseBlock(block, matrix.Slice((e0 + p) * N, N), counts[p]);
                done &= counts[p] == N;
            }
        }
    }

    // Algorithm 7 lines 4-14 on one block: two 12-bit candidates per three bytes, kept when < q.
    private static int ParseBlock(ReadOnlySpan<byte> block, Span<short> a, int count)
    {
        for (int o = 0; o + 3 <= block.Length && count < N; o += 3)
        {
            int d1 = block[o] | ((block[o + 1] & 0x0F) << 8);
            int d2 = (block[o + 1] >> 4) | (block[o + 2] << 4);
            if (d1 < MLKemPoly.Q)
            {
                a[count++] = (short)d1;
            }

            if (d2 < MLKemPoly.Q && count < N)
            {
                a[count++] = (short)d2;
            }
        }

        return count;
    }

    /// <summary>
    /// Fills <paramref name="count"/> consecutive polynomials of <paramref name="polys"/> with
    /// SamplePolyCBD_2(PRF_2(s, firstNonce + i)) (FIPS 203 Algorithm 8, §4.1), four at a time
    /// with <see cref="KeccakF1600X4"/> when vectors are accelerated.
    /// </summary>
    [SkipLocalsInit]
    public static void SampleCbd2(ReadOnlySpan<byte> seed, byte firstNonce, int count, Span<short> polys)
    {
        int i = 0;
        if (KeccakF1600X4.IsSupported)
        {
            for (; i < count; i += 4)
            {
                SampleCbd2X4(seed, (byte)(firstNonce + i), Math.Min(4, count - i), polys.Slice(i * N));
            }

            return;
        }

        for (; i < count; i++)
        {
            SampleCbd2(seed, (byte)(firstNonce + i), polys.Slice(i * N, N));
        }
    }

    /// <summary>SamplePolyCBD_2(PRF_2(s, nonce)) for one polynomial.</summary>
    [SkipLocalsInit]
    public static void SampleCbd2(ReadOnlySpan<byte> seed, byte nonce, Span<short> f)
    {
        Span<byte> buffer = stackalloc byte[PrfBytes];
        KeccakSponge prf = KeccakSponge.CreateShake256();
        prf.Absorb(seed.Slice(0, 32));
        ReadOnlySpan<byte> n = [nonce];
        prf.Absorb(n);
        prf.Squeeze(buffer);
        prf.Clear();
        Cbd2(buffer, f);
        CryptographicOperations.ZeroMemory(buffer);
    }

    // PRF_2 for up to four nonces in one four-way permutation: s ‖ N is 33 bytes and the 128
    // output bytes fit in one 136-byte SHAKE256 block, so absorb, pad and squeeze are direct.
    [SkipLocalsInit]
    private static void SampleCbd2X4(ReadOnlySpan<byte> seed, byte firstNonce, int count, Span<short> polys)
    {
        const int ShakeRate256 = 136;
        KeccakLanesX4 state = default;
        for (int lane = 0; lane < 4; lane++)
        {
            state[lane] = Vector256.Create(BinaryPrimitives.ReadUInt64LittleEndian(seed.Slice(8 * lane, 8)));
        }

        ulong suffix = 0x1FUL << 8;
        state[4] = Vector256.Create(
            firstNonce | suffix,
            (byte)(firstNonce + 1) | suffix,
            (byte)(firstNonce + 2) | suffix,
            (byte)(firstNonce + 3) | suffix);
        state[(ShakeRate256 / 8) - 1] = Vector256.Create(0x80UL << 56);
        KeccakF1600X4.Permute(ref state);

        Span<byte> buffer = stackalloc byte[PrfBytes];
        for (int p = 0; p < count; p++)
        {
            for (int lane = 0; lane < PrfBytes / 8; lane++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(buffer.Slice(8 * lane, 8), state[lane].GetElement(p));
            }

            Cbd2(buffer, polys.Slice(p * N, N));
        }

        CryptographicOperations.ZeroMemory(buffer);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes((Span<Vector256<ulong>>)state));
    }

    // Coefficient i uses bits 4i..4i+3: x = b0 + b1, y = b2 + b3, f = x - y. Word-wise bit
    // counting with masks: no branch or index on the secret bits.
    private static void Cbd2(ReadOnlySpan<byte> buffer, Span<short> f)
    {
        for (int w = 0; w < PrfBytes / 4; w++)
        {
            uint t = BinaryPrimitives.ReadUInt32LittleEndian(buffer.Slice(4 * w, 4));
            uint pairs = (t & 0x55555555u) + ((t >> 1) & 0x55555555u);
            for (int j = 0; j < 8; j++)
            {
                int x = (int)((pairs >> (4 * j)) & 3);
                int y = (int)((pairs >> ((4 * j) + 2)) & 3);
                f[(8 * w) + j] = (short)(x - y);
            }
        }
    }
}
