using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace SharpQuic.Interop.Tests.Chromium;

/// <summary>
/// Headless Chromium as an HTTP/3 client of our server, on loopback only: a fresh profile per
/// run, no name resolution except localhost, the server's self-signed certificate trusted by its
/// SPKI hash, and a net log. Two ways to drive it: <see cref="DumpDomAsync"/> (one page, its DOM
/// on stdout) and <see cref="VisitAsync"/> (several navigations in one tab over the DevTools
/// protocol, each reporting what the page saw).
/// </summary>
internal sealed class ChromiumBrowser
{
    private static readonly string[] s_candidates = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"];

    private readonly string _profileRoot;
    private readonly X509Certificate2 _certificate;
    private int _runs;

    /// <param name="workDirectory">Where profiles and net logs go (one sub-directory per run).</param>
    /// <param name="certificate">The server certificate to trust (by its SPKI hash).</param>
    public ChromiumBrowser(string workDirectory, X509Certificate2 certificate)
    {
        _profileRoot = workDirectory;
        _certificate = certificate;
    }

    /// <summary>Chromium's program, or null when it is not installed.</summary>
    public static string? FindExecutable()
    {
        foreach (string path in s_candidates)
        {
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>Node's program, or null.</summary>
    public static string? FindNode() => Ngtcp2.Find("node", Ngtcp2.SearchDirectories());

    /// <summary>
    /// The base64 SHA-256 of the certificate's SubjectPublicKeyInfo: what
    /// <c>--ignore-certificate-errors-spki-list</c> takes, the only way Chromium accepts a
    /// self-signed certificate over QUIC.
    /// </summary>
    public static string SpkiHash(X509Certificate2 certificate) =>
        Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));

    /// <summary>
    /// Loads <paramref name="url"/> and returns the DOM Chromium printed (<c>--dump-dom</c>).
    /// Fails the test if Chromium does not finish within its deadline.
    /// </summary>
    /// <param name="url">The page.</param>
    /// <param name="forceQuicOrigin">host:port that Chromium must reach over QUIC (<c>--origin-to-force-quic-on</c>).</param>
    /// <param name="netLogPath">Where Chromium writes its net log.</param>
    /// <param name="keyLogPath">Where Chromium writes its TLS secrets (NSS key log), or null.</param>
    public async Task<string> DumpDomAsync(string url, string forceQuicOrigin, string netLogPath, string? keyLogPath = null)
    {
        List<string> args = CommonArguments(NewProfile(), netLogPath, keyLogPath);
        args.Add("--origin-to-force-quic-on=" + forceQuicOrigin);
        // Virtual time lets the page finish loading (sub-resources too) before the DOM is printed.
        args.Add("--virtual-time-budget=10000");
        args.Add("--dump-dom");
        args.Add(url);
        using var chromium = PeerProcess.Start(FindExecutable()!, args, TimeSpan.FromSeconds(40));
        int exit = await chromium.WaitForExitAsync(TimeSpan.FromSeconds(35)).ConfigureAwait(false);
        Assert.True(exit == 0, $"Chromium exited with {exit}.\n{chromium.Describe()}");
        return chromium.StandardOutput;
    }

    /// <summary>
    /// Starts Chromium with the DevTools protocol on, navigates one tab to each URL in turn
    /// (waiting <paramref name="pause"/> between them) and returns, per navigation, what the loaded
    /// page reported (see cdp-visit.mjs): url, text, protocol, resourceProtocols, images,
    /// imagesRendered. Fails the test if a page does not load or Chromium does not exit.
    /// </summary>
    /// <param name="urls">The pages, in order.</param>
    /// <param name="extraArguments">More Chromium switches (e.g. <c>--origin-to-force-quic-on=…</c>).</param>
    /// <param name="netLogPath">Where Chromium writes its net log.</param>
    /// <param name="pause">The wait between two navigations.</param>
    public async Task<List<PageVisit>> VisitAsync(IReadOnlyList<string> urls, IReadOnlyList<string> extraArguments, string netLogPath, TimeSpan pause)
    {
        string profile = NewProfile();
        List<string> args = CommonArguments(profile, netLogPath, keyLogPath: null);
        args.AddRange(extraArguments);
        // Port 0: Chromium picks a free port and writes it to <profile>/DevToolsActivePort.
        args.Add("--remote-debugging-address=127.0.0.1");
        args.Add("--remote-debugging-port=0");
        args.Add("about:blank");
        using var chromium = PeerProcess.Start(FindExecutable()!, args, TimeSpan.FromSeconds(45));

        string driver = Path.Combine(AppContext.BaseDirectory, "Chromium", "cdp-visit.mjs");
        Assert.True(File.Exists(driver), $"{driver} is missing from the test output (csproj <None Include=\"Chromium/*.mjs\">).");
        List<string> nodeArgs = ["--experimental-websocket", "--no-warnings", driver, profile, "30000", ((int)pause.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture)];
        nodeArgs.AddRange(urls);
        using var node = PeerProcess.Start(FindNode()!, nodeArgs, TimeSpan.FromSeconds(40));
        int nodeExit = await node.WaitForExitAsync(TimeSpan.FromSeconds(38)).ConfigureAwait(false);

        var visits = new List<PageVisit>();
        foreach (string line in node.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            visits.Add(PageVisit.Parse(line));
        }

        Assert.True(nodeExit == 0, $"The DevTools driver failed ({nodeExit}).\n{node.Describe()}\n--- chromium ---\n{chromium.Describe()}");
        // Browser.close makes Chromium finish its net log and exit.
        int exit = await chromium.WaitForExitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        Assert.True(exit == 0, $"Chromium exited with {exit}.\n{chromium.Describe()}");
        Assert.Equal(urls.Count, visits.Count);
        return visits;
    }

    private string NewProfile()
    {
        string profile = Path.Combine(_profileRoot, "chromium-profile-" + Interlocked.Increment(ref _runs).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(profile);
        return profile;
    }

    private List<string> CommonArguments(string profile, string netLogPath, string? keyLogPath)
    {
        List<string> args =
        [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile,
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-extensions", "--disable-default-apps",
            // Loopback only: localhost is 127.0.0.1, every other name fails without asking a resolver.
            "--disable-features=AsyncDns",
            "--host-resolver-rules=MAP localhost 127.0.0.1, EXCLUDE 127.0.0.1, EXCLUDE [::1], MAP * ~NOTFOUND",
            "--ignore-certificate-errors-spki-list=" + SpkiHash(_certificate),
            "--log-net-log=" + netLogPath,
        ];
        if (keyLogPath is not null)
        {
            args.Add("--ssl-key-log-file=" + keyLogPath);
        }

        return args;
    }
}

/// <summary>What one loaded page reported through the DevTools driver.</summary>
internal sealed record PageVisit(string Url, string Text, string? Protocol, IReadOnlyDictionary<string, int> ResourceProtocols, int Images, int ImagesRendered, string Json)
{
    /// <summary>Parses one line of cdp-visit.mjs output; fails the test on an error line.</summary>
    public static PageVisit Parse(string line)
    {
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement root = doc.RootElement;
        if (root.TryGetProperty("error", out JsonElement error))
        {
            Assert.Fail($"Chromium could not load a page: {line}");
        }

        var protocols = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty p in root.GetProperty("resourceProtocols").EnumerateObject())
        {
            protocols[p.Name] = p.Value.GetInt32();
        }

        return new PageVisit(
            root.GetProperty("url").GetString() ?? "",
            root.GetProperty("text").GetString() ?? "",
            root.GetProperty("protocol").ValueKind == JsonValueKind.String ? root.GetProperty("protocol").GetString() : null,
            protocols,
            root.GetProperty("images").GetInt32(),
            root.GetProperty("imagesRendered").GetInt32(),
            line);
    }
}
