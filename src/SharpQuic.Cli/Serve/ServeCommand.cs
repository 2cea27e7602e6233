using System.Net;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Cli.Common;

namespace SharpQuic.Cli.Serve;

/// <summary><c>sharpquic echo serve [--listen ADDR:PORT] [--cert PEM --key PEM] [--retry] [--qlog-dir DIR]</c>.</summary>
internal static class ServeCommand
{
    public const string Usage = "sharpquic echo serve [--listen ADDR:PORT] [--cert PEM --key PEM] [--retry] [--early-data] [--qlog-dir DIR]";

    private static readonly string[] s_valueOptions = ["--listen", "--cert", "--key", "--qlog-dir"];
    private static readonly string[] s_flagOptions = ["--retry", "--early-data"];

    /// <summary>Serves until <paramref name="stop"/> fires (Ctrl-C / SIGTERM), then closes every connection with code 0.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        EchoServer? server = await StartAsync(args, output, error).ConfigureAwait(false);
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
            output.WriteLine("stopping: closing connections with application code 0");
        }

        await server.DisposeAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// Parses the arguments and starts the server, printing its address and certificate fingerprint to
    /// <paramref name="output"/>; null (after printing why to <paramref name="error"/>) on bad arguments or a bind failure.
    /// </summary>
    public static async Task<EchoServer?> StartAsync(string[] args, TextWriter output, TextWriter error)
    {
        CommandLine? line = CommandLine.Parse(args, s_valueOptions, s_flagOptions, out string? problem);
        IPEndPoint listen = new(IPAddress.Loopback, 4433);
        if (line is not null && line.Positionals.Count > 0)
        {
            problem = $"unexpected argument '{line.Positionals[0]}'";
        }
        else if (line?.Value("--listen") is string text && !CommandLine.TryParseListenEndPoint(text, out listen))
        {
            problem = $"--listen: '{text}' is not ADDR:PORT";
        }

        if (line is null || problem is not null)
        {
            error.WriteLine($"sharpquic echo serve: {problem}");
            error.WriteLine("usage: " + Usage);
            return null;
        }

        X509Certificate2? certificate = ServerCertificate.Resolve(line.Value("--cert"), line.Value("--key"), out problem);
        if (certificate is null)
        {
            error.WriteLine($"sharpquic echo serve: {problem}");
            return null;
        }

        EchoServer server;
        try
        {
            // --early-data: accept 0-RTT from resumed clients (RFC 9001 §4.6.1); replayable, so off by default.
            server = await EchoServer.StartAsync(listen, certificate, line.Has("--retry"), line.Value("--qlog-dir"), output, line.Has("--early-data")).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or QuicException or IOException)
        {
            error.WriteLine($"sharpquic echo serve: cannot listen on {listen}: {e.Message}");
            certificate.Dispose();
            return null;
        }

        output.WriteLine($"listening on {server.LocalEndPoint} (ALPN {EchoServer.Alpn}, {server.SocketKind} sockets{(line.Has("--retry") ? ", Retry required" : "")}{(line.Has("--early-data") ? ", 0-RTT accepted" : "")})");
        output.WriteLine($"certificate {certificate.Subject}{(line.Has("--cert") ? "" : " (development, self-signed)")} SHA-256 {ServerCertificate.Fingerprint(certificate)}");
        return server;
    }
}
