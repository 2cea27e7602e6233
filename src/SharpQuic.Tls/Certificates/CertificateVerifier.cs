using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Tls.Messages;

namespace SharpQuic.Tls.Certificates;

/// <summary>
/// Checks the peer's CertificateVerify (RFC 8446bis §4.4.3) against the public key of its end-entity certificate.
/// The order of checks gives the alerts: a scheme we did not offer, a certificate-only scheme (PKCS#1 v1.5,
/// SHA-1), or a scheme that does not fit the key (its type, or the ECDSA curve, §4.2.3) → illegal_parameter;
/// an RSA key below 2048 bits → insufficient_security; a signature that does not verify, malformed DER
/// included → decrypt_error. Never throws for peer data.
/// </summary>
internal static class CertificateVerifier
{
    /// <summary>Verifies <paramref name="message"/>; see <see cref="TryVerify(X509Certificate2, SignatureScheme, ReadOnlySpan{byte}, ReadOnlySpan{SignatureScheme}, CertificateRole, ReadOnlySpan{byte}, out TlsAlert)"/>.</summary>
    public static bool TryVerify(
        X509Certificate2 leaf,
        CertificateVerify message,
        ReadOnlySpan<SignatureScheme> offeredSchemes,
        CertificateRole signerRole,
        ReadOnlySpan<byte> transcriptHash,
        out TlsAlert alert)
    {
        ArgumentNullException.ThrowIfNull(message);
        return TryVerify(leaf, message.Algorithm, message.Signature, offeredSchemes, signerRole, transcriptHash, out alert);
    }

    /// <summary>
    /// True when <paramref name="signature"/> by <paramref name="leaf"/>'s key over the content for
    /// <paramref name="signerRole"/> (the peer's role) and <paramref name="transcriptHash"/> is valid and
    /// <paramref name="scheme"/> is one of <paramref name="offeredSchemes"/> (our signature_algorithms, or our
    /// CertificateRequest's list).
    /// </summary>
    public static bool TryVerify(
        X509Certificate2 leaf,
        SignatureScheme scheme,
        ReadOnlySpan<byte> signature,
        ReadOnlySpan<SignatureScheme> offeredSchemes,
        CertificateRole signerRole,
        ReadOnlySpan<byte> transcriptHash,
        out TlsAlert alert)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        CertificateKeyType required = CertificateKeyInfo.RequiredKeyType(scheme);
        if (!offeredSchemes.Contains(scheme) || required == CertificateKeyType.Unsupported)
        {
            alert = TlsAlert.IllegalParameter;
            return false;
        }

        Span<byte> content = stackalloc byte[CertificateVerifyContent.MaxLength];
        content = content[..CertificateVerifyContent.Build(signerRole, transcriptHash, content)];
        HashAlgorithmName hash = CertificateKeyInfo.HashOf(scheme);
        try
        {
            if (required == CertificateKeyType.Rsa)
            {
                return VerifyRsa(leaf, content, signature, hash, out alert);
            }

            return VerifyEcdsa(leaf, required, content, signature, hash, out alert);
        }
        catch (CryptographicException)
        {
            // A public key the platform cannot decode, or a signature it chokes on.
            alert = TlsAlert.DecryptError;
            return false;
        }
    }

    private static bool VerifyEcdsa(
        X509Certificate2 leaf,
        CertificateKeyType required,
        ReadOnlySpan<byte> content,
        ReadOnlySpan<byte> signature,
        HashAlgorithmName hash,
        out TlsAlert alert)
    {
        using ECDsa? key = CertificateKeyInfo.IsEcKey(leaf) ? leaf.GetECDsaPublicKey() : null;
        if (key is null || CertificateKeyInfo.ClassifyCurve(key) != required)
        {
            // §4.2.3: ecdsa_secp256r1_sha256 is only for P-256 keys, and so on.
            alert = TlsAlert.IllegalParameter;
            return false;
        }

        bool ok = key.VerifyData(content, signature, hash, DSASignatureFormat.Rfc3279DerSequence);
        alert = ok ? default : TlsAlert.DecryptError;
        return ok;
    }

    private static bool VerifyRsa(
        X509Certificate2 leaf,
        ReadOnlySpan<byte> content,
        ReadOnlySpan<byte> signature,
        HashAlgorithmName hash,
        out TlsAlert alert)
    {
        using RSA? key = CertificateKeyInfo.IsRsaKey(leaf) ? leaf.GetRSAPublicKey() : null;
        if (key is null)
        {
            alert = TlsAlert.IllegalParameter;
            return false;
        }

        if (key.KeySize < CertificateKeyInfo.MinimumRsaKeySize)
        {
            alert = TlsAlert.InsufficientSecurity;
            return false;
        }

        // RSASSA-PSS with MGF1 of the same hash and salt = hash length (§4.2.3) is exactly RSASignaturePadding.Pss.
        bool ok = key.VerifyData(content, signature, hash, RSASignaturePadding.Pss);
        alert = ok ? default : TlsAlert.DecryptError;
        return ok;
    }
}
