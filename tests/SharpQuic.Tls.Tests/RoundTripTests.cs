using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Messages;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Tests;

/// <summary>Every message and extension written with random values and read back.</summary>
public sealed class RoundTripTests
{
    private const int Iterations = 200;

    private static byte[] Bytes(Random rng, int min, int max)
    {
        var b = new byte[rng.Next(min, max + 1)];
        rng.NextBytes(b);
        return b;
    }

    private static ushort NonGrease(Random rng)
    {
        ushort v;
        do
        {
            v = (ushort)rng.Next(0, 0x10000);
        }
        while (Grease.IsGrease(v));
        return v;
    }

    private static HandshakeMessage Reframe(byte[] encoded, HandshakeType expected)
    {
        var framer = new HandshakeFramer();
        Assert.True(framer.TryAppend(encoded, out _));
        Assert.True(framer.TryDequeue(out HandshakeMessage m));
        Assert.Equal(expected, m.Type);
        Assert.Equal(encoded, m.Bytes);
        return m;
    }

    private static ExtensionList RandomExtensions(Random rng, int max)
    {
        var list = new ExtensionList();
        int count = rng.Next(0, max + 1);
        var used = new HashSet<ushort>();
        for (int i = 0; i < count; i++)
        {
            ushort type = NonGrease(rng);
            if (type == (ushort)ExtensionType.PreSharedKey || type == (ushort)ExtensionType.EarlyData || !used.Add(type))
            {
                continue;
            }

            list.Add(type, Bytes(rng, 0, 40));
        }

        return list;
    }

    private static void AssertSameExtensions(ExtensionList a, ExtensionList b)
    {
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a.Items[i].Type, b.Items[i].Type);
            Assert.Equal(a.Items[i].Data, b.Items[i].Data);
        }
    }

    [Fact]
    public void Messages_round_trip()
    {
        var rng = new Random(8446);
        for (int i = 0; i < Iterations; i++)
        {
            var suites = new List<ushort>();
            for (int s = rng.Next(1, 6); s > 0; s--)
            {
                suites.Add(NonGrease(rng));
            }

            var ch = new ClientHello(Bytes(rng, 32, 32), Bytes(rng, 0, 32), suites, RandomExtensions(rng, 8));
            HandshakeMessage m = Reframe(ch.Encode(), HandshakeType.ClientHello);
            Assert.True(ClientHello.TryParse(m.Body, out ClientHello? ch2, out _));
            Assert.Equal(ch.Random, ch2!.Random);
            Assert.Equal(ch.LegacySessionId, ch2.LegacySessionId);
            Assert.Equal(ch.CipherSuites, ch2.CipherSuites);
            AssertSameExtensions(ch.Extensions, ch2.Extensions);

            var sh = rng.Next(2) == 0
                ? new ServerHello(Bytes(rng, 32, 32), Bytes(rng, 0, 32), NonGrease(rng), RandomExtensions(rng, 4))
                : ServerHello.CreateHelloRetryRequest(Bytes(rng, 0, 32), NonGrease(rng), RandomExtensions(rng, 4));
            m = Reframe(sh.Encode(), HandshakeType.ServerHello);
            Assert.True(ServerHello.TryParse(m.Body, out ServerHello? sh2, out _));
            Assert.Equal(sh.Random, sh2!.Random);
            Assert.Equal(sh.IsHelloRetryRequest, sh2.IsHelloRetryRequest);
            Assert.Equal(sh.LegacySessionIdEcho, sh2.LegacySessionIdEcho);
            Assert.Equal(sh.CipherSuite, sh2.CipherSuite);
            AssertSameExtensions(sh.Extensions, sh2.Extensions);

            var ee = new EncryptedExtensions(RandomExtensions(rng, 6));
            m = Reframe(ee.Encode(), HandshakeType.EncryptedExtensions);
            Assert.True(EncryptedExtensions.TryParse(m.Body, out EncryptedExtensions? ee2, out _));
            AssertSameExtensions(ee.Extensions, ee2!.Extensions);

            ExtensionList crExt = RandomExtensions(rng, 3);
            if (!crExt.Contains(ExtensionType.SignatureAlgorithms))
            {
                crExt.Add(ExtensionType.SignatureAlgorithms, SignatureAlgorithmsExtension.Encode([SignatureScheme.Ed25519]));
            }

            var cr = new CertificateRequest(Bytes(rng, 0, 16), crExt);
            m = Reframe(cr.Encode(), HandshakeType.CertificateRequest);
            Assert.True(CertificateRequest.TryParse(m.Body, out CertificateRequest? cr2, out _));
            Assert.Equal(cr.Context, cr2!.Context);
            AssertSameExtensions(cr.Extensions, cr2.Extensions);

            var entries = new List<CertificateEntry>();
            for (int e = rng.Next(0, 4); e > 0; e--)
            {
                entries.Add(new CertificateEntry(Bytes(rng, 1, 600), RandomExtensions(rng, 2)));
            }

            var cert = new Certificate(Bytes(rng, 0, 8), entries);
            m = Reframe(cert.Encode(), HandshakeType.Certificate);
            Assert.True(Certificate.TryParse(m.Body, out Certificate? cert2, out _));
            Assert.Equal(cert.Context, cert2!.Context);
            Assert.Equal(entries.Count, cert2.Entries.Count);
            for (int e = 0; e < entries.Count; e++)
            {
                Assert.Equal(entries[e].CertData, cert2.Entries[e].CertData);
                AssertSameExtensions(entries[e].Extensions, cert2.Entries[e].Extensions);
            }

            var cv = new CertificateVerify((SignatureScheme)NonGrease(rng), Bytes(rng, 0, 300));
            m = Reframe(cv.Encode(), HandshakeType.CertificateVerify);
            Assert.True(CertificateVerify.TryParse(m.Body, out CertificateVerify? cv2, out _));
            Assert.Equal(cv.Algorithm, cv2!.Algorithm);
            Assert.Equal(cv.Signature, cv2.Signature);

            int hashLength = rng.Next(2) == 0 ? 32 : 48;
            var fin = new Finished(Bytes(rng, hashLength, hashLength));
            m = Reframe(fin.Encode(), HandshakeType.Finished);
            Assert.True(Finished.TryParse(m.Body, hashLength, out Finished? fin2, out _));
            Assert.Equal(fin.VerifyData, fin2!.VerifyData);

            ExtensionList nstExt = RandomExtensions(rng, 2);
            bool early = rng.Next(2) == 0;
            if (early)
            {
                nstExt.Add(ExtensionType.EarlyData, EarlyDataExtension.EncodeTicket(EarlyDataExtension.QuicMaxEarlyDataSize));
            }

            var nst = new NewSessionTicket((uint)rng.Next(0, (int)NewSessionTicket.MaxLifetimeSeconds + 1), (uint)rng.NextInt64(0, 1L << 32), Bytes(rng, 0, 255), Bytes(rng, 1, 500), nstExt);
            m = Reframe(nst.Encode(), HandshakeType.NewSessionTicket);
            Assert.True(NewSessionTicket.TryParse(m.Body, out NewSessionTicket? nst2, out _));
            Assert.Equal(nst.LifetimeSeconds, nst2!.LifetimeSeconds);
            Assert.Equal(nst.AgeAdd, nst2.AgeAdd);
            Assert.Equal(nst.Nonce, nst2.Nonce);
            Assert.Equal(nst.Ticket, nst2.Ticket);
            Assert.Equal(early ? EarlyDataExtension.QuicMaxEarlyDataSize : null, nst2.MaxEarlyDataSize);
            AssertSameExtensions(nst.Extensions, nst2.Extensions);
        }
    }

    [Fact]
    public void Extensions_round_trip()
    {
        var rng = new Random(9001);
        for (int i = 0; i < Iterations; i++)
        {
            string host = RandomHost(rng);
            Assert.True(ServerNameExtension.TryParse(ServerNameExtension.Encode(host), out string? host2, out _));
            Assert.Equal(host, host2);

            var groups = new List<NamedGroup>();
            var schemes = new List<SignatureScheme>();
            for (int n = rng.Next(1, 10); n > 0; n--)
            {
                groups.Add((NamedGroup)NonGrease(rng));
                schemes.Add((SignatureScheme)NonGrease(rng));
            }

            Assert.True(SupportedGroupsExtension.TryParse(SupportedGroupsExtension.Encode(groups), out List<NamedGroup> g2, out _));
            Assert.Equal(groups, g2);
            Assert.True(SignatureAlgorithmsExtension.TryParse(SignatureAlgorithmsExtension.Encode(schemes), out List<SignatureScheme> s2, out _));
            Assert.Equal(schemes, s2);

            var protocols = new List<byte[]>();
            for (int n = rng.Next(1, 5); n > 0; n--)
            {
                protocols.Add(Bytes(rng, 1, 255));
            }

            Assert.True(AlpnExtension.TryParse(AlpnExtension.Encode(protocols), out List<byte[]> p2, out _));
            Assert.Equal(protocols, p2);
            Assert.True(AlpnExtension.TryParseSelected(AlpnExtension.Encode([protocols[0]]), out byte[] selected, out _));
            Assert.Equal(protocols[0], selected);

            ushort[] versions = [NonGrease(rng), NonGrease(rng)];
            Assert.True(SupportedVersionsExtension.TryParseClient(SupportedVersionsExtension.EncodeClient(versions), out List<ushort> v2, out _));
            Assert.Equal(versions, v2);
            Assert.True(SupportedVersionsExtension.TryParseServer(SupportedVersionsExtension.EncodeServer(versions[0]), out ushort v3, out _));
            Assert.Equal(versions[0], v3);

            var shares = new List<KeyShareEntry>();
            var seen = new HashSet<ushort>();
            for (int n = rng.Next(0, 4); n > 0; n--)
            {
                ushort group = NonGrease(rng);
                if (seen.Add(group))
                {
                    shares.Add(new KeyShareEntry((NamedGroup)group, Bytes(rng, 1, 1200)));
                }
            }

            Assert.True(KeyShareExtension.TryParseClient(KeyShareExtension.EncodeClient(shares), out List<KeyShareEntry> k2, out _));
            Assert.Equal(shares.Count, k2.Count);
            for (int n = 0; n < shares.Count; n++)
            {
                Assert.Equal(shares[n].Group, k2[n].Group);
                Assert.Equal(shares[n].KeyExchange, k2[n].KeyExchange);
            }

            var one = new KeyShareEntry((NamedGroup)NonGrease(rng), Bytes(rng, 1, 1100));
            Assert.True(KeyShareExtension.TryParseServer(KeyShareExtension.EncodeServer(one), out KeyShareEntry one2, out _));
            Assert.Equal(one.Group, one2.Group);
            Assert.Equal(one.KeyExchange, one2.KeyExchange);
            Assert.True(KeyShareExtension.TryParseHelloRetryRequest(KeyShareExtension.EncodeHelloRetryRequest(one.Group), out NamedGroup hrrGroup, out _));
            Assert.Equal(one.Group, hrrGroup);

            List<PskKeyExchangeMode> modes = rng.Next(2) == 0 ? [PskKeyExchangeMode.PskDheKe] : [PskKeyExchangeMode.PskKe, PskKeyExchangeMode.PskDheKe];
            Assert.True(PskKeyExchangeModesExtension.TryParse(PskKeyExchangeModesExtension.Encode(modes), out List<PskKeyExchangeMode> m2, out _));
            Assert.Equal(modes, m2);

            var offered = new OfferedPsks([], []);
            for (int n = rng.Next(1, 4); n > 0; n--)
            {
                offered.Identities.Add(new PskIdentity(Bytes(rng, 1, 200), (uint)rng.NextInt64(0, 1L << 32)));
                offered.Binders.Add(Bytes(rng, 32, 48));
            }

            byte[] pskData = PreSharedKeyExtension.EncodeClient(offered);
            Assert.True(PreSharedKeyExtension.TryParseClient(pskData, out OfferedPsks o2, out _));
            Assert.Equal(offered.Identities, o2.Identities, (a, b) => a.Identity.AsSpan().SequenceEqual(b.Identity) && a.ObfuscatedTicketAge == b.ObfuscatedTicketAge);
            Assert.Equal(offered.Binders, o2.Binders);
            Assert.Equal(offered.BindersEncodedLength, o2.BindersEncodedLength);
            ushort index = (ushort)rng.Next(0, 0x10000);
            Assert.True(PreSharedKeyExtension.TryParseServer(PreSharedKeyExtension.EncodeServer(index), out ushort index2, out _));
            Assert.Equal(index, index2);

            uint max = (uint)rng.NextInt64(0, 1L << 32);
            Assert.True(EarlyDataExtension.TryParseTicket(EarlyDataExtension.EncodeTicket(max), out uint max2, out _));
            Assert.Equal(max, max2);
            Assert.True(EarlyDataExtension.TryParseEmpty([], out _));

            byte[] cookie = Bytes(rng, 1, 300);
            Assert.True(CookieExtension.TryParse(CookieExtension.Encode(cookie), out byte[] cookie2, out _));
            Assert.Equal(cookie, cookie2);

            byte[] tp = Bytes(rng, 0, 100);
            Assert.Equal(tp, QuicTransportParametersExtension.Parse(QuicTransportParametersExtension.Encode(tp)));
        }
    }

    [Fact]
    public void Grease_values_in_lists_are_ignored()
    {
        Assert.True(Grease.IsGrease(0x0A0A));
        Assert.True(Grease.IsGrease(0xFAFA));
        Assert.False(Grease.IsGrease(0x0A1A));
        Assert.False(Grease.IsGrease(0x11EC));

        byte[] groups = CodePointListExtension.Encode([0x3A3A, (ushort)NamedGroup.X25519MlKem768, 0xDADA, (ushort)NamedGroup.X25519]);
        Assert.True(SupportedGroupsExtension.TryParse(groups, out List<NamedGroup> g, out _));
        Assert.Equal([NamedGroup.X25519MlKem768, NamedGroup.X25519], g);

        byte[] shares = KeyShareExtension.EncodeClient([new KeyShareEntry((NamedGroup)0x2A2A, [0]), new KeyShareEntry(NamedGroup.X25519, new byte[32])]);
        Assert.True(KeyShareExtension.TryParseClient(shares, out List<KeyShareEntry> k, out _));
        Assert.Equal(NamedGroup.X25519, Assert.Single(k).Group);

        Assert.True(SupportedVersionsExtension.TryParseClient(SupportedVersionsExtension.EncodeClient([0x7A7A, 0x0304]), out List<ushort> v, out _));
        Assert.Equal([(ushort)0x0304], v);

        Assert.True(Grease.IsGreasePskMode(0x0B));
        Assert.True(Grease.IsGreasePskMode(0x2A));
        Assert.True(PskKeyExchangeModesExtension.TryParse([3, 0x2A, 1, 0x0B], out List<PskKeyExchangeMode> modes, out _));
        Assert.Equal([PskKeyExchangeMode.PskDheKe], modes);

        // A GREASE cipher suite in a ClientHello is dropped; a GREASE extension is carried and ignored.
        var ext = new ExtensionList();
        ext.Add(0x4A4A, []);
        ext.Add(ExtensionType.SupportedVersions, SupportedVersionsExtension.EncodeClient([0x0304]));
        byte[] ch = new ClientHello(new byte[32], [], [0x1A1A, 0x1301], ext).Encode();
        Assert.True(ClientHello.TryParse(ch.AsSpan(4), out ClientHello? hello, out _));
        Assert.Equal([(ushort)0x1301], hello!.CipherSuites);
        Assert.True(hello.Extensions.Contains(ExtensionType.SupportedVersions));
    }

    private static string RandomHost(Random rng)
    {
        const string Chars = "abcdefghijklmnopqrstuvwxyz0123456789-.";
        var c = new char[rng.Next(1, 60)];
        for (int i = 0; i < c.Length; i++)
        {
            c[i] = Chars[rng.Next(Chars.Length)];
        }

        c[^1] = 'x';
        return new string(c);
    }
}
