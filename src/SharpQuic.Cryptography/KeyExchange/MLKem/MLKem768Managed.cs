// Constant-time review of the managed ML-KEM-768 (FIPS 203).
//
// Secret inputs: d, z (seed), the decapsulation key's ŝ and z, the message m, the derived r and
// shared keys, and everything computed from them. Public: ρ, Â, t̂, ek, ciphertexts, lengths.
//
// Functions that touch secrets, and why they are safe:
// - KeccakF1600.Permute, KeccakF1600X4.Permute, KeccakSponge: fixed 24 rounds on locals;
//   Absorb/Squeeze loops depend only on lengths and the rate, never on byte values.
// - MLKemSampling.SampleCbd2 (s, e, y, e1, e2): PRF outputs taken from the lanes at fixed
//   positions, then word-wise bit counting with masks and shifts.
// - MLKemPoly (Ntt, InverseNtt, MultiplyAccumulate, ToMontgomery, Reduce, Add, SubtractFrom):
//   Montgomery and Barrett reductions are multiply/shift (scalar, or AVX2 vpmullw/vpmulhw with
//   the same results); the zeta and gamma tables are indexed by loop counters only;
//   ToCanonical adds q through the sign mask, not a branch.
// - MLKemEncoding: Compress divides by q as a 64-bit multiply and shift (no '/' on secrets);
//   Decompress1 turns a message bit into 0 or 1665 with a mask; Encode/Decode are fixed shifts.
// - KPke768.KeyGen/Encrypt/Decrypt: straight-line compositions of the above.
// - DecapsulateInternal: the re-encrypted c' is compared with c by
//   CryptographicOperations.FixedTimeEquals, whose bool is read as a byte (no branch) and turned
//   into a mask that selects K' or K̄ = J(z ‖ c) byte by byte.
// Not secret, so allowed to branch: SampleNtt's rejection loop (driven by public ρ), the modulus
// check of ek, the H(ek) == h check of dk, and every length check.
// Working buffers holding secrets are wiped with CryptographicOperations.ZeroMemory.

using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using SharpQuic.Cryptography.Hashing;

namespace SharpQuic.Cryptography.KeyExchange.MLKem;

/// <summary>
/// ML-KEM-768 (FIPS 203) in managed code: the implementation behind <see cref="MLKem768"/> when the
/// platform has none. Allocation-free; see the constant-time review at the top of this file.
/// </summary>
internal static class MLKem768Managed
{
    private const int K = KPke768.K;
    private const int DkPkeSize = KPke768.DecryptionKeySize;

    // dk = dk_PKE ‖ ek ‖ H(ek) ‖ z (FIPS 203 Algorithm 16).
    private const int EkOffsetInDk = DkPkeSize;
    private const int HashOffsetInDk = EkOffsetInDk + MLKem768.EncapsulationKeySize;
    private const int ZOffsetInDk = HashOffsetInDk + 32;

    /// <summary>Random seed d ‖ z, then <see cref="KeyGenFromSeed"/> (FIPS 203 Algorithm 19).</summary>
    [SkipLocalsInit]
    public static void GenerateKeyPair(Span<byte> encapsulationKey, Span<byte> decapsulationKey)
    {
        Span<byte> seed = stackalloc byte[MLKem768.SeedSize];
        RandomNumberGenerator.Fill(seed);
        KeyGenFromSeed(seed, encapsulationKey, decapsulationKey);
        CryptographicOperations.ZeroMemory(seed);
    }

    /// <summary>ML-KEM.KeyGen_internal(d, z) (FIPS 203 Algorithm 16) from the 64-byte seed d ‖ z.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void KeyGenFromSeed(ReadOnlySpan<byte> seed, Span<byte> encapsulationKey, Span<byte> decapsulationKey)
    {
        MLKem768.CheckKeyGenArguments(seed, encapsulationKey, decapsulationKey);
        Span<byte> ek = encapsulationKey.Slice(0, MLKem768.EncapsulationKeySize);
        Span<byte> dk = decapsulationKey.Slice(0, MLKem768.DecapsulationKeySize);

        KPke768.KeyGen(seed.Slice(0, 32), ek, dk.Slice(0, DkPkeSize));
        ek.CopyTo(dk.Slice(EkOffsetInDk, MLKem768.EncapsulationKeySize));
        Keccak.Sha3_256(ek, dk.Slice(HashOffsetInDk, 32));
        seed.Slice(32, 32).CopyTo(dk.Slice(ZOffsetInDk, 32));
    }

    /// <summary>ML-KEM.Encaps with a fresh random m (FIPS 203 Algorithm 20).</summary>
    [SkipLocalsInit]
    public static bool TryEncapsulate(ReadOnlySpan<byte> encapsulationKey, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        Span<byte> m = stackalloc byte[32];
        RandomNumberGenerator.Fill(m);
        bool ok = TryEncapsulate(encapsulationKey, m, ciphertext, sharedSecret);
        CryptographicOperations.ZeroMemory(m);
        return ok;
    }

    /// <summary>
    /// ML-KEM.Encaps_internal(ek, m) (FIPS 203 Algorithm 17) after the input checks of §7.2.
    /// Returns false, writing nothing, when ek has the wrong length or a coefficient ≥ q.
    /// </summary>
    /// <exception cref="ArgumentException">m, or an output span, has the wrong length.</exception>
    [SkipLocalsInit]
    public static bool TryEncapsulate(ReadOnlySpan<byte> encapsulationKey, ReadOnlySpan<byte> message, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        MLKem768.CheckEncapsulateOutputs(ciphertext, sharedSecret);
        if (message.Length != 32)
        {
            throw new ArgumentException("m must be 32 bytes.", nameof(message));
        }

        if (!IsValidEncapsulationKey(encapsulationKey))
        {
            return false;
        }

        // (K, r) ← G(m ‖ H(ek)).
        Span<byte> hashEk = stackalloc byte[32];
        Keccak.Sha3_256(encapsulationKey, hashEk);
        Span<byte> kr = stackalloc byte[64];
        KeccakSponge g = KeccakSponge.CreateSha3_512();
        g.Absorb(message);
        g.Absorb(hashEk);
        g.Squeeze(kr);
        g.Clear();

        KPke768.Encrypt(encapsulationKey, message, kr.Slice(32, 32), ciphertext);
        kr.Slice(0, 32).CopyTo(sharedSecret);
        CryptographicOperations.ZeroMemory(kr);
        return true;
    }

    /// <summary>
    /// ML-KEM.Decaps_internal(dk, c) (FIPS 203 Algorithm 18) after the checks of §7.3. Returns
    /// false only for a ciphertext or key of the wrong length or a key whose stored H(ek) does
    /// not match; a well-formed but wrong ciphertext yields the implicit-rejection key J(z ‖ c).
    /// </summary>
    /// <exception cref="ArgumentException">The shared-secret span is shorter than 32 bytes.</exception>
    [SkipLocalsInit]
    public static bool TryDecapsulate(ReadOnlySpan<byte> decapsulationKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        MLKem768.CheckSharedSecret(sharedSecret);
        if (ciphertext.Length != MLKem768.CiphertextSize || !IsValidDecapsulationKey(decapsulationKey))
        {
            return false;
        }

        ReadOnlySpan<byte> dkPke = decapsulationKey.Slice(0, DkPkeSize);
        ReadOnlySpan<byte> ekPke = decapsulationKey.Slice(EkOffsetInDk, MLKem768.EncapsulationKeySize);
        ReadOnlySpan<byte> h = decapsulationKey.Slice(HashOffsetInDk, 32);
        ReadOnlySpan<byte> z = decapsulationKey.Slice(ZOffsetInDk, 32);

        // m' ← K-PKE.Decrypt(dk_PKE, c); (K', r') ← G(m' ‖ h).
        Span<byte> m = stackalloc byte[32];
        KPke768.Decrypt(dkPke, ciphertext, m);
        Span<byte> kr = stackalloc byte[64];
        KeccakSponge g = KeccakSponge.CreateSha3_512();
        g.Absorb(m);
        g.Absorb(h);
        g.Squeeze(kr);
        g.Clear();

        // K̄ ← J(z ‖ c) = SHAKE256(z ‖ c, 256).
        Span<byte> rejection = stackalloc byte[32];
        KeccakSponge j = KeccakSponge.CreateShake256();
        j.Absorb(z);
        j.Absorb(ciphertext);
        j.Squeeze(rejection);
        j.Clear();

        // c' ← K-PKE.Encrypt(ek_PKE, m', r'); K = c == c' ? K' : K̄, without a branch.
        Span<byte> reencrypted = stackalloc byte[MLKem768.CiphertextSize];
        KPke768.Encrypt(ekPke, m, kr.Slice(32, 32), reencrypted);
        bool equal = CryptographicOperations.FixedTimeEquals(ciphertext, reencrypted);
        byte keep = (byte)(0 - Unsafe.As<bool, byte>(ref equal));  // 0xFF when equal, else 0x00.
        for (int i = 0; i < 32; i++)
        {
            sharedSecret[i] = (byte)(rejection[i] ^ (keep & (kr[i] ^ rejection[i])));
        }

        CryptographicOperations.ZeroMemory(m);
        CryptographicOperations.ZeroMemory(kr);
        CryptographicOperations.ZeroMemory(rejection);
        return true;
    }

    /// <summary>Encapsulation key checks of FIPS 203 §7.2: type (1184 bytes) and modulus check.</summary>
    public static bool IsValidEncapsulationKey(ReadOnlySpan<byte> encapsulationKey)
        => encapsulationKey.Length == MLKem768.EncapsulationKeySize
        && MLKemEncoding.AllBelowQ(encapsulationKey.Slice(0, K * MLKemEncoding.Poly12Bytes));

    /// <summary>Decapsulation key checks of FIPS 203 §7.3: type (2400 bytes) and hash check H(ek) == h.</summary>
    [SkipLocalsInit]
    public static bool IsValidDecapsulationKey(ReadOnlySpan<byte> decapsulationKey)
    {
        if (decapsulationKey.Length != MLKem768.DecapsulationKeySize)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[32];
        Keccak.Sha3_256(decapsulationKey.Slice(EkOffsetInDk, MLKem768.EncapsulationKeySize), hash);
        return CryptographicOperations.FixedTimeEquals(hash, decapsulationKey.Slice(HashOffsetInDk, 32));
    }
}
