using System.Buffers.Binary;
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

    /// <summary>Bytes of PRF_η output for η = 2: 64·η.</summary>
    public const int PrfBytes = 128;

    /// <summary>
    /// Fills the k×k matrix Â (row-major, k·k·256 coefficients) from ρ (FIPS 203 Algorithm 13
    /// lines 3-7 / Algorithm 14 lines 4-8): Â[i, j] = SampleNTT(ρ ‖ j ‖ i). With
    /// <paramref name="transposed"/> it fills Âᵀ, i.e. entry (i, j) is SampleNTT(ρ ‖ i ‖ j).
    /// </summary>
    public static void ExpandMatrix(ReadOnlySpan<byte> rho, int k, bool transposed, Span<short> matrix)
    {
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                Span<short> entry = matrix.Slice(((i * k) + j) * N, N);
                if (transposed)
                {
                    SampleNtt(rho, (byte)i, (byte)j, entry);
                }
                else
                {
                    SampleNtt(rho, (byte)j, (byte)i, entry);
                }
            }
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
        Span<byte> block = stackalloc byte[168];
        int count = 0;
        while (count < N)
        {
            xof.Squeeze(block);
            for (int o = 0; o < block.Length && count < N; o += 3)
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
        }
    }

    /// <summary>
    /// SamplePolyCBD_2(PRF_2(s, nonce)) (FIPS 203 Algorithms 8 and §4.1): coefficients in [-2, 2],
    /// computed with bit counting on whole words, no branch or index on the secret bits.
    /// </summary>
    public static void SampleCbd2(ReadOnlySpan<byte> seed, byte nonce, Span<short> f)
    {
        Span<byte> buffer = stackalloc byte[PrfBytes];
        KeccakSponge prf = KeccakSponge.CreateShake256();
        prf.Absorb(seed.Slice(0, 32));
        ReadOnlySpan<byte> n = [nonce];
        prf.Absorb(n);
        prf.Squeeze(buffer);
        prf.Clear();

        // Coefficient i uses bits 4i..4i+3: x = b0 + b1, y = b2 + b3, f = x - y.
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

        CryptographicOperations.ZeroMemory(buffer);
    }
}
