using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Cli.Common;

/// <summary>The certificate a server command presents: loaded from PEM files, or a throwaway development one.</summary>
internal static class ServerCertificate
{
    /// <summary>
    /// Loads <c>--cert</c>/<c>--key</c> when both are given, makes a development certificate when neither is;
    /// returns null with <paramref name="error"/> set otherwise.
    /// </summary>
    public static X509Certificate2? Resolve(string? certPath, string? keyPath, out string? error)
    {
        error = null;
        if (certPath is null && keyPath is null)
        {
            return CreateDevelopment(TimeSpan.FromDays(14));
        }

        if (certPath is null || keyPath is null)
        {
            error = "--cert and --key go together";
            return null;
        }

        try
        {
            using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);

            // A key imported from PEM is ephemeral; on Linux TLS needs it re-imported from PKCS#12 to use it.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            error = $"cannot load the certificate: {e.Message}";
            return null;
        }
    }

    /// <summary>A self-signed ECDSA P-256 certificate for localhost, 127.0.0.1 and ::1.</summary>
    public static X509Certificate2 CreateDevelopment(TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 created = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(validity));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The SHA-256 fingerprint as colon-separated hex, as browsers and <c>openssl x509 -fingerprint</c> show it.</summary>
    public static string Fingerprint(X509Certificate2 certificate)
    {
        byte[] hash = certificate.GetCertHash(HashAlgorithmName.SHA256);
        return string.Join(':', Convert.ToHexString(hash).Chunk(2).Select(c => new string(c)));
    }
}
