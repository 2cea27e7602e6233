using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using SharpQuic.Cli.Common;
using SharpQuic.Cli.Serve;

namespace SharpQuic.Cli.Get;

/// <summary>
/// <c>sharpquic echo get ADDR:PORT [--data FILE | --bytes N] [-o FILE] [--insecure] [--group NAME] [--cipher NAME]
/// [--quic-version 1|2] [--qlog-dir DIR] [--datagram N [--datagram-size B]] [--session-file F [--early-data]]</c>: one
/// bidirectional stream to an echo server, checked end to end; with <c>--datagram</c>, first N datagrams (RFC 9221)
/// echoed, counted and timed; with <c>--session-file</c>, the session ticket is loaded from and stored to F (resumption),
/// and <c>--early-data</c> sends the stream's first bytes as 0-RTT data when the ticket allows it (RFC 9001 §4.6).
/// </summary>
internal static class GetCommand
{
    public const string Usage = "sharpquic echo get ADDR:PORT [--data FILE|- | --bytes N] [-o FILE] [--insecure] [--group NAME] [--cipher aes128|aes256|chacha20] [--quic-version 1|2] [--qlog-dir DIR] [--datagram N [--datagram-size B]] [--session-file F [--early-data]] [--migrate]";

    private const int ChunkSize = 64 * 1024;

    private static readonly string[] s_valueOptions = ["--data", "--bytes", "-o", "--group", "--cipher", "--quic-version", "--qlog-dir", "--datagram", "--datagram-size", "--session-file"];
    private static readonly string[] s_flagOptions = ["--insecure", "--early-data", "--migrate"];

    /// <summary>
    /// Runs the command: the echo goes to <paramref name="standardOutput"/> (or <c>-o FILE</c>), the report to
    /// <paramref name="error"/>. Returns 0 on success, 1 on any failure (including an echo that differs), 2 on bad arguments.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, Stream standardOutput, TextWriter error, CancellationToken cancellationToken = default)
    {
        CommandLine? line = CommandLine.Parse(args, s_valueOptions, s_flagOptions, out string? problem);
        EndPoint remote = null!;
        string host = "";
        long generated = -1;
        int version = 1;
        int datagrams = 0;
        int datagramSize = 100;
        if (line is not null)
        {
            if (line.Positionals.Count != 1)
            {
                problem = line.Positionals.Count == 0 ? "the server's ADDR:PORT is required" : $"unexpected argument '{line.Positionals[1]}'";
            }
            else if (!CommandLine.TryParseEndPoint(line.Positionals[0], out remote, out host))
            {
                problem = $"'{line.Positionals[0]}' is not ADDR:PORT";
            }
            else if (line.Has("--data") && line.Has("--bytes"))
            {
                problem = "give --data or --bytes, not both";
            }
            else if (line.Value("--bytes") is string b && !CommandLine.TryParseBytes(b, out generated))
            {
                problem = $"--bytes: '{b}' is not a byte count (e.g. 1048576, 64K, 1M)";
            }
            else if (line.Value("--quic-version") is string v && !(int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out version) && version is 1 or 2))
            {
                problem = $"--quic-version: '{v}' is not 1 or 2";
            }
            else if (line.Value("--datagram") is string n && !(int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out datagrams) && datagrams > 0))
            {
                problem = $"--datagram: '{n}' is not a positive count";
            }
            else if (line.Value("--datagram-size") is string s
                && !(int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out datagramSize) && datagramSize is >= DatagramProbe.HeaderSize and <= EchoServer.MaxDatagramReceiveSize))
            {
                problem = $"--datagram-size: '{s}' is not a size in {DatagramProbe.HeaderSize}..{EchoServer.MaxDatagramReceiveSize}";
            }
            else if (line.Has("--datagram-size") && datagrams == 0)
            {
                problem = "--datagram-size needs --datagram N";
            }
            else if (line.Has("--early-data") && !line.Has("--session-file"))
            {
                problem = "--early-data needs --session-file F";
            }
        }

        if (line is null || problem is not null)
        {
            error.WriteLine($"sharpquic echo get: {problem}");
            error.WriteLine("usage: " + Usage);
            return 2;
        }

        var options = new QuicClientConnectionOptions
        {
            RemoteEndPoint = remote,
            DefaultStreamErrorCode = 0,
            DefaultCloseErrorCode = 0,
            QuicVersion = version,
            QlogDirectory = line.Value("--qlog-dir"),
            MaxDatagramReceiveSize = datagrams > 0 ? EchoServer.MaxDatagramReceiveSize : 0,
            ClientAuthenticationOptions = new SslClientAuthenticationOptions
            {
                TargetHost = host,
                ApplicationProtocols = [EchoServer.Alpn],
            },
        };
        if (line.Has("--insecure"))
        {
            options.ClientAuthenticationOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }

        problem = ClientSecurity.Apply(options, line.Value("--group"), line.Value("--cipher"));
        if (problem is not null)
        {
            error.WriteLine($"sharpquic echo get: {problem}");
            return 2;
        }

        Stream? input = null;
        Stream? output = null;
        try
        {
            input = line.Value("--data") switch
            {
                null => null,
                "-" => Console.OpenStandardInput(),
                string path => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan),
            };
            output = line.Value("-o") is string outPath
                ? new FileStream(outPath, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous)
                : standardOutput;
            string? sessionFile = line.Value("--session-file");
            if (sessionFile is not null)
            {
                options.ResumptionTicket = await SessionFile.LoadAsync(sessionFile, cancellationToken).ConfigureAwait(false);
                options.EnableEarlyData = line.Has("--early-data");
            }

            return await ExchangeAsync(options, input, generated, output, error, new DatagramRequest(datagrams, datagramSize), sessionFile, line.Has("--migrate"), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not QuicException)
        {
            error.WriteLine($"sharpquic echo get: {e.Message}");
            return 1;
        }
        finally
        {
            if (input is not null)
            {
                await input.DisposeAsync().ConfigureAwait(false);
            }

            if (output is not null && output != standardOutput)
            {
                await output.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> ExchangeAsync(QuicClientConnectionOptions options, Stream? input, long generated, Stream output, TextWriter error, DatagramRequest datagrams, string? sessionFile, bool migrateHalfway, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        QuicConnection connection;
        try
        {
            connection = await QuicConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            // The library names the bad setting (an unknown --group, say).
            error.WriteLine($"sharpquic echo get: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is QuicException or AuthenticationException or System.Net.Sockets.SocketException)
        {
            error.WriteLine($"sharpquic echo get: cannot connect to {options.RemoteEndPoint}: {ClientSecurity.Describe(e)}");
            return 1;
        }

        TimeSpan handshake = clock.Elapsed;
        await using (connection.ConfigureAwait(false))
        {
            if (connection.IsEarlyDataConnection)
            {
                error.WriteLine($"0-RTT keys ready after {handshake.TotalMilliseconds:F1} ms: the stream starts as early data");
            }
            else
            {
                    error.WriteLine($"connected to {connection.RemoteEndPoint} in {handshake.TotalMilliseconds:F1} ms: ALPN {connection.NegotiatedApplicationProtocol}, group {connection.NegotiatedKeyExchangeGroup}, cipher {ClientSecurity.Describe(connection.NegotiatedCipherSuite)}, QUIC {ClientSecurity.DescribeVersion(connection.NegotiatedQuicVersion)}");
            }
            using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long sent;
            long received;
            TimeSpan exchanged;
            DatagramProbe.Result? probe = null;
            try
            {
                if (datagrams.Count > 0)
                {
                    if (connection.MaxDatagramSize < datagrams.Size)
                    {
                        error.WriteLine(connection.MaxDatagramSize == 0
                            ? "sharpquic echo get: the server does not accept datagrams (no max_datagram_frame_size, RFC 9221)"
                            : $"sharpquic echo get: --datagram-size {datagrams.Size} is more than the {connection.MaxDatagramSize} bytes that fit in one packet to this server");
                        return 1;
                    }

                    probe = await DatagramProbe.RunAsync(connection, datagrams.Count, datagrams.Size, cancellationToken).ConfigureAwait(false);
                    error.WriteLine(probe.Describe());
                }

                QuicStream stream = await connection.OpenOutboundStreamAsync(QuicStreamType.Bidirectional, cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    // Send and receive at once: the echo's flow control would stall a send-everything-first client.
                    // --migrate: move to a new local port halfway through the echo (RFC 9000 §9.2).
                    Func<Task>? migrate = migrateHalfway ? async () =>
                    {
                        int before = connection.LocalEndPoint.Port;
                        await connection.MigrateAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                        error.WriteLine($"migrated from local port {before} to {connection.LocalEndPoint}");
                    } : null;
                    Task<long> sending = SendAsync(stream, input, generated, sentHash, migrate, cancellationToken);
                    Task<long> receiving = ReceiveAsync(stream, output, receivedHash, cancellationToken);
                    await Task.WhenAll(sending, receiving).ConfigureAwait(false);
                    sent = sending.Result;
                    received = receiving.Result;
                }

                exchanged = clock.Elapsed;
                if (sessionFile is not null)
                {
                    error.WriteLine(SessionFile.Describe(connection));
                    if (!await SessionFile.SaveAsync(connection, sessionFile, cancellationToken).ConfigureAwait(false))
                    {
                        error.WriteLine($"sharpquic echo get: the server sent no session ticket; {sessionFile} not written");
                    }
                }

                await connection.CloseAsync(0, cancellationToken).ConfigureAwait(false);
            }
            catch (QuicException e)
            {
                error.WriteLine($"sharpquic echo get: the exchange failed: {ClientSecurity.Describe(e)}");
                return 1;
            }

            TimeSpan elapsed = clock.Elapsed;
            double megabits = received * 8 / 1e6 / Math.Max((exchanged - handshake).TotalSeconds, 1e-9);
            error.WriteLine($"sent {sent} bytes, received {received} bytes: echo done {exchanged.TotalMilliseconds:F1} ms after the start ({megabits:F1} Mbit/s after the handshake), closed at {elapsed.TotalMilliseconds:F1} ms");
            byte[] sentDigest = sentHash.GetHashAndReset();
            byte[] receivedDigest = receivedHash.GetHashAndReset();
            if (sent != received || !sentDigest.AsSpan().SequenceEqual(receivedDigest))
            {
                error.WriteLine($"sharpquic echo get: the echo differs from what was sent (SHA-256 sent {Convert.ToHexStringLower(sentDigest)}, received {Convert.ToHexStringLower(receivedDigest)})");
                return 1;
            }

            error.WriteLine($"echo verified: SHA-256 {Convert.ToHexStringLower(receivedDigest)}");
            if (probe is { Echoed: 0 } or { Corrupt: > 0 })
            {
                error.WriteLine("sharpquic echo get: no datagram came back, or one came back altered");
                return 1;
            }

            return 0;
        }
    }

    /// <summary>What <c>--datagram</c> asked for (Count 0: no datagrams).</summary>
    private readonly record struct DatagramRequest(int Count, int Size);

    private static async Task<long> SendAsync(QuicStream stream, Stream? input, long generated, IncrementalHash hash, Func<Task>? migrateHalfway, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long total = 0;
            if (input is not null)
            {
                int read;
                while ((read = await input.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    total += read;
                    if (migrateHalfway is not null)
                    {
                        await migrateHalfway().ConfigureAwait(false); // a stream of unknown length: after its first chunk
                        migrateHalfway = null;
                    }
                }
            }
            else if (generated > 0)
            {
                // Pseudo-random bytes with a fixed seed: reproducible, and a misplaced chunk changes the hash.
                var random = new Random(0x51C0DE);
                while (total < generated)
                {
                    int count = (int)Math.Min(ChunkSize, generated - total);
                    random.NextBytes(buffer.AsSpan(0, count));
                    hash.AppendData(buffer, 0, count);
                    await stream.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                    total += count;
                    if (migrateHalfway is not null && total >= generated / 2)
                    {
                        await migrateHalfway().ConfigureAwait(false);
                        migrateHalfway = null;
                    }
                }
            }

            // FIN: the server echoes until it sees it (RFC 9000 §3.1).
            stream.CompleteWrites();
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<long> ReceiveAsync(QuicStream stream, Stream output, IncrementalHash hash, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long total = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
