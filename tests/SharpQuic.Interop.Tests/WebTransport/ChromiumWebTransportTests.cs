using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using SharpQuic.Interop.Tests.Chromium;

namespace SharpQuic.Interop.Tests.WebTransport;

/// <summary>
/// Headless Chromium as a WebTransport client of <c>sharpquic serve</c> (/webtransport/echo): wt.html in this folder,
/// driven over the DevTools protocol (run_wt.sh and cdp_wt.mjs do the same by hand, with Node 20): a bidirectional echo, a datagram echo and a
/// unidirectional echo, the certificate pinned by serverCertificateHashes (ECDSA P-256, 13 days).
/// </summary>
[Collection(InteropCollection.Name)]
public sealed partial class ChromiumWebTransportTests
{
    [ChromiumFact]
    public async Task Chromium_echoes_over_WebTransport_on_streams_and_datagrams()
    {
        using var scratch = new ChromiumScratch();
        using SharpQuicServe serve = await SharpQuicServe.StartAsync(scratch, scratch.HtDocs, altSvc: false);
        string netLog = scratch.File("wt-netlog.json");
        string json = await RunPageAsync(scratch, serve.Origin + "/webtransport/echo", netLog, serve);
        using JsonDocument result = JsonDocument.Parse(json);
        JsonElement root = result.RootElement;
        string context = $"{root}\n{serve.Log}";

        Assert.True(root.TryGetProperty("connected", out JsonElement connected) && connected.GetBoolean(), context);
        Assert.Equal("ping", root.GetProperty("echo").GetString());
        Assert.True(root.TryGetProperty("datagram", out JsonElement datagram), context);
        Assert.Equal("dgram", datagram.GetString());
        Assert.True(root.TryGetProperty("uni", out JsonElement uni), context);
        Assert.Equal("uni", uni.GetString());
        Assert.Contains("\"CONNECT /webtransport/echo HTTP/3\" 200", serve.Log, StringComparison.Ordinal);

        // What Chromium 156 settled on, from its net log (QUIC_SESSION_WEBTRANSPORT_SESSION_READY).
        string log = await File.ReadAllTextAsync(netLog);
        Match version = WebTransportVersion().Match(log);
        Assert.True(version.Success, "The net log has no QUIC_SESSION_WEBTRANSPORT_SESSION_READY event.");
        Assert.Equal("draft-02", version.Groups[1].Value);
        Assert.Matches("\"http_datagram_version\":\\s*\"Rfc\"", log);
    }

    /// <summary>
    /// Opens wt.html (from file://, a secure context) in headless Chromium over the DevTools protocol and waits for
    /// the page's <c>window.__wt_result</c>: what run_wt.sh and cdp_wt.mjs do, without needing Node.
    /// </summary>
    private static async Task<string> RunPageAsync(ChromiumScratch scratch, string url, string netLog, SharpQuicServe serve,
        string pageName = "wt.html", string query = "&timeout=8000", int limitSeconds = 40)
    {
        string profile = scratch.File("wt-profile");
        Directory.CreateDirectory(profile);
        // serverCertificateHashes: the SHA-256 of the certificate (ECDSA, at most 14 days), the WebTransport way.
        string hash = Convert.ToHexStringLower(scratch.Certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
        string page = new Uri(Path.Combine(Here(), pageName)).AbsoluteUri
            + $"?url={Uri.EscapeDataString(url)}&hash={hash}{query}";
        List<string> args =
        [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile,
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-features=AsyncDns",
            "--host-resolver-rules=MAP localhost 127.0.0.1, EXCLUDE 127.0.0.1, EXCLUDE [::1], MAP * ~NOTFOUND",
            "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            "--log-net-log=" + netLog, "about:blank",
        ];
        using var chromium = PeerProcess.Start(ChromiumBrowser.FindExecutable()!, args, TimeSpan.FromSeconds(60));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(limitSeconds));
        string? json = null;
        try
        {
            await using DevToolsSession devTools = await DevToolsSession.ConnectAsync(profile, chromium, cancel.Token);
            (await devTools.SendAsync("Page.navigate", new { url = page })).Dispose();
            while (json is null)
            {
                JsonElement value = await devTools.EvaluateAsync("JSON.stringify(window.__wt_result || null)");
                string? text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
                if (text is not null && text != "null")
                {
                    json = text;
                    break;
                }

                await Task.Delay(200, cancel.Token);
            }

            await devTools.CloseBrowserAsync();
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Assert.Fail($"The WebTransport page gave no result within {limitSeconds} s.\n{chromium.Describe()}\n{serve.Process.Describe()}");
        }

        // Browser.close makes Chromium finish its net log and exit.
        await chromium.WaitForExitAsync(TimeSpan.FromSeconds(15));
        return json!;
    }

    // The scripts live next to this file in the source tree (they are not copied to the output).
    private static string Here([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [GeneratedRegex("\"webtransport_http3_version\":\\s*\"([^\"]+)\"")]
    private static partial Regex WebTransportVersion();
}
