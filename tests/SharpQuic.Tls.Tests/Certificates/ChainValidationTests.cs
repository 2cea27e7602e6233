using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Tls.Certificates;

namespace SharpQuic.Tls.Tests.Certificates;

/// <summary>Chain, host name, callback and pinning decisions of <see cref="CertificateValidator"/>.</summary>
public sealed class ChainValidationTests
{
    private static CertificateValidationResult Validate(
        X509Certificate2 leaf,
        string? host,
        bool sendIntermediate = true,
        X509Certificate2? trustedRoot = null,
        RemoteCertificateValidationCallback? callback = null,
        IReadOnlyList<byte[]>? pins = null,
        CertificateRole peer = CertificateRole.Server)
    {
        var options = new CertificateValidationOptions
        {
            PeerRole = peer,
            TargetHost = host,
            ChainPolicy = TestPki.TrustPolicy(trustedRoot ?? TestPki.Root),
            ValidationCallback = callback,
            PinnedCertificateHashes = pins,
        };
        using CertificateChain chain = CertificateChain.FromCertificates(
            leaf, sendIntermediate ? [TestPki.Intermediate] : null);
        return new CertificateValidator(options).Validate(chain);
    }

    [Fact]
    public void ValidChainIsAccepted()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        using CertificateValidationResult result = Validate(leaf, "quic.example");
        Assert.Equal(CertificateValidationOutcome.Accepted, result.Outcome);
        Assert.Equal(SslPolicyErrors.None, result.PolicyErrors);
        Assert.NotNull(result.Chain);
        Assert.Equal(3, result.Chain!.ChainElements.Count);
        Assert.Equal(TestPki.Root.Thumbprint, result.Chain.ChainElements[2].Certificate.Thumbprint);
    }

    [Theory]
    [InlineData(KeyKind.P384)]
    [InlineData(KeyKind.Rsa2048)]
    public void ValidChainWithOtherLeafKeysIsAccepted(KeyKind kind)
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(kind, dnsNames: ["quic.example"]);
        using CertificateValidationResult result = Validate(leaf, "quic.example");
        Assert.True(result.IsAccepted, result.ChainStatus.ToString());
    }

    [Fact]
    public void MissingIntermediateFailsAsUnknownCa()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        using CertificateValidationResult result = Validate(leaf, "quic.example", sendIntermediate: false);
        Assert.Equal(CertificateValidationOutcome.Rejected, result.Outcome);
        Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, result.PolicyErrors);
        Assert.Equal(TlsAlert.UnknownCa, result.Alert);
    }

    [Fact]
    public void UntrustedRootIsUnknownCa()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        using CertificateValidationResult result = Validate(leaf, "quic.example", trustedRoot: TestPki.OtherRoot);
        Assert.False(result.IsAccepted);
        Assert.True((result.ChainStatus & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0);
        Assert.Equal(TlsAlert.UnknownCa, result.Alert);
    }

    [Fact]
    public void ExpiredLeafIsCertificateExpired()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(
            dnsNames: ["quic.example"], notBefore: TestPki.Now.AddDays(-30), notAfter: TestPki.Now.AddDays(-1));
        using CertificateValidationResult result = Validate(leaf, "quic.example");
        Assert.False(result.IsAccepted);
        Assert.True((result.ChainStatus & X509ChainStatusFlags.NotTimeValid) != 0);
        Assert.Equal(TlsAlert.CertificateExpired, result.Alert);
    }

    [Fact]
    public void NotYetValidLeafIsCertificateExpired()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(
            dnsNames: ["quic.example"], notBefore: TestPki.Now.AddDays(2), notAfter: TestPki.Now.AddDays(30));
        using CertificateValidationResult result = Validate(leaf, "quic.example");
        Assert.False(result.IsAccepted);
        Assert.Equal(TlsAlert.CertificateExpired, result.Alert);
    }

    [Fact]
    public void WrongEkuIsBadCertificate()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"], eku: TestPki.ClientAuth);
        using CertificateValidationResult result = Validate(leaf, "quic.example");
        Assert.False(result.IsAccepted);
        Assert.True((result.ChainStatus & X509ChainStatusFlags.NotValidForUsage) != 0);
        Assert.Equal(TlsAlert.BadCertificate, result.Alert);

        // The same certificate is a fine client certificate (no name check for clients).
        using CertificateValidationResult asClient = Validate(leaf, null, peer: CertificateRole.Client);
        Assert.True(asClient.IsAccepted, asClient.ChainStatus.ToString());
    }

    [Fact]
    public void ServerLeafIsNotAClientCertificate()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        using CertificateValidationResult result = Validate(leaf, null, peer: CertificateRole.Client);
        Assert.False(result.IsAccepted);
        Assert.Equal(TlsAlert.BadCertificate, result.Alert);
    }

    [Fact]
    public void WrongHostIsNameMismatch()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        using CertificateValidationResult result = Validate(leaf, "other.example");
        Assert.False(result.IsAccepted);
        Assert.Equal(SslPolicyErrors.RemoteCertificateNameMismatch, result.PolicyErrors);
        Assert.Equal(TlsAlert.CertificateUnknown, result.Alert);
    }

    [Fact]
    public void ChainErrorTakesPrecedenceOverNameMismatchForTheAlert()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        using CertificateValidationResult result = Validate(leaf, "other.example", trustedRoot: TestPki.OtherRoot);
        Assert.Equal(SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors, result.PolicyErrors);
        Assert.Equal(TlsAlert.UnknownCa, result.Alert);
    }

    [Theory]
    [InlineData("a.example.com", true)]
    [InlineData("A.EXAMPLE.COM", true)]
    [InlineData("a.example.com.", true)]
    [InlineData("a.b.example.com", false)]
    [InlineData("example.com", false)]
    [InlineData(".example.com", false)]
    [InlineData("aexample.com", false)]
    public void WildcardCoversExactlyOneLeftMostLabel(string host, bool expected)
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["*.example.com"]);
        using CertificateValidationResult result = Validate(leaf, host);
        Assert.Equal(expected, result.IsAccepted);
        Assert.Equal(expected ? SslPolicyErrors.None : SslPolicyErrors.RemoteCertificateNameMismatch, result.PolicyErrors);
    }

    [Theory]
    [InlineData("192.0.2.7", true)]
    [InlineData("192.0.2.8", false)]
    [InlineData("2001:db8::7", true)]
    [InlineData("[2001:db8::7]", true)]
    [InlineData("2001:db8:0:0:0:0:0:7", true)]
    [InlineData("2001:db8::8", false)]
    [InlineData("::ffff:192.0.2.7", false)]
    [InlineData("ip.example", true)]
    public void IpAddressesMatchOnlyIpSans(string host, bool expected)
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(
            dnsNames: ["ip.example"], ipAddresses: [IPAddress.Parse("192.0.2.7"), IPAddress.Parse("2001:db8::7")]);
        using CertificateValidationResult result = Validate(leaf, host);
        Assert.Equal(expected, result.IsAccepted);
    }

    [Fact]
    public void CallbackCanAcceptAChainWithErrors()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        SslPolicyErrors seen = SslPolicyErrors.None;
        X509Certificate? seenCert = null;
        object? seenSender = null;
        var sender = new object();
        var options = new CertificateValidationOptions
        {
            TargetHost = "wrong.example",
            ChainPolicy = TestPki.TrustPolicy(TestPki.OtherRoot),
            ValidationCallback = (s, cert, chain, errors) =>
            {
                seenSender = s;
                seenCert = cert;
                seen = errors;
                Assert.NotNull(chain);
                return true;
            },
        };
        using CertificateChain certificates = CertificateChain.FromCertificates(leaf, [TestPki.Intermediate]);
        using CertificateValidationResult result = new CertificateValidator(options).Validate(certificates, sender);
        Assert.True(result.IsAccepted);
        Assert.Same(sender, seenSender);
        Assert.Same(leaf, seenCert);
        Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch, seen);
        Assert.Equal(seen, result.PolicyErrors);
    }

    [Fact]
    public void CallbackCanRejectAValidChain()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        using CertificateValidationResult result = Validate(leaf, "quic.example", callback: (_, _, _, errors) => false);
        Assert.Equal(CertificateValidationOutcome.Rejected, result.Outcome);
        Assert.Equal(SslPolicyErrors.None, result.PolicyErrors);
        Assert.Equal(TlsAlert.BadCertificate, result.Alert);
    }

    [Fact]
    public void CallbackRejectingAnErrorKeepsTheErrorsAlert()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(
            dnsNames: ["quic.example"], notBefore: TestPki.Now.AddDays(-30), notAfter: TestPki.Now.AddDays(-1));
        using CertificateValidationResult result = Validate(leaf, "quic.example", callback: (_, _, _, _) => false);
        Assert.Equal(TlsAlert.CertificateExpired, result.Alert);
    }

    [Fact]
    public void CallbackThatThrowsIsADistinctOutcome()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        var boom = new InvalidOperationException("user code");
        using CertificateValidationResult result = Validate(leaf, "quic.example", callback: (_, _, _, _) => throw boom);
        Assert.Equal(CertificateValidationOutcome.CallbackFailed, result.Outcome);
        Assert.False(result.IsAccepted);
        Assert.Same(boom, result.CallbackException);
        Assert.Equal(TlsAlert.InternalError, result.Alert);
    }

    [Fact]
    public void PinnedLeafIsAcceptedWithoutAChainOrName()
    {
        // Self-signed, untrusted, no SAN for the host: only the pin vouches for it.
        using X509Certificate2 leaf = TestPki.CreateSelfSigned(KeyKind.P256);
        byte[] pin = SHA256.HashData(leaf.RawData);
        byte[] otherPin = SHA256.HashData(TestPki.Root.RawData);
        using CertificateValidationResult result = Validate(leaf, "anything.example", sendIntermediate: false, pins: [otherPin, pin]);
        Assert.True(result.IsAccepted);
        Assert.Null(result.Chain);
        Assert.Equal(SslPolicyErrors.None, result.PolicyErrors);
    }

    [Fact]
    public void UnpinnedLeafIsRejectedEvenWithAValidChain()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        byte[] pin = SHA256.HashData(leaf.RawData);
        pin[0] ^= 1;
        using CertificateValidationResult result = Validate(leaf, "quic.example", pins: [pin]);
        Assert.False(result.IsAccepted);
        Assert.Equal(SslPolicyErrors.RemoteCertificateChainErrors, result.PolicyErrors);
        Assert.Equal(TlsAlert.UnknownCa, result.Alert);
    }

    [Fact]
    public void PinnedButExpiredLeafIsCertificateExpired()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(
            dnsNames: ["quic.example"], notBefore: TestPki.Now.AddDays(-30), notAfter: TestPki.Now.AddDays(-1));
        using CertificateValidationResult result = Validate(leaf, "quic.example", pins: [SHA256.HashData(leaf.RawData)]);
        Assert.False(result.IsAccepted);
        Assert.Equal(TlsAlert.CertificateExpired, result.Alert);
    }

    [Fact]
    public void VerificationTimeIsHonoured()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(
            dnsNames: ["quic.example"], notBefore: TestPki.Now.AddDays(-30), notAfter: TestPki.Now.AddDays(-1));
        var options = new CertificateValidationOptions
        {
            TargetHost = "quic.example",
            ChainPolicy = TestPki.TrustPolicy(TestPki.Root),
            VerificationTime = TestPki.Now.AddDays(-10).UtcDateTime,
        };
        using CertificateChain chain = CertificateChain.FromCertificates(leaf, [TestPki.Intermediate]);
        using CertificateValidationResult result = new CertificateValidator(options).Validate(chain);
        Assert.True(result.IsAccepted, result.ChainStatus.ToString());
    }

    [Fact]
    public void MissingClientCertificateFollowsClientCertificateRequired()
    {
        using CertificateChain empty = CertificateChain.CreateEmpty();
        var optional = new CertificateValidationOptions { PeerRole = CertificateRole.Client, CertificateRequired = false };
        using (CertificateValidationResult result = new CertificateValidator(optional).Validate(empty))
        {
            Assert.True(result.IsAccepted);
        }

        var required = new CertificateValidationOptions { PeerRole = CertificateRole.Client, CertificateRequired = true };
        using (CertificateValidationResult result = new CertificateValidator(required).Validate(empty))
        {
            Assert.False(result.IsAccepted);
            Assert.Equal(SslPolicyErrors.RemoteCertificateNotAvailable, result.PolicyErrors);
            Assert.Equal(TlsAlert.CertificateRequired, result.Alert);
        }

        // With a callback, SslStream shows it the missing certificate and lets it decide.
        SslPolicyErrors seen = SslPolicyErrors.None;
        var withCallback = new CertificateValidationOptions
        {
            PeerRole = CertificateRole.Client,
            CertificateRequired = false,
            ValidationCallback = (_, cert, _, errors) =>
            {
                seen = errors;
                return cert is null;
            },
        };
        using (CertificateValidationResult result = new CertificateValidator(withCallback).Validate(empty))
        {
            Assert.True(result.IsAccepted);
            Assert.Equal(SslPolicyErrors.RemoteCertificateNotAvailable, seen);
        }
    }

    [Fact]
    public void OptionsComeFromSslClientAuthenticationOptions()
    {
        RemoteCertificateValidationCallback callback = (_, _, _, _) => true;
        var ssl = new SslClientAuthenticationOptions
        {
            TargetHost = "quic.example",
            RemoteCertificateValidationCallback = callback,
            CertificateRevocationCheckMode = X509RevocationMode.Offline,
            CertificateChainPolicy = TestPki.TrustPolicy(TestPki.Root),
        };
        CertificateValidationOptions options = CertificateValidationOptions.ForServerCertificate(ssl);
        Assert.Equal(CertificateRole.Server, options.PeerRole);
        Assert.Equal("quic.example", options.TargetHost);
        Assert.Same(callback, options.ValidationCallback);
        Assert.Equal(X509RevocationMode.Offline, options.RevocationMode);
        Assert.Same(ssl.CertificateChainPolicy, options.ChainPolicy);

        var server = new SslServerAuthenticationOptions { ClientCertificateRequired = true };
        CertificateValidationOptions clientOptions = CertificateValidationOptions.ForClientCertificate(server);
        Assert.Equal(CertificateRole.Client, clientOptions.PeerRole);
        Assert.True(clientOptions.CertificateRequired);
        Assert.Equal(X509RevocationMode.NoCheck, clientOptions.RevocationMode);
    }

    [Fact]
    public void UserPolicyIsNotModified()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        X509ChainPolicy policy = TestPki.TrustPolicy(TestPki.Root);
        var options = new CertificateValidationOptions { TargetHost = "quic.example", ChainPolicy = policy };
        using CertificateChain chain = CertificateChain.FromCertificates(leaf, [TestPki.Intermediate]);
        using CertificateValidationResult result = new CertificateValidator(options).Validate(chain);
        Assert.True(result.IsAccepted);
        Assert.Empty(policy.ExtraStore);
        Assert.Empty(policy.ApplicationPolicy);
    }

    [Fact]
    public void DisposingTheResultReleasesChainElementsButNotThePeersCertificates()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["quic.example"]);
        CertificateValidationResult result = Validate(leaf, "quic.example");
        X509Certificate2 element = result.Chain!.ChainElements[1].Certificate;
        Assert.NotEmpty(element.Thumbprint);
        result.Dispose();
        Assert.Null(result.Chain);
        Assert.ThrowsAny<CryptographicException>(() => element.RawData);
        Assert.NotEmpty(leaf.Thumbprint);
        Assert.NotEmpty(TestPki.Intermediate.RawData);

        // A detached chain is the caller's.
        using CertificateValidationResult kept = Validate(leaf, "quic.example");
        using X509Chain? chain = kept.DetachChain();
        kept.Dispose();
        Assert.NotEmpty(chain!.ChainElements[1].Certificate.RawData);
    }
}
