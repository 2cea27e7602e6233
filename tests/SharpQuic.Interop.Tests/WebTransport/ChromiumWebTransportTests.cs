using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using SharpQuic.Interop.Tests.Chromium;

namespace SharpQuic.Interop.Tests.WebTransport;

/// <summary>
/// Headless Chromium as a WebTransport client of <c>sharpquic serve</c> (/webtransport/echo), driven by
/// run_wt.sh / wt.html / cdp_wt.mjs in this folder (Node 20): a bidirectional echo, a datagram echo and a
/// unidirectional echo, the certificate pinned by serverCertificateHashes (ECDSA P-256, 13 days).
/// </summary>
[Collection(InteropCollection.Name)]
public sealed partial class ChromiumWebTransportTests
{
    [ChromiumFact]
    public async Task Chromium_echoes_over_WebTransport_on_streams_and_datagrams()
    {
        Assert.True(FindNode() is not null, "node (20+) is not installed: run_wt.sh drives Chromium with cdp_wt.mjs.");
        using var scratch = new ChromiumScratch();
        using SharpQuicServe serve = await SharpQuicServe.StartAsync(scratch, scratch.HtDocs, altSvc: false);
        string netLog = scratch.File("wt-netlog.json");
        var environment = new Dictionary<string, string> { ["DPORT"] = FreeTcpPort().ToString(CultureInfo.InvariantCulture) };
        using var run = PeerProcess.Start("bash",
            [Path.Combine(Here(), "run_wt.sh"), serve.Origin + "/webtransport/echo", scratch.CertificatePath, netLog],
            TimeSpan.FromSeconds(60), environment);

        int exit = await run.WaitForExitAsync(TimeSpan.FromSeconds(55));
        string output = run.StandardOutput;
        int start = output.IndexOf('{', StringComparison.Ordinal);
        Assert.True(exit == 0 && start >= 0, $"run_wt.sh exited with {exit}.\n{run.Describe()}\n{serve.Process.Describe()}");
        using JsonDocument result = JsonDocument.Parse(output[start..]);
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

    private static string? FindNode()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "node")))
            {
                return Path.Combine(dir, "node");
            }
        }

        return null;
    }

    private static int FreeTcpPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    // The scripts live next to this file in the source tree (they are not copied to the output).
    private static string Here([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [GeneratedRegex("\"webtransport_http3_version\":\\s*\"([^\"]+)\"")]
    private static partial Regex WebTransportVersion();
}
