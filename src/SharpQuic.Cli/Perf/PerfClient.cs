using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using SharpQuic.Cli.Common;

namespace SharpQuic.Cli.Perf;

/// <summary>What <c>perf client</c> measures.</summary>
internal enum PerfMode
{
    Download,
    Upload,
    Handshakes,
    Requests,
}

/// <summary>The parsed <c>perf client</c> arguments.</summary>
internal sealed record PerfClientSettings(EndPoint Remote, string Host, PerfMode Mode)
{
    public long Bytes { get; init; }

    public TimeSpan Duration { get; init; }

    public int Connections { get; init; } = 1;

    public int Streams { get; init; } = 1;

    public long RequestSize { get; init; } = 1;

    public long ResponseSize { get; init; } = 1;

    public string? Group { get; init; }

    public string? Cipher { get; init; }

    /// <summary>The command line, for the shared transport flags (<see cref="Common.TransportFlags"/>).</summary>
    public Common.CommandLine? Transport { get; init; }
}

/// <summary>
/// The client side of the perf protocol: one measurement per run, printed readably and then as one JSON line.
/// The server's certificate is not validated: this is a benchmark against a server the user started.
/// </summary>
internal static class PerfClient
{
    /// <summary>Runs the measurement in <paramref name="settings"/>; returns the exit code (0, or 1 on any failure).</summary>
    public static async Task<int> RunAsync(PerfClientSettings settings, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = CreateOptions(settings, out string? problem);
        if (problem is not null)
        {
            error.WriteLine($"sharpquic perf client: {problem}");
            return 2;
        }

        try
        {
            PerfResult result = settings.Mode switch
            {
                PerfMode.Download or PerfMode.Upload => await TransferAsync(settings, options, output, cancellationToken).ConfigureAwait(false),
                PerfMode.Handshakes => await PerfLoops.HandshakesAsync(settings, options, cancellationToken).ConfigureAwait(false),
                _ => await PerfLoops.RequestsAsync(settings, options, cancellationToken).ConfigureAwait(false),
            };
            result.WriteTo(output);
            if (result.Errors > 0)
            {
                error.WriteLine($"sharpquic perf client: {result.Errors} operation(s) failed; first: {result.FirstError}");
                return 1;
            }

            return 0;
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"sharpquic perf client: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is QuicException or AuthenticationException or System.Net.Sockets.SocketException or PerfException)
        {
            error.WriteLine($"sharpquic perf client: {ClientSecurity.Describe(e)}");
            return 1;
        }
    }

    private static QuicClientConnectionOptions CreateOptions(PerfClientSettings settings, out string? problem)
    {
        var options = new QuicClientConnectionOptions
        {
            RemoteEndPoint = settings.Remote,
            DefaultStreamErrorCode = 0,
            DefaultCloseErrorCode = 0,
            ClientAuthenticationOptions = new SslClientAuthenticationOptions
            {
                TargetHost = settings.Host,
                ApplicationProtocols = [PerfServer.Alpn],
                RemoteCertificateValidationCallback = static (_, _, _, _) => true,
            },
        };
        problem = ClientSecurity.Apply(options, settings.Group, settings.Cipher);
        if (problem is null && settings.Transport is Common.CommandLine line)
        {
            problem = TransportFlags.Apply(options, line);
        }
        return options;
    }

    private static async Task<PerfResult> TransferAsync(PerfClientSettings settings, QuicClientConnectionOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        QuicConnection connection = await QuicConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            output.WriteLine($"connected to {connection.RemoteEndPoint}: {connection.NegotiatedKeyExchangeGroup}, {ClientSecurity.Describe(connection.NegotiatedCipherSuite)}, QUIC {ClientSecurity.DescribeVersion(connection.NegotiatedQuicVersion)}");
            bool download = settings.Mode == PerfMode.Download;
            byte[] buffer = new byte[PerfProtocol.BufferSize];
            long start = Stopwatch.GetTimestamp();
            QuicStream stream = await connection.OpenOutboundStreamAsync(QuicStreamType.Bidirectional, cancellationToken).ConfigureAwait(false);
            long received;
            await using (stream.ConfigureAwait(false))
            {
                await PerfProtocol.SendRequestAsync(stream, download ? settings.Bytes : 0, download ? 0 : settings.Bytes, buffer, cancellationToken).ConfigureAwait(false);

                // For an upload the server's FIN says it has read everything.
                received = await PerfProtocol.DrainAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
            }

            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            if (download && received != settings.Bytes)
            {
                throw new PerfException($"asked for {settings.Bytes} bytes, received {received}");
            }

            QuicConnectionStatistics stats = await connection.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
            output.WriteLine($"transport: rtt {stats.SmoothedRtt.TotalMicroseconds:F0} us (min {stats.MinRtt.TotalMicroseconds:F0}), cwnd {stats.CongestionWindow} B, packets sent {stats.PacketsSent}, lost {stats.PacketsLost}, key updates {stats.KeyUpdates}");
            await connection.CloseAsync(0, cancellationToken).ConfigureAwait(false);
            return PerfResult.Transfer(download ? "download" : "upload", settings.Bytes, elapsed);
        }
    }
}

/// <summary>A perf run that did not do what it measured (a short response, say).</summary>
internal sealed class PerfException(string message) : Exception(message);
