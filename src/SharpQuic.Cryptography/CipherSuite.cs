namespace SharpQuic.Cryptography;

/// <summary>The TLS 1.3 cipher suites QUIC uses (RFC 9001 §5.3), by their IANA code points.</summary>
public enum CipherSuite : ushort
{
    /// <summary>TLS_AES_128_GCM_SHA256.</summary>
    Aes128GcmSha256 = 0x1301,

    /// <summary>TLS_AES_256_GCM_SHA384.</summary>
    Aes256GcmSha384 = 0x1302,

    /// <summary>TLS_CHACHA20_POLY1305_SHA256.</summary>
    ChaCha20Poly1305Sha256 = 0x1303,
}

/// <summary>Sizes that follow from a <see cref="CipherSuite"/>.</summary>
public static class CipherSuiteInfo
{
    /// <summary>AEAD key length in bytes (also the header protection key length, RFC 9001 §5.4).</summary>
    public static int KeySize(CipherSuite suite) => suite switch
    {
        CipherSuite.Aes128GcmSha256 => 16,
        CipherSuite.Aes256GcmSha384 => 32,
        CipherSuite.ChaCha20Poly1305Sha256 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(suite)),
    };

    /// <summary>The suite's hash, used by HKDF and the TLS key schedule.</summary>
    public static System.Security.Cryptography.HashAlgorithmName Hash(CipherSuite suite) => suite switch
    {
        CipherSuite.Aes256GcmSha384 => System.Security.Cryptography.HashAlgorithmName.SHA384,
        CipherSuite.Aes128GcmSha256 or CipherSuite.ChaCha20Poly1305Sha256 => System.Security.Cryptography.HashAlgorithmName.SHA256,
        _ => throw new ArgumentOutOfRangeException(nameof(suite)),
    };

    /// <summary>Hash output length in bytes (the length of a traffic secret).</summary>
    public static int HashSize(CipherSuite suite) => suite == CipherSuite.Aes256GcmSha384 ? 48 : 32;
}
