using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using SharpQuic.Cli.Common;
using SharpQuic.Http3;

namespace SharpQuic.Cli.Perf;

/// <summary>
/// <c>sharpquic perf h3 URL --seconds S [--connections N] [--streams N] [--insecure]</c>: an HTTP/3
/// load generator. N connections each run S request loops (GET URL, read the whole response) for
/// the given time; prints requests per second and latency percentiles, then the JSON line.
/// </summary>
internal static class H3LoadCommand
{
    public const string Usage = "sharpquic perf h3 https://HOST:PORT/PATH [--seconds S] [--connections N] [--streams N] [--insecure] [--group NAME] [--cipher aes128|aes256|chacha20]";

    private static readonly string[] s_values = ["--seconds", "--connections", "--streams", "--group", "--cipher"];
    private static readonly string[] s_flags = ["--insecure"];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken stop)
    {
        CommandLine? line = CommandLine.Parse(args, s_values, s_flags, out string? problem);
        Uri? uri = null;
        if (line is not null && (line.Positionals.Count != 1 || !Uri.TryCreate(line.Positionals[0], UriKind.Absolute, out uri) || uri.Scheme != "https"))
        {
            problem = "one https:// URL is required";
        }

        double seconds = 5;
        int connections = 4, streams = 16;
        if (line is not null && problem is null)
        {
            if ((line.Value("--seconds") is string s && (!double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds) || seconds <= 0))
                || (line.Value("--connections") is string c && (!int.TryParse(c, CultureInfo.InvariantCulture, out connections) || connections is < 1 or > 10_000))
                || (line.Value("--streams") is string n && (!int.TryParse(n, CultureInfo.InvariantCulture, out streams) || streams is < 1 or > 1000)))
            {
                problem = "--seconds, --connections and --streams take positive numbers";
            }
        }

        if (line is null || problem is not null || uri is null)
        {
            error.WriteLine($"sharpquic perf h3: {problem}");
            error.WriteLine("usage: " + Usage);
            return 2;
        }

        IPAddress address = IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? parsed) ? parsed : (await Dns.GetHostAddressesAsync(uri.Host, stop).ConfigureAwait(false))[0];
        var remote = new IPEndPoint(address, uri.Port);
        var clients = new List<Http3ClientConnection>();
        try
        {
            for (int i = 0; i < connections; i++)
            {
                var options = new QuicClientConnectionOptions
                {
                    RemoteEndPoint = remote,
                    ClientAuthenticationOptions = new SslClientAuthenticationOptions { TargetHost = uri.IdnHost },
                    MaxInboundBidirectionalStreams = 0,
                };
                if (line.Has("--insecure"))
                {
                    options.ClientAuthenticationOptions.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
                }

                if (ClientSecurity.Apply(options, line.Value("--group"), line.Value("--cipher")) is string bad)
                {
                    error.WriteLine($"sharpquic perf h3: {bad}");
                    return 2;
                }

                clients.Add(await Http3ClientConnection.ConnectAsync(options, cancellationToken: stop).ConfigureAwait(false));
            }

            var state = new LoadState(uri, TimeSpan.FromSeconds(seconds));
            var loops = new List<Task>();
            foreach (Http3ClientConnection client in clients)
            {
                for (int s = 0; s < streams; s++)
                {
                    loops.Add(Task.Run(() => RequestLoopAsync(client, state, stop)));
                }
            }

            await Task.WhenAll(loops).ConfigureAwait(false);
            long[] latencies = state.Latencies();
            Array.Sort(latencies);
            PerfResult.Requests(latencies.Length, state.Bytes, state.Elapsed, latencies, state.Errors, state.FirstError).WriteTo(output);
            return state.Errors == 0 ? 0 : 1;
        }
        catch (Exception e) when (e is QuicException or Http3Exception or System.Net.Sockets.SocketException)
        {
            error.WriteLine($"sharpquic perf h3: {ClientSecurity.Describe(e)}");
            return 1;
        }
        finally
        {
            foreach (Http3ClientConnection client in clients)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task RequestLoopAsync(Http3ClientConnection client, LoadState state, CancellationToken stop)
    {
        var pseudo = new Http3Headers();
        pseudo.AddLowercase(":method", "GET");
        pseudo.AddLowercase(":scheme", "https");
        pseudo.AddLowercase(":authority", state.Uri.Authority);
        pseudo.AddLowercase(":path", state.Uri.PathAndQuery);
        var fields = new Http3Headers { { "user-agent", "sharpquic-perf" } };
        byte[] buffer = new byte[16 * 1024];
        var latencies = new List<long>(1 << 16);
        long bytes = 0;
        while (!state.Done && !stop.IsCancellationRequested)
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                await using Http3RequestStream stream = await client.OpenRequestAsync(stop).ConfigureAwait(false);
                await stream.WriteHeadersAsync(pseudo, fields, endStream: true, stop).ConfigureAwait(false);
                Http3HeaderSection head = await stream.ReadHeadersAsync(stop).ConfigureAwait(false);
                int n;
                while ((n = await stream.ReadDataAsync(buffer, stop).ConfigureAwait(false)) > 0)
                {
                    bytes += n;
                }

                if (head.PseudoHeaders[":status"] != "200")
                {
                    state.Fail("status " + head.PseudoHeaders[":status"]);
                    continue;
                }
            }
            catch (Exception e) when (e is QuicException or Http3Exception or OperationCanceledException)
            {
                state.Fail(e.Message);
                if (!client.IsUsable)
                {
                    break;
                }

                continue;
            }

            latencies.Add(Stopwatch.GetTimestamp() - start);
        }

        state.Add(latencies, bytes);
    }

    private sealed class LoadState(Uri uri, TimeSpan duration)
    {
        private readonly Lock _lock = new();
        private readonly List<long[]> _latencies = [];
        private readonly long _start = Stopwatch.GetTimestamp();
        private long _end;
        private long _bytes;
        private long _errors;

        public Uri Uri { get; } = uri;

        public bool Done => Stopwatch.GetElapsedTime(_start) >= duration;

        public long Bytes => Interlocked.Read(ref _bytes);

        public long Errors => Interlocked.Read(ref _errors);

        public string? FirstError { get; private set; }

        public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_start, _end);

        public void Fail(string message)
        {
            if (Interlocked.Increment(ref _errors) == 1)
            {
                FirstError = message;
            }
        }

        public void Add(List<long> latencies, long bytes)
        {
            lock (_lock)
            {
                _latencies.Add([.. latencies]);
                _bytes += bytes;
                _end = Math.Max(_end, Stopwatch.GetTimestamp());
            }
        }

        public long[] Latencies()
        {
            lock (_lock)
            {
                var all = new List<long>();
                foreach (long[] part in _latencies)
                {
                    all.AddRange(part);
                }

                return [.. all];
            }
        }
    }
}
