using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Cli.Cert;

namespace SharpQuic.Cli.Tests;

public sealed class CertCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "sharpquic-cert-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void The_certificate_names_localhost_and_both_loopback_addresses()
    {
        using var cert = DevelopmentCertificate.Create(TimeSpan.FromDays(14));
        Assert.Equal("CN=localhost", cert.Subject);
        Assert.Equal(cert.Subject, cert.Issuer);

        var san = Assert.Single(cert.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["localhost"], san.EnumerateDnsNames().ToArray());
        IPAddress[] ips = san.EnumerateIPAddresses().ToArray();
        Assert.Equal(2, ips.Length);
        Assert.Contains(IPAddress.Loopback, ips);
        Assert.Contains(IPAddress.IPv6Loopback, ips);
        Assert.True(cert.MatchesHostname("localhost"));
        Assert.True(cert.MatchesHostname("127.0.0.1"));
        Assert.True(cert.MatchesHostname("::1"));
        Assert.False(cert.MatchesHostname("example.com"));
    }

    [Fact]
    public void The_key_is_ECDSA_P256_and_signs()
    {
        using var cert = DevelopmentCertificate.Create(TimeSpan.FromDays(1));
        Assert.Null(cert.GetRSAPublicKey());
        using ECDsa? key = cert.GetECDsaPrivateKey();
        Assert.NotNull(key);
        Assert.Equal(256, key.KeySize);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, key.ExportParameters(false).Curve.Oid.Value);

        byte[] data = "signed by the development key"u8.ToArray();
        byte[] signature = key.SignData(data, HashAlgorithmName.SHA256);
        using ECDsa publicKey = cert.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(data, signature, HashAlgorithmName.SHA256));
    }

    [Fact]
    public void Validity_starts_an_hour_ago_and_lasts_the_requested_days()
    {
        DateTime before = DateTime.UtcNow;
        using var cert = DevelopmentCertificate.Create(TimeSpan.FromDays(14));
        DateTime after = DateTime.UtcNow;

        DateTime notBefore = cert.NotBefore.ToUniversalTime();
        DateTime notAfter = cert.NotAfter.ToUniversalTime();
        Assert.InRange(notBefore, before.AddHours(-1).AddSeconds(-1), after.AddHours(-1));
        Assert.Equal(TimeSpan.FromDays(14), notAfter - notBefore);

        using var shorter = DevelopmentCertificate.Create(TimeSpan.FromDays(3));
        Assert.Equal(TimeSpan.FromDays(3), shorter.NotAfter - shorter.NotBefore);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(14 * 24 * 60 + 1)]
    public void More_than_14_days_or_nothing_is_refused(int minutes)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DevelopmentCertificate.Create(TimeSpan.FromMinutes(minutes)));
    }

    [Fact]
    public void The_command_writes_PEM_files_and_prints_the_hash_of_the_written_certificate()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int rc = CertCommand.Run(["--out", _dir, "--days", "5"], output, error);
        Assert.Equal(0, rc);
        Assert.Equal("", error.ToString());

        string certPem = File.ReadAllText(Path.Combine(_dir, "cert.pem"));
        string keyPem = File.ReadAllText(Path.Combine(_dir, "key.pem"));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", certPem, StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", keyPem, StringComparison.Ordinal);   // PKCS#8

        using var fromFiles = X509Certificate2.CreateFromPem(certPem, keyPem);
        Assert.True(fromFiles.HasPrivateKey);
        Assert.Equal(TimeSpan.FromDays(5), fromFiles.NotAfter - fromFiles.NotBefore);

        byte[] hash = SHA256.HashData(fromFiles.RawData);
        string[] lines = output.ToString().Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("sha256 hex:    " + Convert.ToHexStringLower(hash), lines);
        Assert.Contains("sha256 base64: " + Convert.ToBase64String(hash), lines);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "key.pem")));
        }
    }

    [Theory]
    [InlineData("--days", "15")]
    [InlineData("--days", "0")]
    [InlineData("--days", "x")]
    [InlineData("--bogus")]
    public void Bad_arguments_are_refused_with_usage(params string[] extra)
    {
        var error = new StringWriter();
        int rc = CertCommand.Run(["--out", _dir, .. extra], TextWriter.Null, error);
        Assert.Equal(2, rc);
        Assert.NotEqual("", error.ToString());
        Assert.False(File.Exists(Path.Combine(_dir, "cert.pem")));
    }

    [Fact]
    public void Without_out_the_command_prints_usage()
    {
        var error = new StringWriter();
        Assert.Equal(2, CertCommand.Run([], TextWriter.Null, error));
        Assert.Contains(CertCommand.Usage, error.ToString());
    }
}
