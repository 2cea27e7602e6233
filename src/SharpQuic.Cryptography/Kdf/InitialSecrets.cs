using System.Security.Cryptography;

namespace SharpQuic.Cryptography.Kdf;

/// <summary>Initial secrets, derived from the client's first Destination Connection ID (RFC 9001 §5.2).</summary>
public static class InitialSecrets
{
    /// <summary>Length of an Initial secret: SHA-256 output.</summary>
    public const int SecretSize = 32;

    /// <summary>Derives client_initial_secret and server_initial_secret.</summary>
    public static void Derive(QuicKeyLabels labels, ReadOnlySpan<byte> destinationConnectionId, Span<byte> clientSecret, Span<byte> serverSecret)
    {
        ArgumentNullException.ThrowIfNull(labels);
        Span<byte> initialSecret = stackalloc byte[SecretSize];
        HKDF.Extract(HashAlgorithmName.SHA256, destinationConnectionId, labels.InitialSalt, initialSecret);
        HkdfLabel.Expand(HashAlgorithmName.SHA256, initialSecret, "client in"u8, default, clientSecret[..SecretSize]);
        HkdfLabel.Expand(HashAlgorithmName.SHA256, initialSecret, "server in"u8, default, serverSecret[..SecretSize]);
        CryptographicOperations.ZeroMemory(initialSecret);
    }
}
