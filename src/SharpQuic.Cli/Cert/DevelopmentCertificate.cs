using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Cli.Cert;

/// <summary>
/// A self-signed development certificate for localhost: ECDSA P-256, SAN DNS:localhost,
/// IP:127.0.0.1 and IP:::1, valid from one hour ago for at most <see cref="MaximumValidity"/>.
/// </summary>
/// <remarks>
/// ECDSA P-256 and at most 14 days because WebTransport's <c>serverCertificateHashes</c>
/// accepts only such certificates (no RSA, validity of two weeks or less); a certificate that
/// satisfies that rule is also accepted by every other peer we test against.
/// </remarks>
internal static class DevelopmentCertificate
{
    /// <summary>The longest validity allowed: 14 days (WebTransport serverCertificateHashes).</summary>
    public static readonly TimeSpan MaximumValidity = TimeSpan.FromDays(14);

    /// <summary>The default validity: the maximum.</summary>
    public static readonly TimeSpan DefaultValidity = MaximumValidity;

    /// <summary>How far before now the certificate becomes valid, to tolerate clock skew between peers.</summary>
    public static readonly TimeSpan Backdate = TimeSpan.FromHours(1);

    /// <summary>The file name of the certificate written by <see cref="WritePem"/>.</summary>
    public const string CertificateFileName = "cert.pem";

    /// <summary>The file name of the PKCS#8 private key written by <see cref="WritePem"/>.</summary>
    public const string KeyFileName = "key.pem";

    /// <summary>
    /// Creates the certificate with its private key. Its validity is counted from the moment it
    /// becomes valid (now − <see cref="Backdate"/>), so it never exceeds <see cref="MaximumValidity"/>
    /// in total.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">validity is not positive or exceeds 14 days.</exception>
    public static X509Certificate2 Create(TimeSpan validity)
    {
        if (validity <= TimeSpan.Zero || validity > MaximumValidity)
        {
            throw new ArgumentOutOfRangeException(nameof(validity), validity, "The validity must be more than zero and at most 14 days.");
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);

        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        // Whole seconds: X.509 times carry no fractions, and a certificate whose stated period
        // came out a fraction longer than asked could break the 14-day rule after rounding.
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset notBefore = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero) - Backdate;
        DateTimeOffset notAfter = notBefore + TimeSpan.FromSeconds(Math.Floor(validity.TotalSeconds));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    /// <summary>
    /// Writes <c>dir/cert.pem</c> (the certificate) and <c>dir/key.pem</c> (its PKCS#8 private key),
    /// creating <paramref name="dir"/> if needed. The key file is readable by its owner only on Unix.
    /// </summary>
    /// <exception cref="ArgumentException">The certificate has no ECDSA private key.</exception>
    public static void WritePem(X509Certificate2 certificate, string dir)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentException.ThrowIfNullOrEmpty(dir);
        using ECDsa key = certificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException("The certificate has no ECDSA private key.", nameof(certificate));

        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, CertificateFileName), certificate.ExportCertificatePem() + "\n");

        string keyPath = Path.Combine(dir, KeyFileName);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(keyPath, options);
        using var writer = new StreamWriter(stream);
        writer.Write(key.ExportPkcs8PrivateKeyPem());
        writer.Write('\n');
    }

    /// <summary>The SHA-256 of the certificate's DER encoding (what serverCertificateHashes compares).</summary>
    public static byte[] Sha256(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return SHA256.HashData(certificate.RawData);
    }
}
