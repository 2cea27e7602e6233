using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Interop.Tests.Chromium;

/// <summary>
/// Headless Chromium against <c>sharpquic serve</c> (a separate process) on loopback: a page over
/// HTTP/3, fifty sub-resources over one QUIC connection, and Alt-Svc discovery from TCP.
/// </summary>
[Collection(InteropCollection.Name)]
public sealed class ChromiumH3Tests
{
    private const string HomeText = "Hello from SharpQuic over HTTP/3";

    /// <summary>Chromium loads / over HTTP/3, with X25519MLKEM768, and stays on loopback.</summary>
    [ChromiumFact]
    public async Task Chromium_loads_the_home_page_over_http3()
    {
        using var scratch = new ChromiumScratch();
        using SharpQuicServe serve = await SharpQuicServe.StartAsync(scratch, scratch.HtDocs, altSvc: false);
        var browser = new ChromiumBrowser(scratch.Root, scratch.Certificate);
        string netLogPath = scratch.File("netlog.json");

        string dom = await browser.DumpDomAsync(serve.Origin + "/", "127.0.0.1:" + serve.Port.ToString(CultureInfo.InvariantCulture), netLogPath);

        Assert.True(dom.Contains(HomeText, StringComparison.Ordinal), $"The DOM lacks the page's heading:\n{dom}\n{serve.Process.Describe()}");
        RequestLine home = await HomeRequestAsync(serve);
        ConnectionLine connection = await ConnectionOfAsync(serve, home.Remote);
        Assert.Equal("X25519MLKEM768", connection.Group);
        Assert.Equal("1", connection.QuicVersion);
        Assert.StartsWith("TLS_", connection.Cipher, StringComparison.Ordinal);

        NetLog log = NetLog.Load(netLogPath);
        AssertQuicSessionTo(log, serve);
        Assert.True(log.Http3HeadersDecoded >= 1, $"Chromium decoded no HTTP/3 header block.\n{log}");
        Assert.True(log.Http3SettingsReceived.Count >= 1, $"Chromium received no HTTP/3 SETTINGS.\n{log}");
        // The server's log names Chromium's QUIC socket: the request came from this browser.
        Assert.True(log.LoopbackUdpLocalAddresses.Contains(home.Remote), $"The request came from {home.Remote}, not from Chromium's QUIC socket(s) [{string.Join(", ", log.LoopbackUdpLocalAddresses)}].");
        AssertStayedOnLoopback(log);
    }

    /// <summary>/many/50: the page and its 50 images over one QUIC connection, and the images really render.</summary>
    [ChromiumFact]
    public async Task Chromium_loads_fifty_subresources_over_one_quic_connection()
    {
        using var scratch = new ChromiumScratch();
        using SharpQuicServe serve = await SharpQuicServe.StartAsync(scratch, scratch.HtDocs, altSvc: false);
        var browser = new ChromiumBrowser(scratch.Root, scratch.Certificate);
        string netLogPath = scratch.File("netlog.json");

        List<PageVisit> visits = await browser.VisitAsync([serve.Origin + "/many/50"],
            ["--origin-to-force-quic-on=127.0.0.1:" + serve.Port.ToString(CultureInfo.InvariantCulture)], netLogPath, TimeSpan.Zero);

        PageVisit page = visits[0];
        Assert.Equal(50, page.Images);
        Assert.True(page.ImagesRendered == 50, $"Only {page.ImagesRendered} of 50 images rendered (complete, naturalWidth > 0): {page.Json}");
        Assert.Equal("h3", page.Protocol);
        foreach ((string protocol, int count) in page.ResourceProtocols)
        {
            Assert.True(protocol == "h3", $"{count} sub-resource(s) came over {protocol}, not h3: {page.Json}");
        }

        // 1 page + 50 images (Chromium may add /favicon.ico: not counted).
        List<RequestLine> requests = await serve.WaitForRequestsAsync(51, TimeSpan.FromSeconds(5));
        requests.RemoveAll(static r => r.Path == "/favicon.ico");
        Assert.True(requests.Count == 51, $"{requests.Count} requests logged, expected 51.\n{serve.Process.Describe()}");
        var pixels = new HashSet<string>(StringComparer.Ordinal);
        foreach (RequestLine r in requests)
        {
            Assert.Equal("HTTP/3", r.Protocol);
            Assert.Equal(200, r.Status);
            if (r.Path.StartsWith("/pixel/", StringComparison.Ordinal))
            {
                Assert.True(pixels.Add(r.Path), $"{r.Path} was fetched twice.");
            }
        }

        for (int i = 0; i < 50; i++)
        {
            Assert.Contains("/pixel/" + i.ToString(CultureInfo.InvariantCulture), pixels);
        }

        List<ConnectionLine> connections = serve.Connections();
        Assert.True(connections.Count == 1, $"{connections.Count} connection lines, expected exactly one.\n{serve.Process.Describe()}");
        foreach (RequestLine r in requests)
        {
            Assert.Equal(connections[0].Remote, r.Remote);
        }

        NetLog log = NetLog.Load(netLogPath);
        AssertQuicSessionTo(log, serve);
        Assert.True(log.Http3HeadersDecoded >= 51, $"Chromium decoded {log.Http3HeadersDecoded} HTTP/3 header blocks, expected 51 or more.\n{log}");
        AssertStayedOnLoopback(log);
    }

    /// <summary>
    /// serve --alt-svc, without forcing QUIC for the server's origin: the first navigation goes over
    /// TCP (HTTP/2) and its response carries Alt-Svc; a later navigation in the same browser uses HTTP/3.
    /// </summary>
    /// <remarks>
    /// Chromium accepts a certificate that does not chain to a known root over QUIC only for hosts
    /// named in <c>--origin-to-force-quic-on</c>, whatever <c>--ignore-certificate-errors-spki-list</c>
    /// says: without that, the Alt-Svc QUIC attempt fails (CERTIFICATE_VERIFY_FAILED, TLS alert 46
    /// sent to the server) and Chromium marks the alternative broken. The exemption is per host, not
    /// per port, so the test forces QUIC for 127.0.0.1 on another, dead port: the server's own port
    /// is still reached over TCP first and over HTTP/3 only through Alt-Svc.
    /// </remarks>
    [ChromiumFact]
    public async Task Chromium_discovers_http3_through_alt_svc()
    {
        using var scratch = new ChromiumScratch();
        using SharpQuicServe serve = await SharpQuicServe.StartAsync(scratch, scratch.HtDocs, altSvc: true);

        // The TCP response itself carries the advertisement.
        string altSvc = await AltSvcOverTcpAsync(serve.Port, scratch.Certificate);
        Assert.Equal($"h3=\":{serve.Port.ToString(CultureInfo.InvariantCulture)}\"; ma=86400", altSvc);

        var browser = new ChromiumBrowser(scratch.Root, scratch.Certificate);
        string netLogPath = scratch.File("netlog.json");
        int deadPort = InteropScratch.FreeUdpPort();
        Assert.NotEqual(serve.Port, deadPort);
        string home = serve.Origin + "/";
        List<PageVisit> visits = await browser.VisitAsync([home, home, home, home, home],
            ["--origin-to-force-quic-on=127.0.0.1:" + deadPort.ToString(CultureInfo.InvariantCulture)], netLogPath, TimeSpan.FromMilliseconds(300));

        string all = string.Join("\n", visits.ConvertAll(static v => v.Json));
        Assert.True(visits[0].Protocol is "h2" or "http/1.1", $"The first navigation did not go over TCP:\n{all}");
        int firstH3 = visits.FindIndex(static v => v.Protocol == "h3");
        Assert.True(firstH3 > 0, $"No navigation after the first used HTTP/3:\n{all}\n{NetLog.Load(netLogPath)}\n{serve.Process.Describe()}");
        Assert.Contains(HomeText, visits[firstH3].Text, StringComparison.Ordinal);

        // The server logs HTTP/3 requests only (the Kestrel front logs nothing): the one Chromium sent after TCP.
        RequestLine request = await HomeRequestAsync(serve);
        ConnectionLine connection = await ConnectionOfAsync(serve, request.Remote);
        Assert.Equal("X25519MLKEM768", connection.Group);

        NetLog log = NetLog.Load(netLogPath);
        string port = serve.Port.ToString(CultureInfo.InvariantCulture);
        Assert.True(log.Http2Sessions.Contains("127.0.0.1:" + port), $"No HTTP/2 session to the server.\n{log}");
        Assert.True(log.AltSvcFound.Exists(a => a.Contains("quic 127.0.0.1:" + port, StringComparison.Ordinal)), $"Chromium never used the Alt-Svc entry.\n{log}");
        AssertQuicSessionTo(log, serve);
        Assert.True(log.LoopbackUdpLocalAddresses.Contains(request.Remote), $"The HTTP/3 request came from {request.Remote}, not from Chromium.\n{log}");
        AssertStayedOnLoopback(log);
    }

    internal static async Task<RequestLine> HomeRequestAsync(SharpQuicServe serve)
    {
        List<RequestLine> requests = await serve.WaitForRequestsAsync(1, TimeSpan.FromSeconds(5));
        RequestLine? home = requests.Find(static r => r.Path == "/");
        Assert.True(home is not null, $"The server logged no request for /.\n{serve.Process.Describe()}");
        Assert.Equal("GET", home.Method);
        Assert.Equal("HTTP/3", home.Protocol);
        Assert.Equal(200, home.Status);
        Assert.True(home.Bytes > HomeText.Length, $"The response to / had {home.Bytes} body bytes.");
        return home;
    }

    internal static async Task<ConnectionLine> ConnectionOfAsync(SharpQuicServe serve, string remote)
    {
        // The connection line can come just after the first request line: both are printed as they happen.
        await serve.Process.WaitForOutputAsync(remote + " connected: ", TimeSpan.FromSeconds(5));
        ConnectionLine? line = serve.Connections().Find(c => c.Remote == remote);
        Assert.True(line is not null, $"No connection line for {remote}.\n{serve.Process.Describe()}");
        return line;
    }

    internal static void AssertQuicSessionTo(NetLog log, SharpQuicServe serve)
    {
        string target = "127.0.0.1:" + serve.Port.ToString(CultureInfo.InvariantCulture);
        Assert.True(log.QuicSessions.Contains(target), $"Chromium's net log has no QUIC session to {target}.\n{log}");
        Assert.True(log.QuicVersions.Count > 0 && log.QuicVersions.TrueForAll(static v => v == "RFCv1"), $"Chromium negotiated [{string.Join(", ", log.QuicVersions)}], not only RFCv1.\n{log}");
    }

    internal static void AssertStayedOnLoopback(NetLog log)
    {
        Assert.True(log.NonLoopbackTraffic.Count == 0, $"Chromium reached beyond loopback.\n{log}");
        Assert.True(log.DnsTransactions.Count == 0, $"Chromium asked the system resolver.\n{log}");
    }

    /// <summary>
    /// The raw alt-svc header of an HTTP/1.1 GET over TLS (HttpClient would parse the header and
    /// drop its parameters). Trusts exactly the server's certificate.
    /// </summary>
    private static async Task<string> AltSvcOverTcpAsync(int port, X509Certificate2 certificate)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port, cts.Token);
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false,
            (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" }, cts.Token);
        string request = $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}\r\nConnection: close\r\n\r\n";
        await tls.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), cts.Token);
        using var reader = new StreamReader(tls, System.Text.Encoding.ASCII);
        string response = await reader.ReadToEndAsync(cts.Token);
        string head = response[..Math.Max(0, response.IndexOf("\r\n\r\n", StringComparison.Ordinal))];
        Assert.StartsWith("HTTP/1.1 200", head, StringComparison.Ordinal);
        foreach (string line in head.Split("\r\n"))
        {
            if (line.StartsWith("alt-svc:", StringComparison.OrdinalIgnoreCase))
            {
                return line["alt-svc:".Length..].Trim();
            }
        }

        Assert.Fail($"The TCP response has no alt-svc header:\n{head}");
        return "";
    }
}
