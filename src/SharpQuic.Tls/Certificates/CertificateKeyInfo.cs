using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Tls.Certificates;

/// <summary>The key kinds a CertificateVerify can be made or checked with. Ed25519/Ed448 are not in the BCL.</summary>
internal enum CertificateKeyType
{
    /// <summary>Any key we cannot use for TLS 1.3 signatures (other curves, DSA, RSA-PSS-OID keys, EdDSA).</summary>
    Unsupported,

    /// <summary>ECDSA on secp256r1.</summary>
    EcdsaP256,

    /// <summary>ECDSA on secp384r1.</summary>
    EcdsaP384,

    /// <summary>ECDSA on secp521r1.</summary>
    EcdsaP521,

    /// <summary>RSA with the rsaEncryption OID (signs with rsa_pss_rsae_*).</summary>
    Rsa,
}

/// <summary>What each signature scheme needs (RFC 8446bis §4.2.3): the key type, the hash, and whether it may sign
/// a CertificateVerify at all.</summary>
internal static class CertificateKeyInfo
{
    /// <summary>RSA keys below this size are refused on both sides.</summary>
    public const int MinimumRsaKeySize = 2048;

    private const string EcPublicKeyOid = "1.2.840.10045.2.1";
    private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";
    private const string P256Oid = "1.2.840.10045.3.1.7";
    private const string P384Oid = "1.3.132.0.34";
    private const string P521Oid = "1.3.132.0.35";

    /// <summary>
    /// Schemes this implementation can verify in a CertificateVerify, in our preference order. A handshake offers
    /// these in signature_algorithms (and may add the rsa_pkcs1_* schemes there for certificate signatures, §4.2.3;
    /// <see cref="CertificateVerifier"/> still refuses those in a CertificateVerify).
    /// </summary>
    public static ReadOnlySpan<SignatureScheme> VerifiableSchemes =>
    [
        SignatureScheme.EcdsaSecp256r1Sha256,
        SignatureScheme.RsaPssRsaeSha256,
        SignatureScheme.EcdsaSecp384r1Sha384,
        SignatureScheme.RsaPssRsaeSha384,
        SignatureScheme.EcdsaSecp521r1Sha512,
        SignatureScheme.RsaPssRsaeSha512,
    ];

    /// <summary>The key type a scheme demands in TLS 1.3, or Unsupported for schemes we never use in a
    /// CertificateVerify (PKCS#1 v1.5 and SHA-1 are certificate-only, §4.2.3; EdDSA and PSS-OID keys are absent).</summary>
    public static CertificateKeyType RequiredKeyType(SignatureScheme scheme) => scheme switch
    {
        SignatureScheme.EcdsaSecp256r1Sha256 => CertificateKeyType.EcdsaP256,
        SignatureScheme.EcdsaSecp384r1Sha384 => CertificateKeyType.EcdsaP384,
        SignatureScheme.EcdsaSecp521r1Sha512 => CertificateKeyType.EcdsaP521,
        SignatureScheme.RsaPssRsaeSha256 or SignatureScheme.RsaPssRsaeSha384 or SignatureScheme.RsaPssRsaeSha512 => CertificateKeyType.Rsa,
        _ => CertificateKeyType.Unsupported,
    };

    /// <summary>The hash of a scheme <see cref="RequiredKeyType"/> supports.</summary>
    public static HashAlgorithmName HashOf(SignatureScheme scheme) => scheme switch
    {
        SignatureScheme.EcdsaSecp256r1Sha256 or SignatureScheme.RsaPssRsaeSha256 => HashAlgorithmName.SHA256,
        SignatureScheme.EcdsaSecp384r1Sha384 or SignatureScheme.RsaPssRsaeSha384 => HashAlgorithmName.SHA384,
        SignatureScheme.EcdsaSecp521r1Sha512 or SignatureScheme.RsaPssRsaeSha512 => HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Not a CertificateVerify scheme."),
    };

    /// <summary>Our schemes for a key type, best first.</summary>
    public static ReadOnlySpan<SignatureScheme> SchemesFor(CertificateKeyType type) => type switch
    {
        CertificateKeyType.EcdsaP256 => [SignatureScheme.EcdsaSecp256r1Sha256],
        CertificateKeyType.EcdsaP384 => [SignatureScheme.EcdsaSecp384r1Sha384],
        CertificateKeyType.EcdsaP521 => [SignatureScheme.EcdsaSecp521r1Sha512],
        CertificateKeyType.Rsa => [SignatureScheme.RsaPssRsaeSha256, SignatureScheme.RsaPssRsaeSha384, SignatureScheme.RsaPssRsaeSha512],
        _ => [],
    };

    /// <summary>The certificate's public-key algorithm OID is id-ecPublicKey.</summary>
    public static bool IsEcKey(X509Certificate2 certificate) => certificate.GetKeyAlgorithm() == EcPublicKeyOid;

    /// <summary>The certificate's public-key algorithm OID is rsaEncryption (not id-RSASSA-PSS).</summary>
    public static bool IsRsaKey(X509Certificate2 certificate) => certificate.GetKeyAlgorithm() == RsaEncryptionOid;

    /// <summary>The named curve of an ECDSA key; Unsupported for any other curve (brainpool, explicit curves…).</summary>
    public static CertificateKeyType ClassifyCurve(ECDsa key)
    {
        ECParameters parameters = key.ExportParameters(includePrivateParameters: false);
        if (!parameters.Curve.IsNamed)
        {
            return CertificateKeyType.Unsupported;
        }

        return parameters.Curve.Oid.Value switch
        {
            P256Oid => CertificateKeyType.EcdsaP256,
            P384Oid => CertificateKeyType.EcdsaP384,
            P521Oid => CertificateKeyType.EcdsaP521,
            _ => ClassifyByName(parameters.Curve.Oid.FriendlyName),
        };
    }

    // Some platforms report only the friendly name of a named curve.
    private static CertificateKeyType ClassifyByName(string? name) => name switch
    {
        "nistP256" or "ECDSA_P256" or "secp256r1" or "prime256v1" => CertificateKeyType.EcdsaP256,
        "nistP384" or "ECDSA_P384" or "secp384r1" => CertificateKeyType.EcdsaP384,
        "nistP521" or "ECDSA_P521" or "secp521r1" => CertificateKeyType.EcdsaP521,
        _ => CertificateKeyType.Unsupported,
    };
}
