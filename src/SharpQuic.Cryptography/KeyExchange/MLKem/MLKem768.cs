using System.Security.Cryptography;

namespace SharpQuic.Cryptography.KeyExchange.MLKem;

/// <summary>
/// ML-KEM-768 (FIPS 203), the post-quantum half of the TLS groups X25519MLKEM768 (0x11EC),
/// SecP256r1MLKEM768 (0x11EB) and MLKEM768 (0x0201) (draft-ietf-tls-ecdhe-mlkem §3).
/// Uses <see cref="System.Security.Cryptography.MLKem"/> when the platform supports it and
/// <see cref="MLKem768Managed"/> otherwise; both give the same bytes for the same inputs.
/// </summary>
/// <remarks>
/// Keys are the FIPS 203 encodings: the 1184-byte encapsulation key and the expanded 2400-byte
/// decapsulation key. Inputs from the peer (ek for the server, ciphertext for the client) are
/// checked per FIPS 203 §7 and rejected by returning false, never by throwing; wrongly sized
/// output spans are caller bugs and throw <see cref="ArgumentException"/>. The managed path
/// allocates nothing; the platform path allocates one key object per call.
/// </remarks>
internal static class MLKem768
{
    /// <summary>Encapsulation key size: 384k + 32 bytes.</summary>
    public const int EncapsulationKeySize = 1184;

    /// <summary>Expanded decapsulation key size: 768k + 96 bytes.</summary>
    public const int DecapsulationKeySize = 2400;

    /// <summary>Ciphertext size: 32(du·k + dv) bytes.</summary>
    public const int CiphertextSize = 1088;

    /// <summary>Shared secret size.</summary>
    public const int SharedSecretSize = 32;

    /// <summary>Key generation seed d ‖ z.</summary>
    public const int SeedSize = 64;

    /// <summary>True when the operations run on the platform's ML-KEM (OpenSSL 3.5+, Windows CNG).</summary>
    public static bool UsesPlatform => MLKem768Platform.IsSupported;

    /// <summary>Generates a key pair from a fresh random seed (FIPS 203 Algorithm 19).</summary>
    /// <param name="encapsulationKey">Receives ek (1184 bytes).</param>
    /// <param name="decapsulationKey">Receives dk (2400 bytes).</param>
    public static void GenerateKeyPair(Span<byte> encapsulationKey, Span<byte> decapsulationKey)
    {
        if (UsesPlatform)
        {
            CheckKeyOutputs(encapsulationKey, decapsulationKey);
            MLKem768Platform.GenerateKeyPair(encapsulationKey, decapsulationKey);
        }
        else
        {
            MLKem768Managed.GenerateKeyPair(encapsulationKey, decapsulationKey);
        }
    }

    /// <summary>Deterministic key generation from the 64-byte seed d ‖ z (FIPS 203 Algorithm 16).</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    public static void KeyGenFromSeed(ReadOnlySpan<byte> seed, Span<byte> encapsulationKey, Span<byte> decapsulationKey)
        => MLKem768Managed.KeyGenFromSeed(seed, encapsulationKey, decapsulationKey);

    /// <summary>
    /// Encapsulates to a peer's key (FIPS 203 Algorithm 20). False when ek fails the checks of
    /// FIPS 203 §7.2 (length, modulus); then the TLS layer answers illegal_parameter.
    /// </summary>
    /// <param name="encapsulationKey">The peer's ek, untrusted.</param>
    /// <param name="ciphertext">Receives c (1088 bytes).</param>
    /// <param name="sharedSecret">Receives K (32 bytes).</param>
    public static bool TryEncapsulate(ReadOnlySpan<byte> encapsulationKey, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        if (!UsesPlatform)
        {
            return MLKem768Managed.TryEncapsulate(encapsulationKey, ciphertext, sharedSecret);
        }

        CheckEncapsulateOutputs(ciphertext, sharedSecret);
        return MLKem768Managed.IsValidEncapsulationKey(encapsulationKey)
            && MLKem768Platform.TryEncapsulate(encapsulationKey, ciphertext, sharedSecret);
    }

    /// <summary>Deterministic encapsulation with message <paramref name="message"/> (FIPS 203 Algorithm 17); for tests.</summary>
    internal static bool TryEncapsulate(ReadOnlySpan<byte> encapsulationKey, ReadOnlySpan<byte> message, Span<byte> ciphertext, Span<byte> sharedSecret)
        => MLKem768Managed.TryEncapsulate(encapsulationKey, message, ciphertext, sharedSecret);

    /// <summary>
    /// Decapsulates (FIPS 203 Algorithm 21). False only for a ciphertext or key of the wrong
    /// length or a key failing the hash check; a wrong ciphertext of the right length yields
    /// the implicit-rejection secret and true.
    /// </summary>
    /// <param name="decapsulationKey">Our dk (2400 bytes).</param>
    /// <param name="ciphertext">The peer's c, untrusted.</param>
    /// <param name="sharedSecret">Receives K (32 bytes).</param>
    public static bool TryDecapsulate(ReadOnlySpan<byte> decapsulationKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        if (!UsesPlatform)
        {
            return MLKem768Managed.TryDecapsulate(decapsulationKey, ciphertext, sharedSecret);
        }

        CheckSharedSecret(sharedSecret);
        return ciphertext.Length == CiphertextSize
            && MLKem768Managed.IsValidDecapsulationKey(decapsulationKey)
            && MLKem768Platform.TryDecapsulate(decapsulationKey, ciphertext, sharedSecret);
    }

    internal static void CheckKeyGenArguments(ReadOnlySpan<byte> seed, Span<byte> encapsulationKey, Span<byte> decapsulationKey)
    {
        if (seed.Length != SeedSize)
        {
            throw new ArgumentException("The seed must be 64 bytes (d ‖ z).", nameof(seed));
        }

        CheckKeyOutputs(encapsulationKey, decapsulationKey);
    }

    internal static void CheckKeyOutputs(Span<byte> encapsulationKey, Span<byte> decapsulationKey)
    {
        if (encapsulationKey.Length < EncapsulationKeySize)
        {
            throw new ArgumentException("Too small for an ML-KEM-768 encapsulation key.", nameof(encapsulationKey));
        }

        if (decapsulationKey.Length < DecapsulationKeySize)
        {
            throw new ArgumentException("Too small for an ML-KEM-768 decapsulation key.", nameof(decapsulationKey));
        }
    }

    internal static void CheckEncapsulateOutputs(Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        if (ciphertext.Length < CiphertextSize)
        {
            throw new ArgumentException("Too small for an ML-KEM-768 ciphertext.", nameof(ciphertext));
        }

        CheckSharedSecret(sharedSecret);
    }

    internal static void CheckSharedSecret(Span<byte> sharedSecret)
    {
        if (sharedSecret.Length < SharedSecretSize)
        {
            throw new ArgumentException("Too small for an ML-KEM shared secret.", nameof(sharedSecret));
        }
    }
}
