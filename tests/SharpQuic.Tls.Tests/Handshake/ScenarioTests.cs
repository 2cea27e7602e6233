using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Handshake;
using SharpQuic.Tls.KeyLog;
using SharpQuic.Tls.Messages;
using SharpQuic.Tls.Tests.Certificates;

namespace SharpQuic.Tls.Tests.Handshake;

public sealed class ScenarioTests
{
    [Fact]
    public void HelloRetryRequest_WhenServerPrefersAGroupWithoutShare()
    {
        using var pair = new HandshakePair(
            HandshakePair.ClientOptions(keyShares: [NamedGroup.X25519]),
            HandshakePair.ServerOptionsFor(groups: [NamedGroup.X25519MlKem768, NamedGroup.X25519]));
        pair.Run();

        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.True(pair.Server.IsHandshakeComplete);
        Assert.Equal(NamedGroup.X25519MlKem768, pair.Client.NegotiatedGroup);
        pair.AssertSecretsMatch();

        // ClientHello, HelloRetryRequest, ClientHello again.
        Assert.True(ServerHello.TryParse(pair.Sent[1].Bytes.AsSpan(4), out ServerHello? hrr, out _));
        Assert.True(hrr!.IsHelloRetryRequest);
        Assert.Equal(Direction.ClientToServer, pair.Sent[2].Direction);
        Assert.Equal(pair.Client.ExportKeyingMaterial("x", [], 16), pair.Server.ExportKeyingMaterial("x", [], 16));
    }

    [Fact]
    public void NoRetry_WhenServerCanUseASentShare()
    {
        using var pair = new HandshakePair(
            HandshakePair.ClientOptions(groups: [NamedGroup.X25519], keyShares: [NamedGroup.X25519]),
            HandshakePair.ServerOptionsFor(groups: [NamedGroup.X25519MlKem768, NamedGroup.X25519]));
        pair.Run();

        Assert.True(pair.Server.IsHandshakeComplete);
        Assert.Equal(NamedGroup.X25519, pair.Server.NegotiatedGroup);
        Assert.True(ServerHello.TryParse(pair.Sent[1].Bytes.AsSpan(4), out ServerHello? sh, out _));
        Assert.False(sh!.IsHelloRetryRequest);
    }

    [Fact]
    public void ServerPreferenceWins_AmongSentShares()
    {
        using var pair = new HandshakePair(
            HandshakePair.ClientOptions(),
            HandshakePair.ServerOptionsFor(groups: [NamedGroup.X25519, NamedGroup.X25519MlKem768]));
        pair.Run();
        Assert.Equal(NamedGroup.X25519, pair.Client.NegotiatedGroup);
    }

    [Fact]
    public void AlpnMismatch_IsNoApplicationProtocol()
    {
        using var pair = new HandshakePair(HandshakePair.ClientOptions(alpn: "h3"), HandshakePair.ServerOptionsFor(alpn: "hq-interop"));
        pair.Run();
        Assert.Equal(TlsAlert.NoApplicationProtocol, pair.ServerAlert);
    }

    [Fact]
    public void SniSelectsTheCertificate()
    {
        X509Certificate2 p384 = HandshakePair.Leaf(KeyKind.P384);
        X509Certificate2 p256 = HandshakePair.Leaf(KeyKind.P256);
        string? seen = null;
        TlsServerOptions server = HandshakePair.ServerOptionsFor() is var o ? new TlsServerOptions
        {
            ApplicationProtocols = o.ApplicationProtocols,
            RandomSource = o.RandomSource,
            ServerAuthentication = new SslServerAuthenticationOptions
            {
                ServerCertificateSelectionCallback = (_, host) =>
                {
                    seen = host;
                    return host == HandshakePair.Host ? p384 : p256;
                },
            },
        } : null!;
        using var pair = new HandshakePair(HandshakePair.ClientOptions(), server);
        pair.Run();

        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.Equal(HandshakePair.Host, seen);
        Assert.Equal(p384.RawData, pair.Client.PeerCertificate!.RawData);
        Assert.Equal(HandshakePair.Host, pair.Server.ServerName);
    }

    [Fact]
    public void ClientHelloReceived_PausesUntilServerOptions()
    {
        using var pair = new HandshakePair(HandshakePair.ClientOptions(), HandshakePair.ServerOptionsFor(), deferServerOptions: true)
        {
            AutoServerOptions = false,
        };
        pair.Run();

        ClientHelloReceivedEvent hello = pair.Single<ClientHelloReceivedEvent>(pair.ServerEvents);
        Assert.Equal(HandshakePair.Host, hello.ServerName);
        Assert.Equal("h3"u8.ToArray(), Assert.Single(hello.ApplicationProtocols));
        Assert.False(pair.Server.IsHandshakeComplete);
        Assert.DoesNotContain(pair.ServerEvents, e => e is HandshakeDataEvent);

        pair.SetServerOptions(pair.ServerOptions);
        pair.Pump();
        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.True(pair.Server.IsHandshakeComplete);
    }

    [Fact]
    public void CertificateValidation_PausesUntilCompleted()
    {
        using var pair = new HandshakePair(HandshakePair.ClientOptions(), HandshakePair.ServerOptionsFor()) { AutoValidate = false };
        pair.Run();

        PeerCertificateReceivedEvent cert = pair.Single<PeerCertificateReceivedEvent>(pair.ClientEvents);
        Assert.True(pair.Client.IsWaitingForCertificateValidation);
        Assert.False(pair.Client.IsHandshakeComplete);
        Assert.False(pair.ClientSecrets.ContainsKey((EncryptionLevel.Application, TrafficDirection.Read)));

        using CertificateValidationResult result = new CertificateValidator(new CertificateValidationOptions { TargetHost = HandshakePair.Host, ChainPolicy = HandshakePair.Trust() }).Validate(cert.Chain);
        pair.CompleteClientValidation(result);
        pair.Pump();
        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.True(pair.Server.IsHandshakeComplete);
        pair.AssertSecretsMatch();
    }

    [Fact]
    public void InlineValidation_NeedsNoPause()
    {
        TlsClientOptions c = HandshakePair.ClientOptions();
        var inline = new TlsClientOptions
        {
            ServerName = c.ServerName, ApplicationProtocols = c.ApplicationProtocols, CertificateValidation = c.CertificateValidation,
            RandomSource = c.RandomSource, LocalTransportParameters = c.LocalTransportParameters, ValidateCertificateInline = true,
        };
        using var pair = new HandshakePair(inline, HandshakePair.ServerOptionsFor()) { AutoValidate = false };
        pair.Run();
        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.DoesNotContain(pair.ClientEvents, e => e is PeerCertificateReceivedEvent);
    }

    [Theory]
    [InlineData("wrong-host", TlsAlert.CertificateUnknown)]
    [InlineData("expired", TlsAlert.CertificateExpired)]
    [InlineData("untrusted", TlsAlert.UnknownCa)]
    public void BadServerCertificate_GivesValidatorAlert(string fault, TlsAlert expected)
    {
        X509Certificate2 leaf = fault switch
        {
            "wrong-host" => TestPki.CreateLeaf(KeyKind.P256, ["elsewhere.example"]),
            "expired" => TestPki.CreateLeaf(KeyKind.P256, [HandshakePair.Host], notBefore: TestPki.Now.AddDays(-30), notAfter: TestPki.Now.AddDays(-1)),
            _ => TestPki.CreateLeaf(KeyKind.P256, [HandshakePair.Host], issuer: TestPki.OtherRoot),
        };
        TlsServerOptions o = HandshakePair.ServerOptionsFor();
        var server = new TlsServerOptions { ApplicationProtocols = o.ApplicationProtocols, ServerAuthentication = new SslServerAuthenticationOptions { ServerCertificate = leaf } };
        using var pair = new HandshakePair(HandshakePair.ClientOptions(), server);
        pair.Run();
        Assert.Equal(expected, pair.ClientAlert);
        Assert.False(pair.Client.IsHandshakeComplete);
    }

    [Theory]
    [InlineData(true, true, null)]
    [InlineData(false, true, null)]
    [InlineData(true, false, TlsAlert.CertificateRequired)]
    [InlineData(false, false, null)]
    public void ClientCertificates(bool required, bool clientHasCertificate, TlsAlert? expected)
    {
        TlsClientOptions c = HandshakePair.ClientOptions();
        var client = new TlsClientOptions
        {
            ServerName = c.ServerName, ApplicationProtocols = c.ApplicationProtocols, CertificateValidation = c.CertificateValidation,
            LocalTransportParameters = c.LocalTransportParameters,
            ClientCertificate = clientHasCertificate ? HandshakePair.ClientLeaf : null,
        };
        TlsServerOptions o = HandshakePair.ServerOptionsFor();
        var server = new TlsServerOptions
        {
            ApplicationProtocols = o.ApplicationProtocols,
            RequestClientCertificate = true,
            ServerAuthentication = new SslServerAuthenticationOptions
            {
                ServerCertificate = HandshakePair.Leaf(KeyKind.P256),
                ClientCertificateRequired = required,
                CertificateChainPolicy = HandshakePair.Trust(),
            },
        };
        using var pair = new HandshakePair(client, server);
        pair.Run();
        Assert.Equal(expected, pair.ServerAlert);
        if (expected is null)
        {
            Assert.True(pair.Server.IsHandshakeComplete);
            Assert.Equal(clientHasCertificate, pair.Server.PeerCertificate is not null);
            pair.AssertSecretsMatch();
        }
    }

    [Fact]
    public void KeyLog_LinesMatchTheSecrets()
    {
        var clientLines = new List<string>();
        var serverLines = new List<string>();
        using var pair = new HandshakePair(HandshakePair.ClientOptions(keyLog: clientLines.Add), HandshakePair.ServerOptionsFor(keyLog: serverLines.Add));
        pair.Run();
        Assert.True(pair.Client.IsHandshakeComplete);

        var byLabel = new Dictionary<string, string>();
        string? random = null;
        foreach (string line in clientLines)
        {
            string[] parts = line.Split(' ');
            Assert.Equal(3, parts.Length);
            random ??= parts[1];
            Assert.Equal(random, parts[1]);
            byLabel[parts[0]] = parts[2];
        }

        Assert.Equal(64, random!.Length);
        Assert.Equal(Convert.ToHexStringLower(pair.ClientSecrets[(EncryptionLevel.Handshake, TrafficDirection.Write)]), byLabel[KeyLogFormatter.ClientHandshakeTrafficSecret]);
        Assert.Equal(Convert.ToHexStringLower(pair.ClientSecrets[(EncryptionLevel.Handshake, TrafficDirection.Read)]), byLabel[KeyLogFormatter.ServerHandshakeTrafficSecret]);
        Assert.Equal(Convert.ToHexStringLower(pair.ClientSecrets[(EncryptionLevel.Application, TrafficDirection.Write)]), byLabel[KeyLogFormatter.ClientTrafficSecret0]);
        Assert.Equal(Convert.ToHexStringLower(pair.ClientSecrets[(EncryptionLevel.Application, TrafficDirection.Read)]), byLabel[KeyLogFormatter.ServerTrafficSecret0]);
        Assert.Equal(4, byLabel.Count);
        serverLines.Sort(StringComparer.Ordinal);
        clientLines.Sort(StringComparer.Ordinal);
        Assert.Equal(clientLines, serverLines);
    }
}
