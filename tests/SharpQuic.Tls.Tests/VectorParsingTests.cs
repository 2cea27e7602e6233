using System.Text;
using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Messages;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Tests;

public sealed class VectorParsingTests
{
    // RFC 9001 Appendix A.2: the client Initial's CRYPTO frame (type 06, offset 0, length 0x40f1).
    private const string Rfc9001ClientCryptoFrame =
        "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868" +
        "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578" +
        "616d706c652e636f6dff01000100000a00080006001d00170018001000070005" +
        "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba" +
        "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400" +
        "0d0010000e0403050306030203080408050806002d00020101001c0002400100" +
        "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000" +
        "75300901100f088394c8f03e51570806048000ffff";

    // RFC 9001 Appendix A.3: the server Initial's payload: an ACK frame, then CRYPTO (06, offset 0, length 0x405a).
    private const string Rfc9001ServerPayload =
        "02000000000600405a020000560303eefce7f7b37ba1d1632e96677825ddf739" +
        "88cfc79825df566dc5430b9a045a1200130100002e00330024001d00209d3c94" +
        "0d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00" +
        "020304";

    private static byte[] H(string hex) => Convert.FromHexString(hex);

    private static HandshakeMessage Frame(byte[] bytes)
    {
        var framer = new HandshakeFramer();
        Assert.True(framer.TryAppend(bytes, out _));
        Assert.True(framer.TryDequeue(out HandshakeMessage m));
        Assert.False(framer.HasPartialMessage);
        return m;
    }

    [Fact]
    public void Parses_the_RFC9001_A2_ClientHello()
    {
        byte[] frame = H(Rfc9001ClientCryptoFrame);
        Assert.Equal(4 + 0xF1, frame.Length);
        HandshakeMessage m = Frame(frame[4..]);
        Assert.Equal(HandshakeType.ClientHello, m.Type);
        Assert.True(ClientHello.TryParse(m.Body, out ClientHello? ch, out _));

        Assert.Equal("ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c", Convert.ToHexStringLower(ch!.Random));
        Assert.Empty(ch.LegacySessionId);
        Assert.Equal([0x1301, 0x1302], ch.CipherSuites);

        Assert.True(ch.Extensions.TryGet(ExtensionType.ServerName, out byte[] sni));
        Assert.True(ServerNameExtension.TryParse(sni, out string? host, out _));
        Assert.Equal("example.com", host);

        Assert.True(ch.Extensions.TryGet(ExtensionType.SupportedGroups, out byte[] groups));
        Assert.True(SupportedGroupsExtension.TryParse(groups, out List<NamedGroup> g, out _));
        Assert.Equal([NamedGroup.X25519, NamedGroup.Secp256r1, (NamedGroup)0x0018], g);

        Assert.True(ch.Extensions.TryGet(ExtensionType.ApplicationLayerProtocolNegotiation, out byte[] alpn));
        Assert.True(AlpnExtension.TryParse(alpn, out List<byte[]> protocols, out _));
        Assert.Equal("alpn", Encoding.ASCII.GetString(Assert.Single(protocols)));

        Assert.True(ch.Extensions.TryGet(ExtensionType.KeyShare, out byte[] ks));
        Assert.True(KeyShareExtension.TryParseClient(ks, out List<KeyShareEntry> shares, out _));
        KeyShareEntry share = Assert.Single(shares);
        Assert.Equal(NamedGroup.X25519, share.Group);
        Assert.Equal("9370b2c9caa47fbabaf4559fedba753de171fa71f50f1ce15d43e994ec74d748", Convert.ToHexStringLower(share.KeyExchange));

        Assert.True(ch.Extensions.TryGet(ExtensionType.SupportedVersions, out byte[] sv));
        Assert.True(SupportedVersionsExtension.TryParseClient(sv, out List<ushort> versions, out _));
        Assert.Equal([SupportedVersionsExtension.Tls13], versions);

        Assert.True(ch.Extensions.TryGet(ExtensionType.SignatureAlgorithms, out byte[] sa));
        Assert.True(SignatureAlgorithmsExtension.TryParse(sa, out List<SignatureScheme> schemes, out _));
        Assert.Equal(7, schemes.Count);
        Assert.Equal(SignatureScheme.EcdsaSecp256r1Sha256, schemes[0]);
        Assert.Equal(SignatureScheme.RsaPssRsaeSha512, schemes[^1]);

        Assert.True(ch.Extensions.TryGet(ExtensionType.PskKeyExchangeModes, out byte[] modes));
        Assert.True(PskKeyExchangeModesExtension.TryParse(modes, out List<PskKeyExchangeMode> m2, out _));
        Assert.Equal([PskKeyExchangeMode.PskDheKe], m2);

        Assert.True(ch.Extensions.TryGet(ExtensionType.QuicTransportParameters, out byte[] tp));
        Assert.Equal(0x32, tp.Length);
        Assert.Equal("0408ffffffffffffffff", Convert.ToHexStringLower(tp.AsSpan(0, 10)));

        // Unknown extensions (renegotiation_info 0xff01, record_size_limit 0x1c) are kept in order, not decoded.
        Assert.Equal(0xFF01, ch.Extensions.Items[1].Type);

        // Re-encoding reproduces the bytes exactly.
        Assert.Equal(m.Bytes, ch.Encode());
    }

    [Fact]
    public void Parses_the_RFC9001_A3_ServerHello()
    {
        byte[] payload = H(Rfc9001ServerPayload);
        HandshakeMessage m = Frame(payload[9..]);
        Assert.True(ServerHello.TryParse(m.Body, out ServerHello? sh, out _));
        Assert.False(sh!.IsHelloRetryRequest);
        Assert.Equal("eefce7f7b37ba1d1632e96677825ddf73988cfc79825df566dc5430b9a045a12", Convert.ToHexStringLower(sh.Random));
        Assert.Equal(0x1301, sh.CipherSuite);
        Assert.True(sh.Extensions.TryGet(ExtensionType.KeyShare, out byte[] ks));
        Assert.True(KeyShareExtension.TryParseServer(ks, out KeyShareEntry share, out _));
        Assert.Equal(NamedGroup.X25519, share.Group);
        Assert.Equal("9d3c940d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a", Convert.ToHexStringLower(share.KeyExchange));
        Assert.True(sh.Extensions.TryGet(ExtensionType.SupportedVersions, out byte[] sv));
        Assert.True(SupportedVersionsExtension.TryParseServer(sv, out ushort v, out _));
        Assert.Equal(0x0304, v);
        Assert.Equal(m.Bytes, sh.Encode());
    }

    // RFC 8448 §3: the server's flight arrives as one stream; every message parses and re-encodes exactly.
    [Fact]
    public void Parses_and_reencodes_the_RFC8448_messages()
    {
        byte[] flight = H(Rfc8448.ServerHello + Rfc8448.EncryptedExtensions + Rfc8448.Certificate + Rfc8448.CertificateVerify + Rfc8448.ServerFinished + Rfc8448.NewSessionTicket);
        var framer = new HandshakeFramer();
        for (int i = 0; i < flight.Length; i += 7)
        {
            Assert.True(framer.TryAppend(flight.AsSpan(i, Math.Min(7, flight.Length - i)), out _));
        }

        Assert.Equal(6, framer.Count);
        Assert.True(framer.TryDequeue(out HandshakeMessage m));
        Assert.True(ServerHello.TryParse(m.Body, out ServerHello? sh, out _));
        Assert.Equal(m.Bytes, sh!.Encode());

        Assert.True(framer.TryDequeue(out m));
        Assert.True(EncryptedExtensions.TryParse(m.Body, out EncryptedExtensions? ee, out _));
        Assert.True(ee!.Extensions.TryGet(ExtensionType.ServerName, out byte[] sniAck));
        Assert.Empty(sniAck);
        Assert.Equal(m.Bytes, ee.Encode());

        Assert.True(framer.TryDequeue(out m));
        Assert.True(Certificate.TryParse(m.Body, out Certificate? cert, out _));
        CertificateEntry entry = Assert.Single(cert!.Entries);
        Assert.Equal(0x1b0, entry.CertData.Length);
        Assert.Empty(cert.Context);
        Assert.Equal(m.Bytes, cert.Encode());

        Assert.True(framer.TryDequeue(out m));
        Assert.True(CertificateVerify.TryParse(m.Body, out CertificateVerify? cv, out _));
        Assert.Equal(SignatureScheme.RsaPssRsaeSha256, cv!.Algorithm);
        Assert.Equal(128, cv.Signature.Length);
        Assert.Equal(m.Bytes, cv.Encode());

        Assert.True(framer.TryDequeue(out m));
        Assert.True(Finished.TryParse(m.Body, 32, out Finished? fin, out _));
        Assert.Equal(Rfc8448.ServerVerifyData, Convert.ToHexStringLower(fin!.VerifyData));
        Assert.False(Finished.TryParse(m.Body, 48, out _, out TlsAlert alert));
        Assert.Equal(TlsAlert.DecodeError, alert);

        // The §3 ticket allows early data with max_early_data_size 0x400: QUIC refuses it (RFC 9001 §4.6.1).
        Assert.True(framer.TryDequeue(out m));
        Assert.False(NewSessionTicket.TryParse(m.Body, out _, out alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);
    }

    [Fact]
    public void Parses_the_RFC8448_ClientHellos_including_pre_shared_key()
    {
        byte[] ch1 = H(Rfc8448.ClientHello);
        Assert.True(ClientHello.TryParse(ch1.AsSpan(4), out ClientHello? hello, out _));
        Assert.Equal([0x1301, 0x1303, 0x1302], hello!.CipherSuites);
        Assert.Equal(ch1, hello.Encode());

        byte[] resumed = H(Rfc8448.ResumedClientHello);
        Assert.True(ClientHello.TryParse(resumed.AsSpan(4), out hello, out _));
        Assert.Equal((ushort)ExtensionType.PreSharedKey, hello!.Extensions.Items[^1].Type);
        Assert.True(hello.Extensions.TryGet(ExtensionType.PreSharedKey, out byte[] psk));
        Assert.True(PreSharedKeyExtension.TryParseClient(psk, out OfferedPsks offered, out _));
        PskIdentity id = Assert.Single(offered.Identities);
        Assert.Equal(0xb2, id.Identity.Length);
        Assert.Equal(Rfc8448.ResumedBinder, Convert.ToHexStringLower(Assert.Single(offered.Binders)));

        // The binder transcript is the ClientHello without its binders vector (RFC 8446bis §4.2.11.2).
        Assert.Equal(Rfc8448.ResumedClientHelloPrefix, Convert.ToHexStringLower(resumed.AsSpan(0, resumed.Length - offered.BindersEncodedLength)));
        Assert.Equal(resumed, hello.Encode());
    }
}
