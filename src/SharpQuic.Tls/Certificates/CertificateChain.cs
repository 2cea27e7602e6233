using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Tls.Messages;

namespace SharpQuic.Tls.Certificates;

/// <summary>Bounds on a peer's Certificate message, applied before any certificate is decoded.</summary>
internal sealed class CertificateLimits
{
    /// <summary>10 certificates and 64 KiB of cert_data: real chains are 2–4 certificates of 1–2 KiB.</summary>
    public static CertificateLimits Default { get; } = new();

    /// <summary>Most certificates accepted in one chain, leaf included.</summary>
    public int MaxCertificates { get; init; } = 10;

    /// <summary>Most bytes of cert_data accepted in one chain, summed over the entries.</summary>
    public int MaxTotalBytes { get; init; } = 64 * 1024;
}

/// <summary>
/// The peer's certificates decoded from a Certificate message (RFC 8446bis §4.4.2): the end-entity certificate
/// first, then the certificates that may help build a path (they are only hints, §4.4.2: order is not relied on).
/// Owns and disposes the <see cref="X509Certificate2"/> objects it loaded. Empty when a client sent no
/// certificate and none was required.
/// </summary>
internal sealed class CertificateChain : IDisposable
{
    private readonly bool _ownsCertificates;

    private CertificateChain(X509Certificate2? leaf, X509Certificate2Collection intermediates, bool ownsCertificates)
    {
        Leaf = leaf;
        Intermediates = intermediates;
        _ownsCertificates = ownsCertificates;
    }

    /// <summary>The end-entity certificate; null for an empty chain.</summary>
    public X509Certificate2? Leaf { get; }

    /// <summary>The other certificates the peer sent, in its order (the X509Chain ExtraStore).</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>True when the peer sent no certificate.</summary>
    public bool IsEmpty => Leaf is null;

    /// <summary>An empty chain (a client that sent none, when that is allowed).</summary>
    public static CertificateChain CreateEmpty() => new(null, [], ownsCertificates: false);

    /// <summary>A chain over certificates the caller keeps owning (tests, or the runtime re-validating).</summary>
    public static CertificateChain FromCertificates(X509Certificate2 leaf, X509Certificate2Collection? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        return new CertificateChain(leaf, intermediates ?? [], ownsCertificates: false);
    }

    /// <summary>
    /// Decodes the certificate_list of <paramref name="message"/> sent by <paramref name="sender"/>.
    /// An empty list from a server → decode_error (§4.4.2.4); from a client → certificate_required when
    /// <paramref name="certificateRequired"/>, else an empty chain. More than <see cref="CertificateLimits.MaxCertificates"/>
    /// certificates or <see cref="CertificateLimits.MaxTotalBytes"/> bytes → bad_certificate, checked before decoding;
    /// cert_data that is not exactly one DER X.509 certificate → bad_certificate. The certificate_request_context
    /// and the entry extensions are the handshake's checks.
    /// </summary>
    public static bool TryCreate(
        Certificate message,
        CertificateRole sender,
        bool certificateRequired,
        CertificateLimits? limits,
        out CertificateChain? chain,
        out TlsAlert alert)
    {
        ArgumentNullException.ThrowIfNull(message);
        limits ??= CertificateLimits.Default;
        chain = null;
        List<CertificateEntry> entries = message.Entries;
        if (entries.Count == 0)
        {
            if (sender == CertificateRole.Server)
            {
                alert = TlsAlert.DecodeError;
                return false;
            }

            if (certificateRequired)
            {
                alert = TlsAlert.CertificateRequired;
                return false;
            }

            chain = CreateEmpty();
            alert = default;
            return true;
        }

        if (entries.Count > limits.MaxCertificates)
        {
            alert = TlsAlert.BadCertificate;
            return false;
        }

        long total = 0;
        foreach (CertificateEntry entry in entries)
        {
            total += entry.CertData.Length;
        }

        if (total > limits.MaxTotalBytes)
        {
            alert = TlsAlert.BadCertificate;
            return false;
        }

        var loaded = new X509Certificate2Collection();
        foreach (CertificateEntry entry in entries)
        {
            if (!TryLoad(entry.CertData, out X509Certificate2? certificate))
            {
                foreach (X509Certificate2 c in loaded)
                {
                    c.Dispose();
                }

                alert = TlsAlert.BadCertificate;
                return false;
            }

            loaded.Add(certificate!);
        }

        X509Certificate2 leaf = loaded[0];
        loaded.RemoveAt(0);
        chain = new CertificateChain(leaf, loaded, ownsCertificates: true);
        alert = default;
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_ownsCertificates)
        {
            return;
        }

        Leaf?.Dispose();
        foreach (X509Certificate2 c in Intermediates)
        {
            c.Dispose();
        }
    }

    /// <summary>Exactly one DER SEQUENCE filling cert_data, then the platform decoder. The loader alone also takes PEM
    /// and ignores trailing bytes, neither of which is valid cert_data (§4.4.2: "DER-encoded X.509v3").</summary>
    internal static bool TryLoad(byte[] certData, out X509Certificate2? certificate)
    {
        certificate = null;
        try
        {
            Asn1Tag tag = AsnDecoder.ReadEncodedValue(certData, AsnEncodingRules.DER, out _, out _, out int consumed);
            if (consumed != certData.Length || !tag.HasSameClassAndValue(Asn1Tag.Sequence) || !tag.IsConstructed)
            {
                return false;
            }

            certificate = X509CertificateLoader.LoadCertificate(certData);
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
