using SharpQuic.Cryptography;
using SharpQuic.Tls.Handshake;
using SharpQuic.Tls.Tests.Certificates;

namespace SharpQuic.Tls.Tests.Handshake;

public sealed class FullHandshakeTests
{
    public static TheoryData<NamedGroup, CipherSuite, KeyKind> Matrix()
    {
        var data = new TheoryData<NamedGroup, CipherSuite, KeyKind>();
        foreach (NamedGroup g in new[] { NamedGroup.X25519MlKem768, NamedGroup.X25519, NamedGroup.Secp256r1, NamedGroup.SecP256r1MlKem768, NamedGroup.MlKem768 })
        {
            foreach (CipherSuite s in new[] { CipherSuite.Aes128GcmSha256, CipherSuite.Aes256GcmSha384, CipherSuite.ChaCha20Poly1305Sha256 })
            {
                foreach (KeyKind k in new[] { KeyKind.P256, KeyKind.P384, KeyKind.Rsa2048 })
                {
                    data.Add(g, s, k);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Completes_WithEqualSecretsAndExporter(NamedGroup group, CipherSuite suite, KeyKind certificate)
    {
        using var pair = new HandshakePair(
            HandshakePair.ClientOptions(groups: [group], keyShares: [group], suites: [suite]),
            HandshakePair.ServerOptionsFor(certificate: certificate, groups: [group], suites: [suite]));
        pair.Run();

        Assert.Null(pair.ClientAlert);
        Assert.Null(pair.ServerAlert);
        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.True(pair.Server.IsHandshakeComplete);
        Assert.Equal(group, pair.Client.NegotiatedGroup);
        Assert.Equal(group, pair.Server.NegotiatedGroup);
        Assert.Equal(suite, pair.Client.NegotiatedCipherSuite);
        Assert.Equal("h3", pair.Client.NegotiatedApplicationProtocol.ToString());
        Assert.Equal("h3", pair.Server.NegotiatedApplicationProtocol.ToString());
        Assert.False(pair.Client.IsResumed);
        Assert.NotNull(pair.Client.PeerCertificate);

        // Handshake read/write and application read/write on each side, pairwise equal.
        Assert.Equal(4, pair.ClientSecrets.Count);
        pair.AssertSecretsMatch();
        Assert.Equal(CipherSuiteInfo.HashSize(suite), pair.ClientSecrets[(EncryptionLevel.Application, TrafficDirection.Write)].Length);
        Assert.NotEqual(pair.ClientSecrets[(EncryptionLevel.Handshake, TrafficDirection.Write)], pair.ClientSecrets[(EncryptionLevel.Handshake, TrafficDirection.Read)]);

        byte[] exportedClient = pair.Client.ExportKeyingMaterial("EXPORTER-test", [1, 2, 3], 40);
        byte[] exportedServer = pair.Server.ExportKeyingMaterial("EXPORTER-test", [1, 2, 3], 40);
        Assert.Equal(exportedClient, exportedServer);
        Assert.NotEqual(exportedClient, pair.Client.ExportKeyingMaterial("EXPORTER-test", [1, 2, 4], 40));

        Assert.Equal([0x5E, 0x77, 0x01, 0x02], pair.Single<PeerTransportParametersEvent>(pair.ClientEvents).Parameters);
        Assert.Equal([0xC1, 0x01, 0x02], pair.Single<PeerTransportParametersEvent>(pair.ServerEvents).Parameters);
        pair.Single<HandshakeCompletedEvent>(pair.ClientEvents);
        pair.Single<HandshakeCompletedEvent>(pair.ServerEvents);
    }

    [Fact]
    public void SameSeeds_ReproduceTheSameBytes()
    {
        byte[][] Run()
        {
            using var pair = new HandshakePair(HandshakePair.ClientOptions(seed: 7), HandshakePair.ServerOptionsFor(seed: 8));
            pair.Run();
            Assert.True(pair.Client.IsHandshakeComplete);
            return [pair.Sent[0].Bytes, pair.Sent[1].Bytes];
        }

        byte[][] a = Run();
        byte[][] b = Run();
        Assert.Equal(a[0], b[0]);
        Assert.Equal(a[1], b[1]);
    }
}
