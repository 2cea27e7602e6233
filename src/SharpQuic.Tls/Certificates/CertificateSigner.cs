using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Tls.Messages;

namespace SharpQuic.Tls.Certificates;

/// <summary>
/// Makes our CertificateVerify (RFC 8446bis §4.4.3) with the private key of our end-entity certificate.
/// ECDSA P-256/P-384/P-521 sign DER (Rfc3279DerSequence) signatures; RSA keys (≥ 2048 bits) sign RSASSA-PSS
/// with salt = hash length (what <see cref="RSASignaturePadding.Pss"/> does) and never PKCS#1 v1.5 (§4.2.3).
/// Create one per handshake (or cache per certificate); it owns the key object it takes from the certificate.
/// </summary>
internal sealed class CertificateSigner : IDisposable
{
    private readonly ECDsa? _ecdsa;
    private readonly RSA? _rsa;

    private CertificateSigner(X509Certificate2 certificate, CertificateKeyType keyType, ECDsa? ecdsa, RSA? rsa)
    {
        Certificate = certificate;
        KeyType = keyType;
        _ecdsa = ecdsa;
        _rsa = rsa;
        MaxSignatureSize = ecdsa is not null
            ? ecdsa.GetMaxSignatureSize(DSASignatureFormat.Rfc3279DerSequence)
            : (rsa!.KeySize + 7) / 8;
    }

    /// <summary>The certificate whose key signs (not owned).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The kind of key, which fixes the usable schemes.</summary>
    public CertificateKeyType KeyType { get; }

    /// <summary>The longest signature this key makes, for sizing a destination buffer.</summary>
    public int MaxSignatureSize { get; }

    /// <summary>Our schemes for this key, best first.</summary>
    public ReadOnlySpan<SignatureScheme> PreferredSchemes => CertificateKeyInfo.SchemesFor(KeyType);

    /// <summary>
    /// A signer for <paramref name="certificate"/>, or false when it has no private key we can use: no key, an
    /// unsupported curve or algorithm, or RSA below <see cref="CertificateKeyInfo.MinimumRsaKeySize"/> bits. The
    /// handshake turns false into internal_error (it is our configuration, not the peer's fault).
    /// </summary>
    public static bool TryCreate(X509Certificate2 certificate, out CertificateSigner? signer)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        signer = null;
        if (!certificate.HasPrivateKey)
        {
            return false;
        }

        try
        {
            if (CertificateKeyInfo.IsEcKey(certificate))
            {
                ECDsa? ecdsa = certificate.GetECDsaPrivateKey();
                if (ecdsa is null)
                {
                    return false;
                }

                CertificateKeyType type = CertificateKeyInfo.ClassifyCurve(ecdsa);
                if (type == CertificateKeyType.Unsupported)
                {
                    ecdsa.Dispose();
                    return false;
                }

                signer = new CertificateSigner(certificate, type, ecdsa, null);
                return true;
            }

            if (CertificateKeyInfo.IsRsaKey(certificate))
            {
                RSA? rsa = certificate.GetRSAPrivateKey();
                if (rsa is null)
                {
                    return false;
                }

                if (rsa.KeySize < CertificateKeyInfo.MinimumRsaKeySize)
                {
                    rsa.Dispose();
                    return false;
                }

                signer = new CertificateSigner(certificate, CertificateKeyType.Rsa, null, rsa);
                return true;
            }
        }
        catch (CryptographicException)
        {
            // A key that cannot be opened (e.g. a provider refusing export of parameters) is unusable.
        }

        return false;
    }

    /// <summary>
    /// Picks the first of our schemes for this key that the peer listed (the client's signature_algorithms, or
    /// the CertificateRequest's, §4.4.3). None in common → handshake_failure.
    /// </summary>
    public bool TrySelectScheme(ReadOnlySpan<SignatureScheme> peerSchemes, out SignatureScheme scheme, out TlsAlert alert)
    {
        foreach (SignatureScheme ours in PreferredSchemes)
        {
            if (peerSchemes.Contains(ours))
            {
                scheme = ours;
                alert = default;
                return true;
            }
        }

        scheme = default;
        alert = TlsAlert.HandshakeFailure;
        return false;
    }

    /// <summary>
    /// Signs the CertificateVerify content for <paramref name="role"/> (our role) over
    /// <paramref name="transcriptHash"/> = Transcript-Hash(…, Certificate). A scheme that does not fit this key, or
    /// a key that fails to sign, gives internal_error: both are local faults.
    /// </summary>
    public bool TrySign(
        SignatureScheme scheme,
        CertificateRole role,
        ReadOnlySpan<byte> transcriptHash,
        Span<byte> destination,
        out int bytesWritten,
        out TlsAlert alert)
    {
        bytesWritten = 0;
        if (CertificateKeyInfo.RequiredKeyType(scheme) != KeyType)
        {
            alert = TlsAlert.InternalError;
            return false;
        }

        Span<byte> content = stackalloc byte[CertificateVerifyContent.MaxLength];
        int length = CertificateVerifyContent.Build(role, transcriptHash, content);
        content = content[..length];
        HashAlgorithmName hash = CertificateKeyInfo.HashOf(scheme);
        bool signed;
        try
        {
            signed = _ecdsa is not null
                ? _ecdsa.TrySignData(content, destination, hash, DSASignatureFormat.Rfc3279DerSequence, out bytesWritten)
                : _rsa!.TrySignData(content, destination, hash, RSASignaturePadding.Pss, out bytesWritten);
        }
        catch (CryptographicException)
        {
            signed = false;
        }

        alert = signed ? default : TlsAlert.InternalError;
        return signed;
    }

    /// <summary>
    /// The whole step a handshake needs: choose a scheme from <paramref name="peerSchemes"/>, sign, and wrap the
    /// result as a <see cref="CertificateVerify"/> message. handshake_failure when no scheme is shared.
    /// </summary>
    public bool TryCreateCertificateVerify(
        ReadOnlySpan<SignatureScheme> peerSchemes,
        CertificateRole role,
        ReadOnlySpan<byte> transcriptHash,
        out CertificateVerify? message,
        out TlsAlert alert)
    {
        message = null;
        if (!TrySelectScheme(peerSchemes, out SignatureScheme scheme, out alert))
        {
            return false;
        }

        byte[] signature = new byte[MaxSignatureSize];
        if (!TrySign(scheme, role, transcriptHash, signature, out int written, out alert))
        {
            return false;
        }

        message = new CertificateVerify(scheme, written == signature.Length ? signature : signature[..written]);
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _ecdsa?.Dispose();
        _rsa?.Dispose();
    }
}
