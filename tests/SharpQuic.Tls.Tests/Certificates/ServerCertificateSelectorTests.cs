using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Messages;

namespace SharpQuic.Tls.Tests.Certificates;

/// <summary>SNI-driven choice among the three SslServerAuthenticationOptions shapes.</summary>
public sealed class ServerCertificateSelectorTests
{
    [Fact]
    public void ServerCertificateIsUsedForAnyName()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["a.example"]);
        var options = new SslServerAuthenticationOptions { ServerCertificate = leaf };
        ServerCertificateSelection selection = ServerCertificateSelector.Select(options, "whatever.example");
        Assert.True(selection.IsSuccess);
        Assert.Same(leaf, selection.Certificate);
        Assert.Empty(selection.Intermediates);
    }

    [Fact]
    public void ServerCertificateContextSendsItsIntermediates()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(dnsNames: ["a.example"]);
        SslStreamCertificateContext context = SslStreamCertificateContext.Create(leaf, [TestPki.Intermediate], offline: true);
        var options = new SslServerAuthenticationOptions { ServerCertificateContext = context, ServerCertificate = TestPki.Root };
        ServerCertificateSelection selection = ServerCertificateSelector.Select(options, "a.example");
        Assert.True(selection.IsSuccess);
        Assert.Equal(leaf.Thumbprint, selection.Certificate!.Thumbprint);
        Assert.Contains(selection.Intermediates, c => c.Thumbprint == TestPki.Intermediate.Thumbprint);

        // The Certificate message carries leaf then intermediates, and decodes back into a valid chain.
        Certificate message = selection.ToCertificateMessage();
        Assert.Empty(message.Context);
        Assert.Equal(leaf.RawData, message.Entries[0].CertData);
        Assert.Equal(1 + selection.Intermediates.Count, message.Entries.Count);
        Assert.True(CertificateChain.TryCreate(message, CertificateRole.Server, true, null, out CertificateChain? chain, out _));
        using (chain)
        {
            var validation = new CertificateValidationOptions { TargetHost = "a.example", ChainPolicy = TestPki.TrustPolicy(TestPki.Root) };
            using CertificateValidationResult result = new CertificateValidator(validation).Validate(chain!);
            Assert.True(result.IsAccepted, result.ChainStatus.ToString());
        }
    }

    [Fact]
    public void SelectionCallbackChoosesByHostNameAndWins()
    {
        using X509Certificate2 a = TestPki.CreateLeaf(dnsNames: ["a.example"]);
        using X509Certificate2 b = TestPki.CreateLeaf(KeyKind.P384, dnsNames: ["b.example"]);
        var sender = new object();
        object? seenSender = null;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificate = TestPki.Root,
            ServerCertificateSelectionCallback = (s, host) =>
            {
                seenSender = s;
                return host switch { "a.example" => a, "b.example" => b, _ => null! };
            },
        };

        Assert.Same(a, ServerCertificateSelector.Select(options, "a.example", sender).Certificate);
        Assert.Same(sender, seenSender);
        Assert.Same(b, ServerCertificateSelector.Select(options, "b.example").Certificate);

        ServerCertificateSelection none = ServerCertificateSelector.Select(options, "c.example");
        Assert.False(none.IsSuccess);
        Assert.Equal(TlsAlert.HandshakeFailure, none.Alert);
        Assert.Throws<InvalidOperationException>(() => none.ToCertificateMessage());
    }

    [Fact]
    public void SelectionCallbackThatThrowsIsReported()
    {
        var boom = new InvalidOperationException("user code");
        var options = new SslServerAuthenticationOptions { ServerCertificateSelectionCallback = (_, _) => throw boom };
        ServerCertificateSelection selection = ServerCertificateSelector.Select(options, null);
        Assert.False(selection.IsSuccess);
        Assert.Same(boom, selection.CallbackException);
        Assert.Equal(TlsAlert.InternalError, selection.Alert);
    }

    [Fact]
    public void NoCertificateOrNoPrivateKeyFails()
    {
        ServerCertificateSelection nothing = ServerCertificateSelector.Select(new SslServerAuthenticationOptions(), "a.example");
        Assert.Equal(TlsAlert.HandshakeFailure, nothing.Alert);

        using X509Certificate2 publicOnly = X509CertificateLoader.LoadCertificate(TestPki.Intermediate.RawData);
        ServerCertificateSelection noKey = ServerCertificateSelector.Select(
            new SslServerAuthenticationOptions { ServerCertificate = publicOnly }, "a.example");
        Assert.False(noKey.IsSuccess);
        Assert.Equal(TlsAlert.InternalError, noKey.Alert);
    }

    [Fact]
    public void SelectedCertificateSignsAndTheClientVerifies()
    {
        using X509Certificate2 leaf = TestPki.CreateLeaf(KeyKind.Rsa2048, dnsNames: ["a.example"]);
        ServerCertificateSelection selection = ServerCertificateSelector.Select(
            new SslServerAuthenticationOptions { ServerCertificate = leaf }, "a.example");
        Assert.True(CertificateSigner.TryCreate(selection.Certificate!, out CertificateSigner? signer));
        byte[] hash = new byte[48];
        hash[0] = 7;
        using (signer)
        {
            Assert.True(signer!.TryCreateCertificateVerify(CertificateKeyInfo.VerifiableSchemes, CertificateRole.Server, hash, out CertificateVerify? cv, out _));
            Assert.Equal(SignatureScheme.RsaPssRsaeSha256, cv!.Algorithm);
            Assert.True(CertificateVerifier.TryVerify(leaf, cv, CertificateKeyInfo.VerifiableSchemes, CertificateRole.Server, hash, out _));
        }
    }
}
