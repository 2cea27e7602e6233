using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SharpQuic.Cryptography.Hashing;

namespace SharpQuic.Cryptography.KeyExchange.MLKem;

/// <summary>
/// K-PKE, the CPA-secure encryption scheme inside ML-KEM (FIPS 203 §5), for the ML-KEM-768
/// parameter set: k = 3, η1 = η2 = 2, du = 10, dv = 4. All working memory is on the stack
/// and the secret parts are wiped before returning.
/// </summary>
internal static class KPke768
{
    /// <summary>k: the module rank.</summary>
    public const int K = 3;

    private const int N = MLKemPoly.N;
    private const int VectorCoefficients = K * N;

    /// <summary>ek_PKE: ByteEncode12(t̂) ‖ ρ = 384k + 32 bytes.</summary>
    public const int EncryptionKeySize = (MLKemEncoding.Poly12Bytes * K) + 32;

    /// <summary>dk_PKE: ByteEncode12(ŝ) = 384k bytes.</summary>
    public const int DecryptionKeySize = MLKemEncoding.Poly12Bytes * K;

    /// <summary>c = c1 ‖ c2: 32(du·k + dv) bytes.</summary>
    public const int CiphertextSize = (MLKemEncoding.Poly10Bytes * K) + MLKemEncoding.Poly4Bytes;

    /// <summary>
    /// K-PKE.KeyGen(d) (FIPS 203 Algorithm 13). Writes ek_PKE (1184 bytes) and dk_PKE (1152 bytes).
    /// </summary>
    [SkipLocalsInit]
    public static void KeyGen(ReadOnlySpan<byte> d, Span<byte> encryptionKey, Span<byte> decryptionKey)
    {
        // (ρ, σ) ← G(d ‖ k): the k byte separates parameter sets (FIPS 203 final, not round-3 Kyber).
        Span<byte> rhoSigma = stackalloc byte[64];
        KeccakSponge g = KeccakSponge.CreateSha3_512();
        g.Absorb(d.Slice(0, 32));
        ReadOnlySpan<byte> rank = [K];
        g.Absorb(rank);
        g.Squeeze(rhoSigma);
        g.Clear();
        ReadOnlySpan<byte> rho = rhoSigma.Slice(0, 32);
        ReadOnlySpan<byte> sigma = rhoSigma.Slice(32, 32);

        Span<short> matrix = stackalloc short[K * VectorCoefficients];
        MLKemSampling.ExpandMatrix(rho, K, transposed: false, matrix);

        // s[i] = CBD(PRF(σ, i)), e[i] = CBD(PRF(σ, k + i)): one batch of 2k nonces.
        Span<short> se = stackalloc short[2 * VectorCoefficients];
        Span<short> s = se.Slice(0, VectorCoefficients);
        Span<short> e = se.Slice(VectorCoefficients, VectorCoefficients);
        Span<short> t = stackalloc short[VectorCoefficients];
        MLKemSampling.SampleCbd2(sigma, 0, 2 * K, se);
        for (int i = 0; i < 2 * K; i++)
        {
            MLKemPoly.Ntt(se.Slice(i * N, N));
        }

        // t̂ = Â∘ŝ + ê. MultiplyAccumulate leaves R^-1; ToMontgomery puts back R.
        for (int i = 0; i < K; i++)
        {
            Span<short> ti = t.Slice(i * N, N);
            MLKemPoly.MultiplyAccumulate(matrix.Slice(i * VectorCoefficients, VectorCoefficients), s, K, ti);
            MLKemPoly.ToMontgomery(ti);
            MLKemPoly.Add(ti, e.Slice(i * N, N));
            MLKemPoly.Reduce(ti);
        }

        MLKemEncoding.Encode12(t, encryptionKey.Slice(0, DecryptionKeySize));
        rho.CopyTo(encryptionKey.Slice(DecryptionKeySize, 32));
        MLKemEncoding.Encode12(s, decryptionKey.Slice(0, DecryptionKeySize));

        CryptographicOperations.ZeroMemory(rhoSigma);
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(se));
    }

    /// <summary>
    /// K-PKE.Encrypt(ek_PKE, m, r) (FIPS 203 Algorithm 14). ek_PKE's 12-bit values are used as
    /// they are (callers run the modulus check on untrusted keys first); m and r are secret.
    /// </summary>
    [SkipLocalsInit]
    public static void Encrypt(ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> r, Span<byte> ciphertext)
    {
        Span<short> t = stackalloc short[VectorCoefficients];
        MLKemEncoding.Decode12(encryptionKey.Slice(0, DecryptionKeySize), t);
        ReadOnlySpan<byte> rho = encryptionKey.Slice(DecryptionKeySize, 32);

        Span<short> matrixT = stackalloc short[K * VectorCoefficients];
        MLKemSampling.ExpandMatrix(rho, K, transposed: true, matrixT);

        // y[i] = CBD(PRF(r, i)), e1[i] = CBD(PRF(r, k + i)), e2 = CBD(PRF(r, 2k)): one batch.
        Span<short> samples = stackalloc short[((2 * K) + 1) * N];
        Span<short> y = samples.Slice(0, VectorCoefficients);
        Span<short> e1 = samples.Slice(VectorCoefficients, VectorCoefficients);
        Span<short> e2 = samples.Slice(2 * VectorCoefficients, N);
        Span<short> mu = stackalloc short[N];
        Span<short> u = stackalloc short[VectorCoefficients];
        Span<short> v = stackalloc short[N];
        MLKemSampling.SampleCbd2(r, 0, (2 * K) + 1, samples);
        for (int i = 0; i < K; i++)
        {
            MLKemPoly.Ntt(y.Slice(i * N, N));
        }

        // u = NTT^-1(Âᵀ∘ŷ) + e1, e1[i] = CBD(PRF(r, k + i)).
        for (int i = 0; i < K; i++)
        {
            Span<short> ui = u.Slice(i * N, N);
            MLKemPoly.MultiplyAccumulate(matrixT.Slice(i * VectorCoefficients, VectorCoefficients), y, K, ui);
            MLKemPoly.InverseNtt(ui);
            MLKemPoly.Add(ui, e1.Slice(i * N, N));
            MLKemPoly.Reduce(ui);
        }

        // v = NTT^-1(t̂ᵀ∘ŷ) + e2 + Decompress1(m), e2 = CBD(PRF(r, 2k)).
        MLKemPoly.MultiplyAccumulate(t, y, K, v);
        MLKemPoly.InverseNtt(v);
        MLKemPoly.Add(v, e2);
        MLKemEncoding.DecodeDecompress1(message, mu);
        MLKemPoly.Add(v, mu);
        MLKemPoly.Reduce(v);

        for (int i = 0; i < K; i++)
        {
            MLKemEncoding.CompressEncode10(u.Slice(i * N, N), ciphertext.Slice(i * MLKemEncoding.Poly10Bytes, MLKemEncoding.Poly10Bytes));
        }

        MLKemEncoding.CompressEncode4(v, ciphertext.Slice(K * MLKemEncoding.Poly10Bytes, MLKemEncoding.Poly4Bytes));

        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(samples));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(mu));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(u));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(v));
    }

    /// <summary>K-PKE.Decrypt(dk_PKE, c) (FIPS 203 Algorithm 15): writes the 32-byte message.</summary>
    [SkipLocalsInit]
    public static void Decrypt(ReadOnlySpan<byte> decryptionKey, ReadOnlySpan<byte> ciphertext, Span<byte> message)
    {
        Span<short> u = stackalloc short[VectorCoefficients];
        Span<short> v = stackalloc short[N];
        Span<short> s = stackalloc short[VectorCoefficients];
        Span<short> w = stackalloc short[N];
        for (int i = 0; i < K; i++)
        {
            Span<short> ui = u.Slice(i * N, N);
            MLKemEncoding.DecodeDecompress10(ciphertext.Slice(i * MLKemEncoding.Poly10Bytes, MLKemEncoding.Poly10Bytes), ui);
            MLKemPoly.Ntt(ui);
        }

        MLKemEncoding.DecodeDecompress4(ciphertext.Slice(K * MLKemEncoding.Poly10Bytes, MLKemEncoding.Poly4Bytes), v);
        MLKemEncoding.Decode12(decryptionKey.Slice(0, DecryptionKeySize), s);

        // w = v' − NTT^-1(ŝᵀ∘NTT(u')).
        MLKemPoly.MultiplyAccumulate(s, u, K, w);
        MLKemPoly.InverseNtt(w);
        MLKemPoly.SubtractFrom(v, w);
        MLKemPoly.Reduce(w);
        MLKemEncoding.CompressEncode1(w, message);

        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(s));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(w));
    }
}
