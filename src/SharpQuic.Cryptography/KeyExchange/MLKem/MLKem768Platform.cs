using System.Security.Cryptography;

namespace SharpQuic.Cryptography.KeyExchange.MLKem;

/// <summary>
/// The platform's ML-KEM-768 (<see cref="System.Security.Cryptography.MLKem"/>, backed by OpenSSL
/// 3.5+ or Windows CNG). Callers have already checked lengths and run the FIPS 203 §7 input
/// checks; platform exceptions on hostile input still map to false.
/// </summary>
// MLKem was [Experimental] (SYSLIB5006) in .NET 9; the .NET 10 SDK here (10.0.401) ships it
// as stable, so no suppression is needed.
internal static class MLKem768Platform
{
    /// <summary>True when the platform implements ML-KEM.</summary>
    public static bool IsSupported => System.Security.Cryptography.MLKem.IsSupported;

    public static void GenerateKeyPair(Span<byte> encapsulationKey, Span<byte> decapsulationKey)
    {
        using var key = System.Security.Cryptography.MLKem.GenerateKey(MLKemAlgorithm.MLKem768);
        key.ExportEncapsulationKey(encapsulationKey.Slice(0, MLKem768.EncapsulationKeySize));
        key.ExportDecapsulationKey(decapsulationKey.Slice(0, MLKem768.DecapsulationKeySize));
    }

    public static bool TryEncapsulate(ReadOnlySpan<byte> encapsulationKey, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        try
        {
            using var key = System.Security.Cryptography.MLKem.ImportEncapsulationKey(MLKemAlgorithm.MLKem768, encapsulationKey);
            key.Encapsulate(ciphertext.Slice(0, MLKem768.CiphertextSize), sharedSecret.Slice(0, MLKem768.SharedSecretSize));
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public static bool TryDecapsulate(ReadOnlySpan<byte> decapsulationKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        try
        {
            using var key = System.Security.Cryptography.MLKem.ImportDecapsulationKey(MLKemAlgorithm.MLKem768, decapsulationKey);
            key.Decapsulate(ciphertext, sharedSecret.Slice(0, MLKem768.SharedSecretSize));
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
