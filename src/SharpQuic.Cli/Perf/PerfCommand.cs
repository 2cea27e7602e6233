using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Cli.Common;

namespace SharpQuic.Cli.Perf;

/// <summary><c>sharpquic perf server ...</c> and <c>sharpquic perf client ...</c>: parsing and dispatch.</summary>
internal static class PerfCommand
{
    public const string ServerUsage = "sharpquic perf server [--listen ADDR:PORT] [--cert PEM --key PEM] " + TransportFlags.Usage;

    public const string ClientUsage = "sharpquic perf client ADDR:PORT (--download BYTES | --upload BYTES | --handshakes SECONDS | --requests SECONDS [--connections N] [--streams N] [--request-size B] [--response-size B]) [--group NAME] [--cipher aes128|aes256|chacha20] " + TransportFlags.Usage;

    private static readonly string[] s_serverValues = ["--listen", "--cert", "--key"];
    private static readonly string[] s_clientValues = ["--download", "--upload", "--handshakes", "--requests", "--connections", "--streams", "--request-size", "--response-size", "--group", "--cipher"];

    /// <summary>Runs <c>perf server</c> until <paramref name="stop"/>, or <c>perf client</c> once.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        switch (args.Length > 0 ? args[0] : null)
        {
            case "server":
                PerfServer? server = await StartServerAsync(args[1..], output, error).ConfigureAwait(false);
                if (server is null)
                {
                    return 2;
                }

                try
                {
                    await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    output.WriteLine("stopping");
                }

                await server.DisposeAsync().ConfigureAwait(false);
                return 0;
            case "h3":
                return await H3LoadCommand.RunAsync(args[1..], output, error, stop).ConfigureAwait(false);
            case "client":
                PerfClientSettings? settings = ParseClient(args[1..], error);
                return settings is null ? 2 : await PerfClient.RunAsync(settings, output, error, stop).ConfigureAwait(false);
            default:
                error.WriteLine("usage: " + ServerUsage);
                error.WriteLine("       " + ClientUsage);
                error.WriteLine("       " + H3LoadCommand.Usage);
                return 2;
        }
    }

    /// <summary>Parses <c>perf server</c> arguments and starts the server; null after printing why on failure.</summary>
    public static async Task<PerfServer?> StartServerAsync(string[] args, TextWriter output, TextWriter error)
    {
        CommandLine? line = CommandLine.Parse(args, TransportFlags.With(s_serverValues, TransportFlags.Values), TransportFlags.Flags, out string? problem);
        IPEndPoint listen = new(IPAddress.Loopback, 4433);
        if (line is not null && line.Positionals.Count > 0)
        {
            problem = $"unexpected argument '{line.Positionals[0]}'";
        }
        else if (line?.Value("--listen") is string text && !CommandLine.TryParseListenEndPoint(text, out listen))
        {
            problem = $"--listen: '{text}' is not ADDR:PORT";
        }

        X509Certificate2? certificate = null;
        if (line is not null && problem is null)
        {
            certificate = ServerCertificate.Resolve(line.Value("--cert"), line.Value("--key"), out problem);
        }

        if (certificate is null)
        {
            error.WriteLine($"sharpquic perf server: {problem}");
            error.WriteLine("usage: " + ServerUsage);
            return null;
        }

        PerfServer server;
        try
        {
            var probe = new QuicServerConnectionOptions();
            string? flagProblem = TransportFlags.Apply(probe, line!);
            if (flagProblem is not null)
            {
                error.WriteLine($"sharpquic perf server: {flagProblem}");
                certificate.Dispose();
                return null;
            }

            server = await PerfServer.StartAsync(listen, certificate, output, o => TransportFlags.Apply(o, line!)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
        {
            error.WriteLine($"sharpquic perf server: cannot listen on {listen}: {e.Message}");
            certificate.Dispose();
            return null;
        }

        output.WriteLine($"perf server listening on {server.LocalEndPoint} (ALPN {PerfServer.Alpn}, {server.SocketKind} sockets), certificate SHA-256 {ServerCertificate.Fingerprint(certificate)}");
        return server;
    }

    /// <summary>Parses <c>perf client</c> arguments; null after printing why.</summary>
    public static PerfClientSettings? ParseClient(string[] args, TextWriter error)
    {
        PerfClientSettings? settings = TryParseClient(args, out string? problem);
        if (settings is null)
        {
            error.WriteLine($"sharpquic perf client: {problem}");
            error.WriteLine("usage: " + ClientUsage);
        }

        return settings;
    }

    private static PerfClientSettings? TryParseClient(string[] args, out string? problem)
    {
        CommandLine? line = CommandLine.Parse(args, TransportFlags.With(s_clientValues, TransportFlags.Values), TransportFlags.Flags, out problem);
        if (line is null)
        {
            return null;
        }

        if (line.Positionals.Count != 1 || !CommandLine.TryParseEndPoint(line.Positionals[0], out EndPoint remote, out string host))
        {
            problem = line.Positionals.Count == 0 ? "the server's ADDR:PORT is required" : $"'{string.Join(' ', line.Positionals)}' is not one ADDR:PORT";
            return null;
        }

        int modes = 0;
        PerfMode mode = default;
        string? modeValue = null;
        foreach ((string name, PerfMode m) in (ReadOnlySpan<(string, PerfMode)>)[("--download", PerfMode.Download), ("--upload", PerfMode.Upload), ("--handshakes", PerfMode.Handshakes), ("--requests", PerfMode.Requests)])
        {
            if (line.Value(name) is string v)
            {
                modes++;
                mode = m;
                modeValue = v;
            }
        }

        if (modes != 1)
        {
            problem = "give exactly one of --download, --upload, --handshakes, --requests";
            return null;
        }

        var settings = new PerfClientSettings(remote, host, mode) { Group = line.Value("--group"), Cipher = line.Value("--cipher"), Transport = line };
        if (TransportFlags.Apply(new QuicClientConnectionOptions(), line) is string flagProblem)
        {
            problem = flagProblem;
            return null;
        }

        if (mode is PerfMode.Download or PerfMode.Upload)
        {
            if (!CommandLine.TryParseBytes(modeValue!, out long bytes))
            {
                problem = $"'{modeValue}' is not a byte count (e.g. 1G, 100M, 64K)";
                return null;
            }

            settings = settings with { Bytes = bytes };
        }
        else
        {
            if (!double.TryParse(modeValue, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds) || seconds <= 0 || seconds > 86_400)
            {
                problem = $"'{modeValue}' is not a number of seconds";
                return null;
            }

            settings = settings with { Duration = TimeSpan.FromSeconds(seconds) };
        }

        if (!TryCount(line, "--connections", 1, 10_000, out int connections, ref problem)
            || !TryCount(line, "--streams", 1, 1000, out int streams, ref problem)
            || !TrySize(line, "--request-size", out long requestSize, ref problem)
            || !TrySize(line, "--response-size", out long responseSize, ref problem))
        {
            return null;
        }

        if (mode is not PerfMode.Requests && (line.Has("--streams") || line.Has("--request-size") || line.Has("--response-size")))
        {
            problem = "--streams, --request-size and --response-size go with --requests";
            return null;
        }

        return settings with { Connections = connections, Streams = streams, RequestSize = requestSize, ResponseSize = responseSize };
    }

    private static bool TryCount(CommandLine line, string name, int min, int max, out int value, ref string? problem)
    {
        value = 1;
        if (line.Value(name) is not string text)
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        problem = $"{name}: '{text}' is not a count in {min}..{max}";
        return false;
    }

    private static bool TrySize(CommandLine line, string name, out long value, ref string? problem)
    {
        value = 1;
        if (line.Value(name) is not string text)
        {
            return true;
        }

        if (CommandLine.TryParseBytes(text, out value))
        {
            return true;
        }

        problem = $"{name}: '{text}' is not a byte count";
        return false;
    }
}
