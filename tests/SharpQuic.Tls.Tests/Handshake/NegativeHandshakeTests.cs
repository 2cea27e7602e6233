using SharpQuic.Cryptography;
using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Handshake;
using SharpQuic.Tls.Messages;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Tests.Handshake;

/// <summary>Faults injected between two real engines; each test changes exactly one thing.</summary>
public sealed class NegativeHandshakeTests
{
    private static HandshakePair Pair(Func<Direction, EncryptionLevel, byte[], byte[]?> tamper, NamedGroup[]? groups = null)
    {
        var pair = new HandshakePair(
            HandshakePair.ClientOptions(groups: groups, keyShares: groups),
            HandshakePair.ServerOptionsFor(groups: groups))
        {
            Tamper = tamper,
        };
        pair.Run();
        return pair;
    }

    private static byte[] EditServerHello(byte[] message, Func<ServerHello, ServerHello> edit)
    {
        Assert.True(ServerHello.TryParse(message.AsSpan(4), out ServerHello? sh, out _));
        return edit(sh!).Encode();
    }

    private static ExtensionList Without(ExtensionList list, ExtensionType type)
    {
        var copy = new ExtensionList();
        foreach (RawExtension e in list.Items)
        {
            if (e.Type != (ushort)type)
            {
                copy.Add(e.Type, e.Data);
            }
        }

        return copy;
    }

    private static ExtensionList Replace(ExtensionList list, ExtensionType type, byte[] data)
    {
        var copy = new ExtensionList();
        foreach (RawExtension e in list.Items)
        {
            copy.Add(e.Type, e.Type == (ushort)type ? data : e.Data);
        }

        return copy;
    }

    private static Func<Direction, EncryptionLevel, byte[], byte[]?> On(HandshakeType type, Direction direction, Func<byte[], byte[]> edit)
        => (d, _, b) => d == direction && b[0] == (byte)type ? edit((byte[])b.Clone()) : b;

    private static byte[] EditClientHello(byte[] message, Func<ExtensionList, ExtensionList> edit)
    {
        Assert.True(ClientHello.TryParse(message.AsSpan(4), out ClientHello? ch, out _));
        return new ClientHello(ch!.Random, ch.LegacySessionId, ch.CipherSuites, edit(ch.Extensions)).Encode();
    }

    [Fact]
    public void BadServerFinished_IsDecryptError()
    {
        using HandshakePair pair = Pair(On(HandshakeType.Finished, Direction.ServerToClient, b => { b[^1] ^= 0x01; return b; }));
        Assert.Equal(TlsAlert.DecryptError, pair.ClientAlert);
    }

    [Fact]
    public void BadClientFinished_IsDecryptError()
    {
        using HandshakePair pair = Pair(On(HandshakeType.Finished, Direction.ClientToServer, b => { b[10] ^= 0x80; return b; }));
        Assert.Equal(TlsAlert.DecryptError, pair.ServerAlert);
        Assert.False(pair.Server.IsHandshakeComplete);
    }

    [Fact]
    public void BadCertificateVerifySignature_IsDecryptError()
    {
        using HandshakePair pair = Pair(On(HandshakeType.CertificateVerify, Direction.ServerToClient, b => { b[^2] ^= 0x01; return b; }));
        Assert.Equal(TlsAlert.DecryptError, pair.ClientAlert);
    }

    [Fact]
    public void ServerHelloWithoutSupportedVersions_IsProtocolVersion()
    {
        using HandshakePair pair = Pair(On(HandshakeType.ServerHello, Direction.ServerToClient, b => EditServerHello(b,
            sh => new ServerHello(sh.Random, sh.LegacySessionIdEcho, sh.CipherSuite, Without(sh.Extensions, ExtensionType.SupportedVersions)))));
        Assert.Equal(TlsAlert.ProtocolVersion, pair.ClientAlert);
    }

    [Fact]
    public void ServerHelloChoosingTls12_IsProtocolVersion()
    {
        using HandshakePair pair = Pair(On(HandshakeType.ServerHello, Direction.ServerToClient, b => EditServerHello(b,
            sh => new ServerHello(sh.Random, sh.LegacySessionIdEcho, sh.CipherSuite, Replace(sh.Extensions, ExtensionType.SupportedVersions, [0x03, 0x03])))));
        Assert.Equal(TlsAlert.ProtocolVersion, pair.ClientAlert);
    }

    [Fact]
    public void DowngradeSentinel_IsIllegalParameter()
    {
        using HandshakePair pair = Pair(On(HandshakeType.ServerHello, Direction.ServerToClient, b => EditServerHello(b, sh =>
        {
            byte[] random = (byte[])sh.Random.Clone();
            "DOWNGRD\u0001"u8.CopyTo(random.AsSpan(24));
            return new ServerHello(random, sh.LegacySessionIdEcho, sh.CipherSuite, Without(sh.Extensions, ExtensionType.SupportedVersions));
        })));
        Assert.Equal(TlsAlert.IllegalParameter, pair.ClientAlert);
    }

    [Fact]
    public void CipherSuiteNotOffered_IsIllegalParameter()
    {
        var pair = new HandshakePair(
            HandshakePair.ClientOptions(suites: [CipherSuite.Aes128GcmSha256]),
            HandshakePair.ServerOptionsFor())
        {
            Tamper = On(HandshakeType.ServerHello, Direction.ServerToClient, b => EditServerHello(b,
                sh => new ServerHello(sh.Random, sh.LegacySessionIdEcho, (ushort)CipherSuite.ChaCha20Poly1305Sha256, sh.Extensions))),
        };
        using (pair)
        {
            pair.Run();
            Assert.Equal(TlsAlert.IllegalParameter, pair.ClientAlert);
        }
    }

    [Fact]
    public void KeyShareForGroupNotOffered_IsIllegalParameter()
    {
        using HandshakePair pair = Pair(On(HandshakeType.ServerHello, Direction.ServerToClient, b => EditServerHello(b, sh =>
        {
            sh.Extensions.TryGet(ExtensionType.KeyShare, out byte[] ks);
            Assert.True(KeyShareExtension.TryParseServer(ks, out KeyShareEntry entry, out _));
            byte[] changed = KeyShareExtension.EncodeServer(entry with { Group = NamedGroup.Secp256r1 });
            return new ServerHello(sh.Random, sh.LegacySessionIdEcho, sh.CipherSuite, Replace(sh.Extensions, ExtensionType.KeyShare, changed));
        })), [NamedGroup.X25519]);
        Assert.Equal(TlsAlert.IllegalParameter, pair.ClientAlert);
    }

    [Theory]
    [InlineData(NamedGroup.X25519MlKem768, -1)]
    [InlineData(NamedGroup.X25519MlKem768, 1)]
    [InlineData(NamedGroup.MlKem768, -1)]
    [InlineData(NamedGroup.SecP256r1MlKem768, -1)]
    [InlineData(NamedGroup.Secp256r1, -1)]
    public void ServerShareOfWrongLength_IsIllegalParameter(NamedGroup group, int delta)
    {
        using HandshakePair pair = Pair(On(HandshakeType.ServerHello, Direction.ServerToClient, b => EditServerHello(b, sh =>
        {
            sh.Extensions.TryGet(ExtensionType.KeyShare, out byte[] ks);
            Assert.True(KeyShareExtension.TryParseServer(ks, out KeyShareEntry entry, out _));
            byte[] resized = new byte[entry.KeyExchange.Length + delta];
            entry.KeyExchange.AsSpan(0, Math.Min(resized.Length, entry.KeyExchange.Length)).CopyTo(resized);
            return new ServerHello(sh.Random, sh.LegacySessionIdEcho, sh.CipherSuite,
                Replace(sh.Extensions, ExtensionType.KeyShare, KeyShareExtension.EncodeServer(entry with { KeyExchange = resized })));
        })), [group]);
        Assert.Equal(TlsAlert.IllegalParameter, pair.ClientAlert);
    }

    [Fact]
    public void OffCurveP256Point_IsIllegalParameter()
    {
        using HandshakePair pair = Pair(On(HandshakeType.ServerHello, Direction.ServerToClient, b => EditServerHello(b, sh =>
        {
            sh.Extensions.TryGet(ExtensionType.KeyShare, out byte[] ks);
            Assert.True(KeyShareExtension.TryParseServer(ks, out KeyShareEntry entry, out _));
            byte[] point = (byte[])entry.KeyExchange.Clone();
            point[^1] ^= 1;
            return new ServerHello(sh.Random, sh.LegacySessionIdEcho, sh.CipherSuite,
                Replace(sh.Extensions, ExtensionType.KeyShare, KeyShareExtension.EncodeServer(entry with { KeyExchange = point })));
        })), [NamedGroup.Secp256r1]);
        Assert.Equal(TlsAlert.IllegalParameter, pair.ClientAlert);
    }

    [Fact]
    public void X25519LowOrderPoint_FromServer_IsIllegalParameter()
    {
        using HandshakePair pair = Pair(On(HandshakeType.ServerHello, Direction.ServerToClient, b => EditServerHello(b, sh =>
            new ServerHello(sh.Random, sh.LegacySessionIdEcho, sh.CipherSuite,
                Replace(sh.Extensions, ExtensionType.KeyShare, KeyShareExtension.EncodeServer(new KeyShareEntry(NamedGroup.X25519, new byte[32])))))),
            [NamedGroup.X25519]);
        Assert.Equal(TlsAlert.IllegalParameter, pair.ClientAlert);
    }

    [Fact]
    public void X25519LowOrderPoint_FromClient_IsIllegalParameter()
    {
        using HandshakePair pair = Pair(On(HandshakeType.ClientHello, Direction.ClientToServer, b => EditClientHello(b,
            ext => Replace(ext, ExtensionType.KeyShare, KeyShareExtension.EncodeClient([new KeyShareEntry(NamedGroup.X25519, new byte[32])])))),
            [NamedGroup.X25519]);
        Assert.Equal(TlsAlert.IllegalParameter, pair.ServerAlert);
    }

    [Fact]
    public void InvalidMlKemEncapsulationKey_IsIllegalParameter()
    {
        // Coefficients of 0xFFF are not below q = 3329: FIPS 203 §7.2 modulus check.
        byte[] share = new byte[1184 + 32];
        share.AsSpan(0, 384).Fill(0xFF);
        share[^1] = 9;
        using HandshakePair pair = Pair(On(HandshakeType.ClientHello, Direction.ClientToServer, b => EditClientHello(b,
            ext => Replace(ext, ExtensionType.KeyShare, KeyShareExtension.EncodeClient([new KeyShareEntry(NamedGroup.X25519MlKem768, share)])))),
            [NamedGroup.X25519MlKem768]);
        Assert.Equal(TlsAlert.IllegalParameter, pair.ServerAlert);
    }

    [Fact]
    public void MissingTransportParameters_FromClient_IsMissingExtension()
    {
        using HandshakePair pair = Pair(On(HandshakeType.ClientHello, Direction.ClientToServer, b => EditClientHello(b,
            ext => Without(ext, ExtensionType.QuicTransportParameters))));
        Assert.Equal(TlsAlert.MissingExtension, pair.ServerAlert);
    }

    [Fact]
    public void MissingTransportParameters_FromServer_IsMissingExtension()
    {
        using HandshakePair pair = Pair(On(HandshakeType.EncryptedExtensions, Direction.ServerToClient, b =>
        {
            Assert.True(EncryptedExtensions.TryParse(b.AsSpan(4), out EncryptedExtensions? ee, out _));
            return new EncryptedExtensions(Without(ee!.Extensions, ExtensionType.QuicTransportParameters)).Encode();
        }));
        Assert.Equal(TlsAlert.MissingExtension, pair.ClientAlert);
    }

    [Fact]
    public void UnsolicitedExtensionInEncryptedExtensions_IsUnsupportedExtension()
    {
        using HandshakePair pair = Pair(On(HandshakeType.EncryptedExtensions, Direction.ServerToClient, b =>
        {
            Assert.True(EncryptedExtensions.TryParse(b.AsSpan(4), out EncryptedExtensions? ee, out _));
            ee!.Extensions.Add(0x1234, [1]);
            return ee.Encode();
        }));
        Assert.Equal(TlsAlert.UnsupportedExtension, pair.ClientAlert);
    }

    [Fact]
    public void ForbiddenExtensionInEncryptedExtensions_IsIllegalParameter()
    {
        using HandshakePair pair = Pair(On(HandshakeType.EncryptedExtensions, Direction.ServerToClient, b =>
        {
            Assert.True(EncryptedExtensions.TryParse(b.AsSpan(4), out EncryptedExtensions? ee, out _));
            ee!.Extensions.Add(ExtensionType.KeyShare, [0, 0x1d, 0, 1, 1]);
            return ee.Encode();
        }));
        Assert.Equal(TlsAlert.IllegalParameter, pair.ClientAlert);
    }

    [Fact]
    public void DuplicateExtension_IsIllegalParameter()
    {
        using HandshakePair pair = Pair(On(HandshakeType.ClientHello, Direction.ClientToServer, b =>
        {
            Assert.True(ClientHello.TryParse(b.AsSpan(4), out ClientHello? ch, out _));
            var w = new TlsWriter(2048);
            int message = w.BeginHandshake(HandshakeType.ClientHello);
            w.WriteUInt16(0x0303);
            w.WriteBytes(ch!.Random);
            w.WriteVector8([]);
            int suites = w.BeginVector(2);
            foreach (ushort s in ch.CipherSuites)
            {
                w.WriteUInt16(s);
            }

            w.EndVector(suites);
            w.WriteVector8([0]);
            int block = w.BeginVector(2);
            foreach (RawExtension e in ch.Extensions.Items)
            {
                w.WriteUInt16(e.Type);
                w.WriteVector16(e.Data);
            }

            w.WriteUInt16((ushort)ExtensionType.QuicTransportParameters);
            w.WriteVector16([1]);
            w.EndVector(block);
            w.EndVector(message);
            return w.ToArray();
        }));
        Assert.Equal(TlsAlert.IllegalParameter, pair.ServerAlert);
    }

    [Fact]
    public void MalformedKeyShare_IsDecodeError()
    {
        using HandshakePair pair = Pair(On(HandshakeType.ClientHello, Direction.ClientToServer, b => EditClientHello(b,
            ext => Replace(ext, ExtensionType.KeyShare, [0x00, 0x05, 0x00, 0x1D, 0x00, 0x20, 0x01]))));
        Assert.Equal(TlsAlert.DecodeError, pair.ServerAlert);
    }

    [Fact]
    public void NonEmptySessionId_IsProtocolViolation()
    {
        using HandshakePair pair = Pair(On(HandshakeType.ClientHello, Direction.ClientToServer, b =>
        {
            Assert.True(ClientHello.TryParse(b.AsSpan(4), out ClientHello? ch, out _));
            return new ClientHello(ch!.Random, new byte[32], ch.CipherSuites, ch.Extensions).Encode();
        }));
        Assert.NotNull(pair.ServerAlert);
        Assert.True(pair.Server.IsProtocolViolation);
    }

    [Fact]
    public void SecondHelloRetryRequest_IsUnexpectedMessage()
    {
        byte[]? hrr = null;
        var pair = new HandshakePair(
            HandshakePair.ClientOptions(keyShares: [NamedGroup.X25519]),
            HandshakePair.ServerOptionsFor(groups: [NamedGroup.X25519MlKem768]))
        {
            Tamper = (d, l, b) =>
            {
                if (d == Direction.ServerToClient && b[0] == (byte)HandshakeType.ServerHello)
                {
                    if (hrr is null)
                    {
                        hrr = b;
                    }
                    else
                    {
                        return hrr;
                    }
                }

                return b;
            },
        };
        using (pair)
        {
            pair.Run();
            Assert.Equal(TlsAlert.UnexpectedMessage, pair.ClientAlert);
        }
    }

    [Fact]
    public void HelloRetryRequestForGroupAlreadySent_IsIllegalParameter()
    {
        var pair = new HandshakePair(
            HandshakePair.ClientOptions(keyShares: [NamedGroup.X25519]),
            HandshakePair.ServerOptionsFor(groups: [NamedGroup.X25519MlKem768]))
        {
            Tamper = On(HandshakeType.ServerHello, Direction.ServerToClient, b => EditServerHello(b, sh =>
                ServerHello.CreateHelloRetryRequest([], sh.CipherSuite, Replace(sh.Extensions, ExtensionType.KeyShare, KeyShareExtension.EncodeHelloRetryRequest(NamedGroup.X25519))))),
        };
        using (pair)
        {
            pair.Run();
            Assert.Equal(TlsAlert.IllegalParameter, pair.ClientAlert);
        }
    }

    [Fact]
    public void SecondClientHelloWithWrongShare_IsIllegalParameter()
    {
        int hellos = 0;
        var pair = new HandshakePair(
            HandshakePair.ClientOptions(keyShares: [NamedGroup.X25519]),
            HandshakePair.ServerOptionsFor(groups: [NamedGroup.X25519MlKem768]))
        {
            Tamper = On(HandshakeType.ClientHello, Direction.ClientToServer, b => ++hellos == 2
                ? EditClientHello(b, ext => Replace(ext, ExtensionType.KeyShare, KeyShareExtension.EncodeClient([new KeyShareEntry(NamedGroup.X25519, new byte[32])])))
                : b),
        };
        using (pair)
        {
            pair.Run();
            Assert.Equal(TlsAlert.IllegalParameter, pair.ServerAlert);
        }
    }

    [Fact]
    public void KeyUpdate_IsUnexpectedMessage()
    {
        using HandshakePair pair = Pair((_, _, b) => b);
        Assert.True(pair.Client.IsHandshakeComplete);
        Assert.Equal(TlsAlert.UnexpectedMessage, pair.Client.HandleHandshakeData(EncryptionLevel.Application, [24, 0, 0, 1, 0], pair.Now));
    }

    [Fact]
    public void DataAtWrongLevel_IsUnexpectedMessage()
    {
        using var client = new TlsClientConnection(HandshakePair.ClientOptions());
        client.Start(DateTimeOffset.UnixEpoch);
        Assert.Equal(TlsAlert.UnexpectedMessage, client.HandleHandshakeData(EncryptionLevel.Handshake, [8, 0, 0, 2, 0, 0], DateTimeOffset.UnixEpoch));
        using var server = new TlsServerConnection(HandshakePair.ServerOptionsFor());
        Assert.Equal(TlsAlert.UnexpectedMessage, server.HandleHandshakeData(EncryptionLevel.EarlyData, [1], DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void MissingAlpnFromServer_IsNoApplicationProtocol()
    {
        using HandshakePair pair = Pair(On(HandshakeType.EncryptedExtensions, Direction.ServerToClient, b =>
        {
            Assert.True(EncryptedExtensions.TryParse(b.AsSpan(4), out EncryptedExtensions? ee, out _));
            return new EncryptedExtensions(Without(ee!.Extensions, ExtensionType.ApplicationLayerProtocolNegotiation)).Encode();
        }));
        Assert.Equal(TlsAlert.NoApplicationProtocol, pair.ClientAlert);
    }
}
