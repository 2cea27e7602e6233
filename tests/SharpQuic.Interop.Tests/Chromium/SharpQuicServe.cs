using System.Globalization;
using System.Text.RegularExpressions;
using SharpQuic.Cli.Cert;

namespace SharpQuic.Interop.Tests.Chromium;

/// <summary>
/// <c>sharpquic serve</c> as a separate process (<c>dotnet SharpQuic.Cli.dll serve …</c> from the
/// test output) on a free loopback port, with a fresh 13-day ECDSA P-256 certificate, killed by
/// its PID on Dispose; and the lines it logs, parsed.
/// </summary>
internal sealed partial class SharpQuicServe : IDisposable
{
    private readonly PeerProcess _process;

    private SharpQuicServe(PeerProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The UDP port (and, with --alt-svc, the TCP port too).</summary>
    public int Port { get; }

    /// <summary>The process, for failure messages.</summary>
    public PeerProcess Process => _process;

    /// <summary><c>https://127.0.0.1:PORT</c>.</summary>
    public string Origin => "https://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Everything the server printed so far.</summary>
    public string Log => _process.StandardOutput;

    /// <summary>
    /// Starts the server on a free port and waits until it listens. <paramref name="root"/> is
    /// its <c>--root</c>; <paramref name="altSvc"/> adds Kestrel on TCP with Alt-Svc;
    /// <paramref name="environment"/> adds environment variables (e.g. SHARPQUIC_GSO=0).
    /// </summary>
    public static async Task<SharpQuicServe> StartAsync(ChromiumScratch scratch, string root, bool altSvc, IReadOnlyDictionary<string, string>? environment = null)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "SharpQuic.Cli.dll");
        Assert.True(File.Exists(cli), $"{cli} is missing (the test project references SharpQuic.Cli).");
        // With --alt-svc the same port is also a TCP listener; a free UDP port is nearly always a free TCP one.
        int port = InteropScratch.FreeUdpPort();
        List<string> args =
        [
            cli, "serve", "--listen", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--cert", scratch.CertificatePath, "--key", scratch.KeyPath, "--root", root,
        ];
        if (altSvc)
        {
            args.Add("--alt-svc");
        }

        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var process = PeerProcess.Start(dotnet, args, TimeSpan.FromSeconds(90), environment);
        var serve = new SharpQuicServe(process, port);
        try
        {
            await process.WaitForOutputAsync("listening on https://", TimeSpan.FromSeconds(20)).ConfigureAwait(false);
            await InteropScratch.WaitUntilUdpPortBoundAsync(port, process, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch
        {
            serve.Dispose();
            throw;
        }

        return serve;
    }

    /// <summary>The connection lines: <c>&lt;remote&gt; connected: h3, &lt;cipher&gt;, group &lt;group&gt;, QUIC v1</c>.</summary>
    public List<ConnectionLine> Connections()
    {
        var list = new List<ConnectionLine>();
        foreach (string line in Lines())
        {
            Match m = ConnectedPattern().Match(line);
            if (m.Success)
            {
                list.Add(new ConnectionLine(m.Groups["remote"].Value, m.Groups["cipher"].Value, m.Groups["group"].Value, m.Groups["version"].Value));
            }
        }

        return list;
    }

    /// <summary>The request lines: <c>&lt;remote&gt; "GET /path HTTP/3" 200 &lt;bytes&gt;</c>.</summary>
    public List<RequestLine> Requests()
    {
        var list = new List<RequestLine>();
        foreach (string line in Lines())
        {
            Match m = RequestPattern().Match(line);
            if (m.Success)
            {
                list.Add(new RequestLine(m.Groups["remote"].Value, m.Groups["method"].Value, m.Groups["path"].Value, m.Groups["protocol"].Value,
                    int.Parse(m.Groups["status"].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups["bytes"].Value, CultureInfo.InvariantCulture)));
            }
        }

        return list;
    }

    /// <summary>
    /// Waits until the log holds at least <paramref name="count"/> request lines (a request is
    /// logged once its handler finished, which can be a moment after the browser saw the response).
    /// </summary>
    public async Task<List<RequestLine>> WaitForRequestsAsync(int count, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            List<RequestLine> requests = Requests();
            if (requests.Count >= count || Environment.TickCount64 > deadline || _process.HasExited)
            {
                return requests;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Kills the server by its PID.</summary>
    public void Dispose() => _process.Dispose();

    private string[] Lines() => Log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^(?<remote>\S+) connected: (?<alpn>\S+), (?<cipher>\S+), group (?<group>\S+), QUIC v(?<version>\d+)(?:, .*)?$")]
    private static partial Regex ConnectedPattern();

    [GeneratedRegex(@"^(?<remote>\S+) ""(?<method>[A-Z]+) (?<path>\S+) (?<protocol>HTTP/[0-9.]+)"" (?<status>\d{3}) (?<bytes>\d+)$")]
    private static partial Regex RequestPattern();
}

/// <summary>A connection line of the server log.</summary>
internal sealed record ConnectionLine(string Remote, string Cipher, string Group, string QuicVersion);

/// <summary>A request line of the server log.</summary>
internal sealed record RequestLine(string Remote, string Method, string Path, string Protocol, int Status, long Bytes);

/// <summary>
/// A temporary directory for one Chromium run: a fresh 13-day ECDSA P-256 certificate (cert.pem,
/// key.pem), a document root, and room for profiles, net logs, key logs and captures.
/// </summary>
internal sealed class ChromiumScratch : IDisposable
{
    /// <summary>Creates the directory and the certificate.</summary>
    public ChromiumScratch()
    {
        Root = Directory.CreateTempSubdirectory("sharpquic-chromium-").FullName;
        // 13 days: WebTransport-style limits (ECDSA, at most 14 days) that every peer accepts.
        Certificate = DevelopmentCertificate.Create(TimeSpan.FromDays(13));
        DevelopmentCertificate.WritePem(Certificate, Root);
        Directory.CreateDirectory(HtDocs);
    }

    /// <summary>The directory.</summary>
    public string Root { get; }

    /// <summary>The server certificate with its key.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate { get; }

    /// <summary>PEM certificate.</summary>
    public string CertificatePath => Path.Combine(Root, DevelopmentCertificate.CertificateFileName);

    /// <summary>PEM PKCS#8 key.</summary>
    public string KeyPath => Path.Combine(Root, DevelopmentCertificate.KeyFileName);

    /// <summary>The server's --root.</summary>
    public string HtDocs => Path.Combine(Root, "htdocs");

    /// <summary>A path inside the directory.</summary>
    public string File(string name) => Path.Combine(Root, name);

    /// <summary>Deletes the directory.</summary>
    public void Dispose()
    {
        Certificate.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A browser helper killed a moment ago may still hold a profile file; the temp cleaner takes the rest.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
