using System.Globalization;
using System.Net;

namespace SharpQuic.Interop.Tests;

/// <summary>
/// ngtcp2's gtlsserver or gtlsclient on loopback, for one test: always with
/// <c>--initial-rtt=10ms</c> (the default 333 ms makes ngtcp2's pacer hold the handshake back),
/// output captured, killed by PID at a hard deadline and on Dispose.
/// </summary>
internal sealed class Ngtcp2Peer : IDisposable
{
    /// <summary>No interop run on loopback needs longer; the process is killed then.</summary>
    public static readonly TimeSpan DefaultHardTimeout = TimeSpan.FromSeconds(30);

    /// <summary>What gtlsclient prints (without -q) once the handshake has completed.</summary>
    public const string HandshakeCompletedLine = "QUIC handshake has completed";

    private const string AlpnLinePrefix = "Negotiated ALPN is ";

    private Ngtcp2Peer(PeerProcess process, int port)
    {
        Process = process;
        Port = port;
    }

    /// <summary>The running program.</summary>
    public PeerProcess Process { get; }

    /// <summary>The server's UDP port (the port a client connects to).</summary>
    public int Port { get; }

    /// <summary>
    /// Starts gtlsserver on 127.0.0.1 and a free port, serving <see cref="InteropScratch.HtDocs"/>
    /// with the scratch certificate, and returns once the port is bound.
    /// </summary>
    /// <param name="scratch">Certificate and document root.</param>
    /// <param name="extraArguments">More options, e.g. <c>--groups=-GROUP-ALL:+GROUP-SECP256R1</c>.</param>
    /// <param name="quiet">Pass -q (measurements need it; the full log is for debugging).</param>
    public static async Task<Ngtcp2Peer> StartServerAsync(InteropScratch scratch, IReadOnlyList<string>? extraArguments = null, bool quiet = true)
    {
        string program = Ngtcp2.ServerPath;
        int port = InteropScratch.FreeUdpPort();
        var args = new List<string>();
        if (quiet)
        {
            args.Add("-q");
        }

        args.Add("--initial-rtt=10ms");
        args.Add("-d");
        args.Add(scratch.HtDocs);
        if (extraArguments is not null)
        {
            args.AddRange(extraArguments);
        }

        args.Add("127.0.0.1");
        args.Add(port.ToString(CultureInfo.InvariantCulture));
        args.Add(scratch.KeyPath);
        args.Add(scratch.CertificatePath);

        var process = PeerProcess.Start(program, args, DefaultHardTimeout);
        var peer = new Ngtcp2Peer(process, port);
        try
        {
            await InteropScratch.WaitUntilUdpPortBoundAsync(port, process, TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch
        {
            peer.Dispose();
            throw;
        }

        return peer;
    }

    /// <summary>
    /// Starts gtlsclient against <paramref name="server"/> requesting <c>https://127.0.0.1:PORT/PATH</c> for each path,
    /// downloading into <see cref="InteropScratch.Downloads"/>; it exits when all streams have closed.
    /// </summary>
    /// <param name="scratch">Where downloads go.</param>
    /// <param name="server">The server's address.</param>
    /// <param name="paths">Request paths without the leading slash (none: a handshake only).</param>
    /// <param name="extraArguments">More options, e.g. <c>--groups=...</c>.</param>
    /// <param name="quiet">Pass -q. Without it the client logs the handshake (<see cref="HandshakeCompleted"/>) but
    /// no frame or body dumps.</param>
    public static Ngtcp2Peer StartClient(InteropScratch scratch, IPEndPoint server, IReadOnlyList<string> paths, IReadOnlyList<string>? extraArguments = null, bool quiet = true)
    {
        string program = Ngtcp2.ClientPath;
        var args = new List<string>();
        if (quiet)
        {
            args.Add("-q");
        }
        else
        {
            args.Add("--no-quic-dump");
            args.Add("--no-http-dump");
        }

        args.Add("--initial-rtt=10ms");
        args.Add("--exit-on-all-streams-close");
        args.Add("--download");
        args.Add(scratch.Downloads);
        if (extraArguments is not null)
        {
            args.AddRange(extraArguments);
        }

        string host = server.Address.ToString();
        string authority = server.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{host}]:{server.Port}" : $"{host}:{server.Port}";
        args.Add(host);
        args.Add(server.Port.ToString(CultureInfo.InvariantCulture));
        foreach (string path in paths)
        {
            args.Add($"https://{authority}/{path}");
        }

        return new Ngtcp2Peer(PeerProcess.Start(program, args, DefaultHardTimeout), server.Port);
    }

    /// <summary>Whether a non-quiet gtlsclient log says the handshake completed.</summary>
    public static bool HandshakeCompleted(string log) => log.Contains(HandshakeCompletedLine, StringComparison.Ordinal);

    /// <summary>The ALPN a non-quiet gtlsclient log reports, or null.</summary>
    public static string? NegotiatedAlpn(string log)
    {
        int at = log.IndexOf(AlpnLinePrefix, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        int start = at + AlpnLinePrefix.Length;
        int end = log.IndexOf('\n', start);
        return (end < 0 ? log[start..] : log[start..end]).Trim();
    }

    /// <summary>Kills the program by its PID if it still runs.</summary>
    public void Dispose() => Process.Dispose();
}
