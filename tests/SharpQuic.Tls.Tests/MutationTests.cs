using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Messages;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Tests;

/// <summary>Mutated handshake messages: each one parses or yields an alert; nothing throws.</summary>
public sealed class MutationTests
{
    private const int MutantsPerSeed = 6000;

    [Fact]
    public void Mutated_messages_parse_or_alert_and_never_throw()
    {
        byte[][] seeds =
        [
            Convert.FromHexString(Rfc8448.ClientHello),
            Convert.FromHexString(Rfc8448.ResumedClientHello),
            Convert.FromHexString(Rfc8448.ServerHello),
            Convert.FromHexString(Rfc8448.EncryptedExtensions),
            Convert.FromHexString(Rfc8448.Certificate),
            Convert.FromHexString(Rfc8448.CertificateVerify),
            Convert.FromHexString(Rfc8448.ServerFinished),
            Convert.FromHexString(Rfc8448.NewSessionTicket),
            new CertificateRequest([], SigAlgs()).Encode(),
            new NewSessionTicket(3600, 1, [0], [1, 2, 3], new ExtensionList()).Encode(),
        ];

        var rng = new Random(50_000);
        int parsed = 0, alerted = 0, framingAlerts = 0;
        foreach (byte[] seed in seeds)
        {
            for (int i = 0; i < MutantsPerSeed; i++)
            {
                byte[] mutant = Mutate(rng, seed);
                var framer = new HandshakeFramer();
                if (!framer.TryAppend(mutant, out TlsAlert framingAlert))
                {
                    Assert.True(framingAlert is TlsAlert.UnexpectedMessage or TlsAlert.IllegalParameter);
                    framingAlerts++;
                    continue;
                }

                // Also feed the body directly to every parser: the codecs must cope even when the
                // framer's length disagrees with the buffer.
                ReadOnlySpan<byte> body = mutant.AsSpan(Math.Min(4, mutant.Length));
                foreach (bool ok in ParseAll(body))
                {
                    if (ok)
                    {
                        parsed++;
                    }
                    else
                    {
                        alerted++;
                    }
                }

                while (framer.TryDequeue(out HandshakeMessage m))
                {
                    _ = Dispatch(m);
                }
            }
        }

        Assert.Equal(seeds.Length * MutantsPerSeed, (parsed + alerted) / 9 + framingAlerts);
        Assert.True(alerted > 0 && parsed > 0);
    }

    private static ExtensionList SigAlgs()
    {
        var list = new ExtensionList();
        list.Add(ExtensionType.SignatureAlgorithms, SignatureAlgorithmsExtension.Encode([SignatureScheme.Ed25519]));
        return list;
    }

    private static bool[] ParseAll(ReadOnlySpan<byte> body) =>
    [
        ClientHello.TryParse(body, out _, out _) && ExtensionsDecode(body),
        ServerHello.TryParse(body, out _, out _),
        EncryptedExtensions.TryParse(body, out _, out _),
        CertificateRequest.TryParse(body, out _, out _),
        Certificate.TryParse(body, out _, out _),
        CertificateVerify.TryParse(body, out _, out _),
        Finished.TryParse(body, 32, out _, out _),
        NewSessionTicket.TryParse(body, out _, out _),
        KeyShareExtension.TryParseClient(body, out _, out _) | PreSharedKeyExtension.TryParseClient(body, out _, out _)
            | AlpnExtension.TryParse(body, out _, out _) | ServerNameExtension.TryParse(body, out _, out _)
            | SupportedGroupsExtension.TryParse(body, out _, out _) | SupportedVersionsExtension.TryParseClient(body, out _, out _)
            | PskKeyExchangeModesExtension.TryParse(body, out _, out _) | CookieExtension.TryParse(body, out _, out _),
    ];

    // Run every typed codec over the extensions of a parsed ClientHello.
    private static bool ExtensionsDecode(ReadOnlySpan<byte> body)
    {
        ClientHello.TryParse(body, out ClientHello? ch, out _);
        bool ok = true;
        foreach (RawExtension e in ch!.Extensions.Items)
        {
            ok &= (ExtensionType)e.Type switch
            {
                ExtensionType.ServerName => ServerNameExtension.TryParse(e.Data, out _, out _),
                ExtensionType.SupportedGroups => SupportedGroupsExtension.TryParse(e.Data, out _, out _),
                ExtensionType.SignatureAlgorithms => SignatureAlgorithmsExtension.TryParse(e.Data, out _, out _),
                ExtensionType.ApplicationLayerProtocolNegotiation => AlpnExtension.TryParse(e.Data, out _, out _),
                ExtensionType.SupportedVersions => SupportedVersionsExtension.TryParseClient(e.Data, out _, out _),
                ExtensionType.KeyShare => KeyShareExtension.TryParseClient(e.Data, out _, out _),
                ExtensionType.PskKeyExchangeModes => PskKeyExchangeModesExtension.TryParse(e.Data, out _, out _),
                ExtensionType.PreSharedKey => PreSharedKeyExtension.TryParseClient(e.Data, out _, out _),
                ExtensionType.EarlyData => EarlyDataExtension.TryParseEmpty(e.Data, out _),
                ExtensionType.Cookie => CookieExtension.TryParse(e.Data, out _, out _),
                _ => true,
            };
        }

        return ok;
    }

    private static bool Dispatch(HandshakeMessage m) => m.Type switch
    {
        HandshakeType.ClientHello => ClientHello.TryParse(m.Body, out _, out _),
        HandshakeType.ServerHello => ServerHello.TryParse(m.Body, out _, out _),
        HandshakeType.EncryptedExtensions => EncryptedExtensions.TryParse(m.Body, out _, out _),
        HandshakeType.CertificateRequest => CertificateRequest.TryParse(m.Body, out _, out _),
        HandshakeType.Certificate => Certificate.TryParse(m.Body, out _, out _),
        HandshakeType.CertificateVerify => CertificateVerify.TryParse(m.Body, out _, out _),
        HandshakeType.Finished => Finished.TryParse(m.Body, 32, out _, out _),
        HandshakeType.NewSessionTicket => NewSessionTicket.TryParse(m.Body, out _, out _),
        _ => throw new InvalidOperationException("The framer let through a forbidden type."),
    };

    private static byte[] Mutate(Random rng, byte[] seed)
    {
        byte[] m = (byte[])seed.Clone();
        int edits = rng.Next(1, 4);
        for (int e = 0; e < edits; e++)
        {
            switch (rng.Next(6))
            {
                case 0: // flip a bit
                    m[rng.Next(m.Length)] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1: // random byte, biased towards length fields
                    m[rng.Next(m.Length)] = (byte)(rng.Next(4) == 0 ? 0xFF : rng.Next(256));
                    break;
                case 2: // truncate
                    m = m[..rng.Next(m.Length + 1)];
                    break;
                case 3: // insert a byte
                {
                    int at = rng.Next(m.Length + 1);
                    m = [.. m[..at], (byte)rng.Next(256), .. m[at..]];
                    break;
                }

                case 4: // delete a run
                {
                    int at = rng.Next(m.Length + 1);
                    int len = Math.Min(rng.Next(1, 8), m.Length - at);
                    m = [.. m[..at], .. m[(at + len)..]];
                    break;
                }

                default: // duplicate a run (repeats extensions and entries)
                {
                    int at = rng.Next(m.Length + 1);
                    int len = Math.Min(rng.Next(1, 40), m.Length - at);
                    m = [.. m[..(at + len)], .. m[at..]];
                    break;
                }
            }

            if (m.Length == 0)
            {
                m = [(byte)rng.Next(256)];
            }
        }

        return m;
    }
}
