using System.Net;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Cli.Common;
using SharpQuic.Http3;

namespace SharpQuic.Cli.Http3;

/// <summary>
/// <c>sharpquic serve</c>: the HTTP/3 server of <see cref="SampleSite"/>. Ctrl-C shuts down
/// gracefully: GOAWAY, in-flight requests finish, then the connections close.
/// </summary>
internal static class H3ServeCommand
{
    public const string Usage = "sharpquic serve [--listen ADDR:PORT] [--root DIR] [--cert PEM --key PEM] [--retry] [--early-data] [--qlog-dir DIR] [--alt-svc] [--keylog FILE] [--quiet]";

    private static readonly string[] s_values = ["--listen", "--root", "--cert", "--key", "--qlog-dir", "--cc", "--key-update", "--keylog"];
    private static readonly string[] s_flags = ["--retry", "--early-data", "--alt-svc", "--quiet", "--no-pacing"];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        CommandLine? line = CommandLine.Parse(args, s_values, s_flags, out string? problem);
        IPEndPoint listen = new(IPAddress.Loopback, 4433);
        if (line is not null && line.Positionals.Count > 0)
        {
            problem = $"unexpected argument '{line.Positionals[0]}'";
        }
        else if (line?.Value("--listen") is string text && !CommandLine.TryParseListenEndPoint(text, out listen))
        {
            problem = $"--listen: '{text}' is not ADDR:PORT";
        }

        string root = Path.GetFullPath(line?.Value("--root") ?? Directory.GetCurrentDirectory());
        if (line is not null && problem is null && !Directory.Exists(root))
        {
            problem = $"--root: '{root}' is not a folder";
        }

        if (line is not null && problem is null && TransportFlags.Apply(new QuicServerConnectionOptions(), line) is string flagProblem)
        {
            problem = flagProblem;
        }

        if (line is null || problem is not null)
        {
            error.WriteLine($"sharpquic serve: {problem}");
            error.WriteLine("usage: " + Usage);
            return 2;
        }

        X509Certificate2? certificate = ServerCertificate.Resolve(line.Value("--cert"), line.Value("--key"), out problem);
        if (certificate is null)
        {
            error.WriteLine($"sharpquic serve: {problem}");
            return 2;
        }

        Http3RouteTable routes = SampleSite.Build(root);
        var options = new Http3ServerOptions
        {
            ListenEndPoint = listen,
            ServerCertificate = certificate,
            RequireRetry = line.Has("--retry"),
            AcceptEarlyData = line.Has("--early-data"),
            QlogDirectory = line.Value("--qlog-dir"),
            Log = line.Has("--quiet") ? null : output,
            // WebTransport at /webtransport/echo: advertised in SETTINGS and max_datagram_frame_size.
            WebTransport = new WebTransportServerOptions(),
            ConfigureConnection = quic =>
            {
                TransportFlags.Apply(quic, line);
                // --keylog: TLS secrets for Wireshark/tshark, the only way keys leave the process.
                quic.KeyLogFile = line.Value("--keylog");
            },
        };

        Http3Server server;
        AltSvcFront? front = null;
        try
        {
            server = await Http3Server.StartAsync(options, routes).ConfigureAwait(false);
            if (line.Has("--alt-svc"))
            {
                front = await AltSvcFront.StartAsync(new IPEndPoint(listen.Address, server.LocalEndPoint.Port), certificate, routes, server.LocalEndPoint.Port, options.Log).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or QuicException or IOException)
        {
            error.WriteLine($"sharpquic serve: cannot listen on {listen}: {e.Message}");
            certificate.Dispose();
            return 1;
        }

        output.WriteLine($"listening on https://{server.LocalEndPoint}/ (HTTP/3{(front is null ? "" : ", and HTTP/1.1 + HTTP/2 over TCP with Alt-Svc")}{(options.RequireRetry ? ", Retry required" : "")}{(options.AcceptEarlyData ? ", 0-RTT accepted" : "")}), root {root}");
        output.WriteLine($"certificate {certificate.Subject}{(line.Has("--cert") ? "" : " (development, self-signed)")} SHA-256 {ServerCertificate.Fingerprint(certificate)}");
        output.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            output.WriteLine("stopping: GOAWAY sent, waiting for requests in flight");
        }

        if (front is not null)
        {
            await front.DisposeAsync().ConfigureAwait(false);
        }

        await server.ShutdownAsync().ConfigureAwait(false);
        await server.DisposeAsync().ConfigureAwait(false);
        output.WriteLine("stopped");
        certificate.Dispose();
        return 0;
    }
}
