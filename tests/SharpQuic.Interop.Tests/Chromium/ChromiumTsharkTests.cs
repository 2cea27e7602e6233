using System.Globalization;

namespace SharpQuic.Interop.Tests.Chromium;

/// <summary>
/// tshark's view of Chromium ↔ <c>sharpquic serve</c>: with Chromium's key log every QUIC packet
/// decrypts, the HTTP/3 frames decode, and tshark finds nothing malformed.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class ChromiumTsharkTests
{
    /// <summary>Captures the home-page load on lo and checks it decodes cleanly.</summary>
    [ChromiumFact(NeedsTshark = true)]
    public async Task Tshark_decrypts_and_decodes_every_packet_of_a_chromium_page_load()
    {
        using var scratch = new ChromiumScratch();
        // No GSO: on lo, a capture sees a UDP_SEGMENT batch as one frame (the receiving socket splits
        // it later), and tshark reads that frame as one short-header packet that does not decrypt.
        // Chromium itself receives the separate datagrams (its net log shows each packet authenticated).
        using SharpQuicServe serve = await SharpQuicServe.StartAsync(scratch, scratch.HtDocs, altSvc: false,
            new Dictionary<string, string>(StringComparer.Ordinal) { ["SHARPQUIC_GSO"] = "0" });
        var browser = new ChromiumBrowser(scratch.Root, scratch.Certificate);
        // A fresh server process answers its first handshake slowly (JIT, first ML-KEM), often after
        // Chromium's probe timeout, and Chromium then resends its ClientHello: not wrong, but tshark
        // notes the repeated CRYPTO offsets. One handshake of our own first keeps the capture to
        // Chromium's traffic as it normally is.
        await WarmUpAsync(serve, scratch.Certificate);
        string capture = scratch.File("chromium.pcapng");
        string keyLog = scratch.File("keys.log");
        string dom;
        using (PeerProcess tshark = await Tshark.StartCaptureAsync(serve.Port, capture))
        {
            dom = await browser.DumpDomAsync(serve.Origin + "/", "127.0.0.1:" + serve.Port.ToString(CultureInfo.InvariantCulture), scratch.File("netlog.json"), keyLog);
            await ChromiumH3Tests.HomeRequestAsync(serve);
            await Tshark.StopAsync(tshark);
        }

        Assert.Contains("Hello from SharpQuic over HTTP/3", dom, StringComparison.Ordinal);
        Assert.True(File.Exists(keyLog) && new FileInfo(keyLog).Length > 0, "Chromium wrote no key log.");
        int port = serve.Port;

        // Per frame: the QUIC header forms (1 long, 0 short), QUIC frame types, HTTP/3 frame types.
        string fields = await Tshark.ReadAsync(capture, keyLog, port, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
            "-e", "frame.number", "-e", "quic.header_form", "-e", "quic.long.packet_type", "-e", "quic.frame_type", "-e", "http3.frame_type");
        string[] rows = fields.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(rows.Length >= 10, $"Only {rows.Length} packets captured:\n{fields}");
        var longTypes = new HashSet<string>(StringComparer.Ordinal);
        var http3Types = new HashSet<string>(StringComparer.Ordinal);
        bool sawShort = false;
        foreach (string row in rows)
        {
            string[] f = row.Split('\t');
            Assert.True(f.Length == 5 && f[1].Length > 0, $"Frame {f[0]} did not decode as QUIC:\n{fields}");
            sawShort |= Array.IndexOf(f[1].Split(','), "0") >= 0;
            longTypes.UnionWith(f[2].Split(',', StringSplitOptions.RemoveEmptyEntries));
            http3Types.UnionWith(f[4].Split(',', StringSplitOptions.RemoveEmptyEntries));
        }

        Assert.Contains("0", longTypes);   // Initial (RFC 9000 §17.2)
        Assert.Contains("2", longTypes);   // Handshake
        Assert.True(sawShort, $"No 1-RTT packet:\n{fields}");
        Assert.Contains("4", http3Types);  // SETTINGS (RFC 9114 §7.2.4)
        Assert.Contains("1", http3Types);  // HEADERS
        Assert.Contains("0", http3Types);  // DATA

        // Every packet decrypted: no decryption failure, and no QUIC packet without a frame.
        string undecrypted = await Tshark.ReadAsync(capture, keyLog, port, "-Y", "quic.decryption_failed || (quic && !quic.frame) || !quic");
        Assert.True(undecrypted.Length == 0, $"Packets tshark could not decrypt or decode:\n{undecrypted}\ncapture and keys kept in {(undecrypted.Length == 0 ? "" : KeepCapture(scratch, capture, keyLog))}");
        // Severity 4194304 (0x400000) is "note" (warning 0x600000, error 0x800000). The one note
        // allowed is tshark's "reused stream offset (retransmission?)": a peer resending CRYPTO or
        // STREAM data after a probe timeout, which is what QUIC does (RFC 9002 §6.2.4).
        string problems = await Tshark.ReadAsync(capture, keyLog, port, "-Y",
            "_ws.malformed || _ws.expert.severity >= 6291456 || (_ws.expert.severity == 4194304 && !(_ws.expert.message contains \"reused stream offset\"))");
        if (problems.Length != 0)
        {
            string expert = await Tshark.ReadAsync(capture, keyLog, port, "-q", "-z", "expert");
            string kept = KeepCapture(scratch, capture, keyLog);
            Assert.Fail($"tshark found malformed packets or expert errors:\n{problems}\n{expert}\ncapture and keys kept in {kept}");
        }

        // Initial packets decrypt without keys: the ServerHello names the key-share group (0x11EC).
        string group = await Tshark.ReadAsync(capture, keyLog, port, "-Y", "tls.handshake.type == 2", "-T", "fields", "-e", "tls.handshake.extensions_key_share_group");
        Assert.Equal("4588", group.Trim());

        // The check above can fail: without the key log, the protected packets do not decrypt.
        string withoutKeys = await Tshark.ReadAsync(capture, scratch.File("no-such-keylog"), port, "-Y", "quic.decryption_failed");
        Assert.True(withoutKeys.Length > 0, "Without keys tshark still reported no decryption failure: the decryption check proves nothing.");
    }

    /// <summary>Copies a failing capture and its key log out of the scratch directory (deleted at the end) for a look with Wireshark.</summary>
    private static string KeepCapture(ChromiumScratch scratch, string capture, string keyLog)
    {
        string dir = Directory.CreateTempSubdirectory("sharpquic-chromium-capture-").FullName;
        File.Copy(capture, Path.Combine(dir, Path.GetFileName(capture)));
        File.Copy(keyLog, Path.Combine(dir, Path.GetFileName(keyLog)));
        File.Copy(scratch.File("netlog.json"), Path.Combine(dir, "netlog.json"));
        return dir;
    }

    /// <summary>One QUIC + HTTP/3 handshake with the server (our own client), so its handshake path is warm.</summary>
    private static async Task WarmUpAsync(SharpQuicServe serve, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var options = new QuicClientConnectionOptions
        {
            RemoteEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, serve.Port),
            ClientAuthenticationOptions = new System.Net.Security.SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString(),
            },
        };
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using SharpQuic.Http3.Http3ClientConnection connection = await SharpQuic.Http3.Http3ClientConnection.ConnectAsync(options, cancellationToken: cancel.Token);
    }
}
