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

    /// <summary>A development certificate (see <see cref="Cert.DevelopmentCertificate"/>), its key made persistable for TLS.</summary>
    public static X509Certificate2 CreateDevelopment(TimeSpan validity)
    {
        using X509Certificate2 created = Cert.DevelopmentCertificate.Create(validity);
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The SHA-256 fingerprint as colon-separated hex, as browsers and <c>openssl x509 -fingerprint</c> show it.</summary>
    public static string Fingerprint(X509Certificate2 certificate)
    {
        byte[] hash = certificate.GetCertHash(HashAlgorithmName.SHA256);
        return string.Join(':', Convert.ToHexString(hash).Chunk(2).Select(c => new string(c)));
    }
}
