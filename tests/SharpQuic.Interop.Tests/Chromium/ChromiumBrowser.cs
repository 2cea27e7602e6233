using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace SharpQuic.Interop.Tests.Chromium;

/// <summary>
/// Headless Chromium as an HTTP/3 client of our server, on loopback only: a fresh profile per
/// run, no name resolution except localhost, the server's self-signed certificate trusted by its
/// SPKI hash, and a net log. Two ways to drive it: <see cref="DumpDomAsync"/> (one page, its DOM
/// on stdout) and <see cref="VisitAsync"/> (several navigations in one tab over the DevTools
/// protocol, driven by <see cref="DevToolsSession"/>, each reporting what the page saw).
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
    /// page reported (see <see cref="PageVisit"/>). Fails the test if a page does not load within
    /// the run's 30 s or Chromium does not exit.
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
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var visits = new List<PageVisit>();
        try
        {
            await using DevToolsSession devTools = await DevToolsSession.ConnectAsync(profile, chromium, cancel.Token);
            (await devTools.SendAsync("Network.enable", null)).Dispose();
            (await devTools.SendAsync("Network.setCacheDisabled", new { cacheDisabled = true })).Dispose();
            for (int i = 0; i < urls.Count; i++)
            {
                if (i > 0)
                {
                    await Task.Delay(pause, cancel.Token);
                }

                visits.Add(await NavigateAsync(devTools, urls[i], cancel.Token));
            }

            await devTools.CloseBrowserAsync();
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Assert.Fail($"Chromium did not load {urls.Count} page(s) within 30 s; loaded:\n{string.Join("\n", visits.ConvertAll(static v => v.Json))}\n{chromium.Describe()}");
        }

        // Browser.close makes Chromium finish its net log and exit.
        int exit = await chromium.WaitForExitAsync(TimeSpan.FromSeconds(15));
        Assert.True(exit == 0, $"Chromium exited with {exit}.\n{chromium.Describe()}");
        return visits;
    }

    private static async Task<PageVisit> NavigateAsync(DevToolsSession devTools, string url, CancellationToken cancel)
    {
        // Mark the old document, so that "complete" below is the new page's even when the URL repeats.
        await devTools.EvaluateAsync("window.__sharpquicOld = true");
        using (JsonDocument navigated = await devTools.SendAsync("Page.navigate", new { url }))
        {
            if (navigated.RootElement.TryGetProperty("errorText", out JsonElement error))
            {
                Assert.Fail($"Chromium could not load {url}: {error.GetString()}");
            }
        }

        while (true)
        {
            JsonElement ready = await devTools.EvaluateAsync("!window.__sharpquicOld && document.readyState === 'complete'");
            if (ready.ValueKind == JsonValueKind.True)
            {
                break;
            }

            await Task.Delay(50, cancel);
        }

        JsonElement facts = await devTools.EvaluateAsync(PageVisit.Script);
        return PageVisit.Parse(facts.GetString() ?? "{}");
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

/// <summary>
/// What one loaded page reported: its URL and text, the protocol of the document and of each
/// sub-resource (Resource Timing <c>nextHopProtocol</c>: "h3", "h2", "http/1.1"), and how many of
/// its images really decoded (complete, naturalWidth &gt; 0).
/// </summary>
internal sealed record PageVisit(string Url, string Text, string? Protocol, IReadOnlyDictionary<string, int> ResourceProtocols, int Images, int ImagesRendered, string Json)
{
    /// <summary>The page-side script that collects the facts, as a JSON string.</summary>
    public const string Script = """
        (() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const protocols = {};
          for (const r of performance.getEntriesByType('resource')) protocols[r.nextHopProtocol] = (protocols[r.nextHopProtocol] || 0) + 1;
          const images = Array.from(document.images);
          return JSON.stringify({
            url: location.href,
            text: document.body ? document.body.innerText.slice(0, 2000) : '',
            protocol: nav ? nav.nextHopProtocol : null,
            resourceProtocols: protocols,
            images: images.length,
            imagesRendered: images.filter((i) => i.complete && i.naturalWidth > 0).length,
          });
        })()
        """;

    /// <summary>Parses what <see cref="Script"/> returned.</summary>
    public static PageVisit Parse(string line)
    {
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement root = doc.RootElement;

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
