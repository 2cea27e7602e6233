using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Messages;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Tests;

/// <summary>Bad input is refused with the alert RFC 8446bis names for it.</summary>
public sealed class NegativeTests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex);

    private static byte[] Body(string messageHex) => H(messageHex)[4..];

    private static TlsAlert ClientHelloAlert(byte[] body)
    {
        Assert.False(ClientHello.TryParse(body, out ClientHello? hello, out TlsAlert alert));
        Assert.Null(hello);
        return alert;
    }

    private static byte[] BuildClientHello(ExtensionList extensions, byte[]? compression = null)
    {
        var w = new TlsWriter();
        w.WriteUInt16(0x0303);
        w.WriteBytes(new byte[32]);
        w.WriteVector8([]);
        w.WriteVector16([0x13, 0x01]);
        w.WriteVector8(compression ?? [0]);
        extensions.Write(w);
        return w.ToArray();
    }

    [Fact]
    public void Every_truncation_of_a_valid_message_is_decode_error()
    {
        byte[] body = Body(Rfc8448.ClientHello);
        for (int n = 0; n < body.Length; n++)
        {
            Assert.Equal(TlsAlert.DecodeError, ClientHelloAlert(body[..n]));
        }

        byte[] sh = Body(Rfc8448.ServerHello);
        byte[] cert = Body(Rfc8448.Certificate);
        byte[] nst = Body(Rfc8448.NewSessionTicket);
        for (int n = 0; n < cert.Length; n++)
        {
            if (n < sh.Length)
            {
                Assert.False(ServerHello.TryParse(sh.AsSpan(0, n), out _, out TlsAlert a1));
                Assert.Equal(TlsAlert.DecodeError, a1);
            }

            if (n < nst.Length)
            {
                Assert.False(NewSessionTicket.TryParse(nst.AsSpan(0, n), out _, out TlsAlert a3));
                Assert.Equal(TlsAlert.DecodeError, a3);
            }

            Assert.False(Certificate.TryParse(cert.AsSpan(0, n), out _, out TlsAlert a2));
            Assert.Equal(TlsAlert.DecodeError, a2);
        }
    }

    [Fact]
    public void Trailing_bytes_are_decode_error()
    {
        Assert.Equal(TlsAlert.DecodeError, ClientHelloAlert([.. Body(Rfc8448.ClientHello), 0]));
        Assert.False(EncryptedExtensions.TryParse([.. Body(Rfc8448.EncryptedExtensions), 0], out _, out TlsAlert a));
        Assert.Equal(TlsAlert.DecodeError, a);
        Assert.False(SupportedVersionsExtension.TryParseServer([3, 4, 0], out _, out a));
        Assert.Equal(TlsAlert.DecodeError, a);
    }

    [Fact]
    public void Vector_lengths_beyond_their_bounds_are_decode_error()
    {
        var r = new TlsReader([0x00, 0x05, 1, 2, 3]);
        Assert.False(r.TryReadVector16(out _));
        Assert.Equal(0, r.Position); // a failed read consumes nothing

        // A 33-byte legacy_session_id (§4.1.2: <0..32>).
        byte[] body = Body(Rfc8448.ClientHello);
        var w = new TlsWriter();
        w.WriteBytes(body.AsSpan(0, 34));
        w.WriteVector8(new byte[33]);
        w.WriteBytes(body.AsSpan(35));
        Assert.Equal(TlsAlert.DecodeError, ClientHelloAlert(w.ToArray()));

        // An odd-length cipher_suites vector.
        Assert.Equal(TlsAlert.DecodeError, ClientHelloAlert([.. body[..35], 0, 3, 0x13, 0x01, 0x13, .. body[41..]]));

        Assert.False(KeyShareExtension.TryParseClient([0, 4, 0, 0x1d, 0, 0], out _, out TlsAlert a));
        Assert.Equal(TlsAlert.DecodeError, a); // key_exchange<1..2^16-1> may not be empty
        Assert.False(PreSharedKeyExtension.TryParseClient(PreSharedKeyExtension.EncodeClient(new OfferedPsks([new PskIdentity([1], 0)], [new byte[31]])), out _, out a));
        Assert.Equal(TlsAlert.DecodeError, a); // binders are 32..255 bytes
        Assert.False(CookieExtension.TryParse([0, 0], out _, out a));
        Assert.Equal(TlsAlert.DecodeError, a);
        Assert.False(EarlyDataExtension.TryParseEmpty([0], out a));
        Assert.Equal(TlsAlert.DecodeError, a);
    }

    [Fact]
    public void Duplicate_extension_is_illegal_parameter()
    {
        foreach (ExtensionType type in new[] { ExtensionType.ServerName, ExtensionType.KeyShare, (ExtensionType)0x1234 })
        {
            var w = new TlsWriter();
            int block = w.BeginVector(2);
            for (int i = 0; i < 2; i++)
            {
                w.WriteUInt16((ushort)type);
                w.WriteVector16([]);
            }

            w.EndVector(block);
            Assert.False(EncryptedExtensions.TryParse(w.WrittenSpan, out _, out TlsAlert alert));
            Assert.Equal(TlsAlert.IllegalParameter, alert);
        }

        Assert.Throws<InvalidOperationException>(() =>
        {
            var list = new ExtensionList();
            list.Add(ExtensionType.Cookie, [1]);
            list.Add(ExtensionType.Cookie, [2]);
        });
    }

    [Fact]
    public void Compression_methods_other_than_null_only_are_illegal_parameter()
    {
        var ext = new ExtensionList();
        ext.Add(ExtensionType.SupportedVersions, SupportedVersionsExtension.EncodeClient([0x0304]));
        Assert.True(ClientHello.TryParse(BuildClientHello(ext), out _, out _));
        Assert.Equal(TlsAlert.IllegalParameter, ClientHelloAlert(BuildClientHello(ext, [1])));
        Assert.Equal(TlsAlert.IllegalParameter, ClientHelloAlert(BuildClientHello(ext, [0, 1])));
        Assert.Equal(TlsAlert.IllegalParameter, ClientHelloAlert(BuildClientHello(ext, [1, 0])));
        Assert.Equal(TlsAlert.DecodeError, ClientHelloAlert(BuildClientHello(ext, [])));

        byte[] sh = Body(Rfc8448.ServerHello);
        sh[2 + 32 + 1 + 2] = 1; // legacy_compression_method
        Assert.False(ServerHello.TryParse(sh, out _, out TlsAlert alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);
    }

    [Fact]
    public void Old_legacy_version_is_protocol_version()
    {
        byte[] body = Body(Rfc8448.ClientHello);
        body[1] = 0x01;
        Assert.Equal(TlsAlert.ProtocolVersion, ClientHelloAlert(body));
    }

    [Fact]
    public void Pre_shared_key_not_last_is_illegal_parameter()
    {
        byte[] psk = PreSharedKeyExtension.EncodeClient(new OfferedPsks([new PskIdentity([1, 2, 3], 7)], [new byte[32]]));
        var ext = new ExtensionList();
        ext.Add(ExtensionType.PreSharedKey, psk);
        ext.Add(ExtensionType.SupportedVersions, SupportedVersionsExtension.EncodeClient([0x0304]));
        Assert.Equal(TlsAlert.IllegalParameter, ClientHelloAlert(BuildClientHello(ext)));

        var good = new ExtensionList();
        good.Add(ExtensionType.SupportedVersions, SupportedVersionsExtension.EncodeClient([0x0304]));
        good.Add(ExtensionType.PreSharedKey, psk);
        Assert.True(ClientHello.TryParse(BuildClientHello(good), out _, out _));

        // Identity and binder counts must agree.
        Assert.False(PreSharedKeyExtension.TryParseClient(PreSharedKeyExtension.EncodeClient(new OfferedPsks([new PskIdentity([1], 0)], [new byte[32], new byte[32]])), out _, out TlsAlert alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);
    }

    [Fact]
    public void Empty_alpn_list_or_name_is_decode_error()
    {
        Assert.False(AlpnExtension.TryParse([0, 0], out _, out TlsAlert alert));
        Assert.Equal(TlsAlert.DecodeError, alert);
        Assert.False(AlpnExtension.TryParse([0, 2, 0, 1], out _, out alert));
        Assert.Equal(TlsAlert.DecodeError, alert);
        Assert.False(AlpnExtension.TryParse([0, 1, 0], out _, out alert));
        Assert.Equal(TlsAlert.DecodeError, alert);
        Assert.False(AlpnExtension.TryParseSelected(AlpnExtension.Encode(["h3"u8.ToArray(), "h3-29"u8.ToArray()]), out _, out alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);
        Assert.Throws<ArgumentException>(() => AlpnExtension.Encode([]));
    }

    [Fact]
    public void Semantic_violations_have_their_alerts()
    {
        // §4.2.8: two key shares for one group.
        byte[] shares = KeyShareExtension.EncodeClient([new KeyShareEntry(NamedGroup.X25519, [1]), new KeyShareEntry(NamedGroup.X25519, [2])]);
        Assert.False(KeyShareExtension.TryParseClient(shares, out _, out TlsAlert alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);

        // §4.6.1: a ticket lifetime over seven days.
        var nst = new NewSessionTicket(NewSessionTicket.MaxLifetimeSeconds, 0, [], [1], new ExtensionList());
        byte[] body = nst.Encode()[4..];
        body[3]++;
        Assert.False(NewSessionTicket.TryParse(body, out _, out alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);

        // §4.3.2: CertificateRequest without signature_algorithms.
        Assert.False(CertificateRequest.TryParse(new CertificateRequest([], new ExtensionList()).Encode()[4..], out _, out alert));
        Assert.Equal(TlsAlert.MissingExtension, alert);

        // RFC 6066 §3: two host names, or a host name with a trailing dot or a control byte.
        Assert.False(ServerNameExtension.TryParse([0, 8, 0, 0, 1, (byte)'a', 0, 0, 1, (byte)'b'], out _, out alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);
        Assert.False(ServerNameExtension.TryParse([0, 5, 0, 0, 2, (byte)'a', (byte)'.'], out _, out alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);
        Assert.False(ServerNameExtension.TryParse([0, 5, 0, 0, 2, (byte)'a', 0], out _, out alert));
        Assert.Equal(TlsAlert.IllegalParameter, alert);
    }

    [Theory]
    [InlineData(TlsAlert.UnexpectedMessage, 0x10AUL)]
    [InlineData(TlsAlert.HandshakeFailure, 0x128UL)]
    [InlineData(TlsAlert.NoApplicationProtocol, 0x178UL)]
    [InlineData(TlsAlert.DecodeError, 0x132UL)]
    public void Alerts_map_to_CRYPTO_ERROR(TlsAlert alert, ulong code)
    {
        // RFC 9001 §4.8: CRYPTO_ERROR is 0x100 plus the alert description.
        Assert.Equal(code, alert.ToQuicErrorCode());
        Assert.True(TlsAlertExtensions.TryFromQuicErrorCode(code, out TlsAlert back));
        Assert.Equal(alert, back);
        Assert.False(TlsAlertExtensions.TryFromQuicErrorCode(0x0A, out _));
        Assert.False(TlsAlertExtensions.TryFromQuicErrorCode(0x200, out _));
    }
}
