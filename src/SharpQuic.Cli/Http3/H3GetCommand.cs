using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using SharpQuic.Cli.Common;
using SharpQuic.Cli.Get;
using SharpQuic.Http3;

namespace SharpQuic.Cli.Http3;

/// <summary>
/// <c>sharpquic get URL [URL…]</c>: HTTP/3 requests. The status line and headers go to stderr, bodies
/// to stdout (in URL order), to <c>-o FILE</c> (one URL), or to <c>--output-dir DIR</c> (named by
/// the last path segment). URLs of one origin share one connection. The exit code is 0 only when
/// every request got a final status below 400 and its whole body.
/// </summary>
internal static class H3GetCommand
{
    public const string Usage = "sharpquic get URL [URL…] [-o FILE | --output-dir DIR] [--insecure] [--method M] [--data FILE|-] [--header 'name: value'] [--session-file F [--early-data]] [--cipher aes128|aes256|chacha20] [--group NAME] [--quic-version 1|2] [--key-update] [--qlog-dir DIR] [--keylog FILE]";

    private static readonly string[] s_values = ["-o", "--output-dir", "--method", "--data", "--header", "--session-file", "--cipher", "--group", "--quic-version", "--qlog-dir", "--keylog", "--cc"];
    /// <summary><c>--key-update</c>: a new 1-RTT key phase every this many packets.</summary>
    public const long KeyUpdatePackets = 100;

    private static readonly string[] s_flags = ["--insecure", "--early-data", "--no-pacing", "--key-update"];

    public static async Task<int> RunAsync(string[] args, Stream standardOutput, TextWriter error, CancellationToken cancellationToken)
    {
        CommandLine? line = CommandLine.Parse(args, s_values, s_flags, out string? problem);
        var uris = new List<Uri>();
        if (line is not null)
        {
            foreach (string text in line.Positionals)
            {
                if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttps)
                {
                    problem = $"'{text}' is not an https:// URL";
                    break;
                }

                uris.Add(uri);
            }

            if (problem is null && uris.Count == 0)
            {
                problem = "at least one URL is required";
            }
            else if (problem is null && line.Value("-o") is not null && (uris.Count > 1 || line.Value("--output-dir") is not null))
            {
                problem = "-o takes one URL; use --output-dir for several";
            }
            else if (problem is null && line.Value("--quic-version") is string v && v is not ("1" or "2"))
            {
                problem = "--quic-version is 1 or 2";
            }
        }

        if (line is null || problem is not null)
        {
            error.WriteLine($"sharpquic get: {problem}");
            error.WriteLine("usage: " + Usage);
            return 2;
        }

        string method = line.Value("--method") ?? (line.Value("--data") is null ? "GET" : "POST");
        var extraHeaders = new Http3Headers();
        if (line.Value("--header") is string header)
        {
            int colon = header.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                error.WriteLine("sharpquic get: --header takes 'name: value'");
                return 2;
            }

            extraHeaders.Add(header[..colon].Trim(), header[(colon + 1)..].Trim());
        }

        int failures = 0;
        foreach (IGrouping<string, Uri> origin in uris.GroupBy(u => u.Authority, StringComparer.OrdinalIgnoreCase))
        {
            failures += await FetchOriginAsync([.. origin], line, method, extraHeaders, standardOutput, error, cancellationToken).ConfigureAwait(false);
        }

        return failures == 0 ? 0 : 1;
    }

    private static async Task<int> FetchOriginAsync(Uri[] uris, CommandLine line, string method, Http3Headers extraHeaders, Stream standardOutput, TextWriter error, CancellationToken cancellationToken)
    {
        Uri first = uris[0];
        IPAddress address;
        try
        {
            address = IPAddress.TryParse(first.Host.Trim('[', ']'), out IPAddress? literal)
                ? literal
                : (await Dns.GetHostAddressesAsync(first.IdnHost, cancellationToken).ConfigureAwait(false))[0];
        }
        catch (System.Net.Sockets.SocketException e)
        {
            error.WriteLine($"sharpquic get: cannot resolve {first.Host}: {e.Message}");
            return uris.Length;
        }

        var options = new QuicClientConnectionOptions
        {
            RemoteEndPoint = new IPEndPoint(address, first.Port),
            QuicVersion = line.Value("--quic-version") == "2" ? 2 : 1,
            QlogDirectory = line.Value("--qlog-dir"),
            KeyLogFile = line.Value("--keylog"),
            ClientAuthenticationOptions = new SslClientAuthenticationOptions { TargetHost = first.IdnHost },
        };
        if (line.Has("--insecure"))
        {
            options.ClientAuthenticationOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }

        if (ClientSecurity.Apply(options, line.Value("--group"), line.Value("--cipher")) is string bad
            || TransportFlags.Apply(options, line) is string bad2 && (bad = bad2) is not null)
        {
            error.WriteLine($"sharpquic get: {bad}");
            return uris.Length;
        }

        if (line.Has("--key-update"))
        {
            // RFC 9001 §6: exercise key updates on any transfer longer than a few packets.
            options.KeyUpdateInterval = KeyUpdatePackets;
        }

        string? sessionFile = line.Value("--session-file");
        if (sessionFile is not null)
        {
            options.ResumptionTicket = await SessionFile.LoadAsync(sessionFile, cancellationToken).ConfigureAwait(false);
            options.EnableEarlyData = line.Has("--early-data");
        }

        var clock = Stopwatch.StartNew();
        Http3ClientConnection connection;
        try
        {
            connection = await Http3ClientConnection.ConnectAsync(options, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"sharpquic get: {e.Message}");
            return uris.Length;
        }
        catch (Exception e) when (e is QuicException or AuthenticationException or System.Net.Sockets.SocketException or Http3Exception)
        {
            error.WriteLine($"sharpquic get: cannot connect to {options.RemoteEndPoint}: {ClientSecurity.Describe(e)}");
            return uris.Length;
        }

        await using (connection.ConfigureAwait(false))
        {
            QuicConnection quic = connection.Quic;
            error.WriteLine(quic.IsEarlyDataConnection
                ? $"0-RTT keys ready after {clock.Elapsed.TotalMilliseconds:F1} ms: requests start as early data"
                : $"connected to {quic.RemoteEndPoint} in {clock.Elapsed.TotalMilliseconds:F1} ms: ALPN {quic.NegotiatedApplicationProtocol}, group {quic.NegotiatedKeyExchangeGroup}, cipher {ClientSecurity.Describe(quic.NegotiatedCipherSuite)}, QUIC {ClientSecurity.DescribeVersion(quic.NegotiatedQuicVersion)}");

            // Bodies to stdout keep URL order (one at a time); bodies to files are fetched concurrently.
            bool toFiles = line.Value("--output-dir") is not null || line.Value("-o") is not null;
            int failures = 0;
            if (toFiles)
            {
                using var gate = new SemaphoreSlim(32);
                Task<bool>[] requests = [.. uris.Select(async uri =>
                {
                    await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        return await FetchAsync(connection, uri, method, line, extraHeaders, null, error, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        gate.Release();
                    }
                })];
                foreach (bool ok in await Task.WhenAll(requests).ConfigureAwait(false))
                {
                    failures += ok ? 0 : 1;
                }
            }
            else
            {
                foreach (Uri uri in uris)
                {
                    failures += await FetchAsync(connection, uri, method, line, extraHeaders, standardOutput, error, cancellationToken).ConfigureAwait(false) ? 0 : 1;
                }
            }

            if (line.Has("--key-update"))
            {
                QuicConnectionStatistics statistics = await quic.GetStatisticsAsync(cancellationToken).ConfigureAwait(false);
                error.WriteLine($"key updates: {statistics.KeyUpdates}");
            }

            if (sessionFile is not null)
            {
                error.WriteLine(SessionFile.Describe(quic));
                if (!await SessionFile.SaveAsync(quic, sessionFile, cancellationToken).ConfigureAwait(false))
                {
                    error.WriteLine("sharpquic get: the server sent no session ticket");
                }
            }

            return failures;
        }
    }

    private static async Task<bool> FetchAsync(Http3ClientConnection connection, Uri uri, string method, CommandLine line, Http3Headers extraHeaders, Stream? standardOutput, TextWriter error, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Stream? output = null;
        Stream? input = null;
        try
        {
            await using Http3RequestStream stream = await connection.OpenRequestAsync(cancellationToken).ConfigureAwait(false);
            var pseudo = new Http3Headers();
            pseudo.Add(":method", method);
            pseudo.Add(":scheme", "https");
            pseudo.Add(":authority", uri.Authority);
            pseudo.Add(":path", uri.PathAndQuery);
            var fields = new Http3Headers { { "user-agent", "sharpquic/" + typeof(H3GetCommand).Assembly.GetName().Version } };
            foreach (KeyValuePair<string, string> h in extraHeaders)
            {
                fields.Add(h.Key, h.Value);
            }

            input = line.Value("--data") switch
            {
                null => null,
                "-" => Console.OpenStandardInput(),
                string path => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan),
            };
            if (input is FileStream file)
            {
                fields.Add("content-length", file.Length.ToString(CultureInfo.InvariantCulture));
            }

            await stream.WriteHeadersAsync(pseudo, fields, endStream: input is null, cancellationToken).ConfigureAwait(false);

            // The upload runs beside the download: a server may answer (an echo) before the body ends.
            Task upload = input is null ? Task.CompletedTask : UploadAsync(stream, input, cancellationToken);
            Http3HeaderSection head = await stream.ReadHeadersAsync(cancellationToken).ConfigureAwait(false);
            string status = head.PseudoHeaders[":status"]!;
            error.WriteLine($"{uri} HTTP/3 {status}");
            foreach (KeyValuePair<string, string> field in head.Fields)
            {
                error.WriteLine($"{field.Key}: {field.Value}");
            }

            output = standardOutput ?? OpenOutputFile(uri, line);
            long bytes = 0;
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = await stream.ReadDataAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                bytes += n;
            }

            await upload.ConfigureAwait(false);
            foreach (KeyValuePair<string, string> trailer in stream.Trailers ?? [])
            {
                error.WriteLine($"{trailer.Key}: {trailer.Value} (trailer)");
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            double seconds = clock.Elapsed.TotalSeconds;
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{uri}: {bytes} bytes in {seconds * 1000:F1} ms ({bytes * 8 / Math.Max(seconds, 1e-9) / 1e6:F1} Mbit/s)"));
            return int.Parse(status, CultureInfo.InvariantCulture) < 400;
        }
        catch (Exception e) when (e is QuicException or Http3Exception or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"sharpquic get: {uri}: {ClientSecurity.Describe(e)}");
            return false;
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

    private static async Task UploadAsync(Http3RequestStream stream, Stream input, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        int n;
        while ((n = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await stream.WriteDataAsync(buffer.AsMemory(0, n), endStream: false, cancellationToken).ConfigureAwait(false);
        }

        await stream.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static FileStream OpenOutputFile(Uri uri, CommandLine line)
    {
        string path = line.Value("-o") ?? Path.Combine(line.Value("--output-dir")!, FileName(uri));
        return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
    }

    private static string FileName(Uri uri)
    {
        string last = Uri.UnescapeDataString(uri.AbsolutePath.TrimEnd('/').Split('/')[^1]);
        // Only a plain name: never a path that climbs out of the output folder.
        return last.Length == 0 || last is "." or ".." || last.IndexOfAny(['/', '\\', '\0']) >= 0 ? "index.html" : last;
    }
}
