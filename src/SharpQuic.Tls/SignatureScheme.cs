namespace SharpQuic.Tls;

/// <summary>Signature schemes (RFC 8446bis §4.2.3).</summary>
public enum SignatureScheme : ushort
{
    /// <summary>RSASSA-PKCS1-v1_5 with SHA-256: certificates only, never CertificateVerify.</summary>
    RsaPkcs1Sha256 = 0x0401,

    /// <summary>RSASSA-PKCS1-v1_5 with SHA-384: certificates only.</summary>
    RsaPkcs1Sha384 = 0x0501,

    /// <summary>RSASSA-PKCS1-v1_5 with SHA-512: certificates only.</summary>
    RsaPkcs1Sha512 = 0x0601,

    /// <summary>ECDSA over P-256 with SHA-256.</summary>
    EcdsaSecp256r1Sha256 = 0x0403,

    /// <summary>ECDSA over P-384 with SHA-384.</summary>
    EcdsaSecp384r1Sha384 = 0x0503,

    /// <summary>ECDSA over P-521 with SHA-512.</summary>
    EcdsaSecp521r1Sha512 = 0x0603,

    /// <summary>RSASSA-PSS, rsaEncryption key, SHA-256.</summary>
    RsaPssRsaeSha256 = 0x0804,

    /// <summary>RSASSA-PSS, rsaEncryption key, SHA-384.</summary>
    RsaPssRsaeSha384 = 0x0805,

    /// <summary>RSASSA-PSS, rsaEncryption key, SHA-512.</summary>
    RsaPssRsaeSha512 = 0x0806,

    /// <summary>Ed25519.</summary>
    Ed25519 = 0x0807,

    /// <summary>Ed448.</summary>
    Ed448 = 0x0808,

    /// <summary>RSASSA-PSS, RSASSA-PSS key, SHA-256.</summary>
    RsaPssPssSha256 = 0x0809,

    /// <summary>RSASSA-PSS, RSASSA-PSS key, SHA-384.</summary>
    RsaPssPssSha384 = 0x080A,

    /// <summary>RSASSA-PSS, RSASSA-PSS key, SHA-512.</summary>
    RsaPssPssSha512 = 0x080B,
}
