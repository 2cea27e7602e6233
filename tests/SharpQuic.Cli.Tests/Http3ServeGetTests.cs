using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SharpQuic.Cli.Http3;

namespace SharpQuic.Cli.Tests;

/// <summary><c>sharpquic serve</c> and <c>sharpquic get</c> over HTTP/3, in process, on loopback.</summary>
[Collection(CliLoopbackCollection.Name)]
public sealed partial class Http3ServeGetTests
{
    [Fact]
    public async Task Get_fetches_the_sample_routes_over_one_connection()
    {
        await using var serve = await RunningServe.StartAsync();
        using var body = new MemoryStream();
        var report = new StringWriter();

        int rc = await H3GetCommand.RunAsync([serve.Url("/"), serve.Url("/api/users/42"), serve.Url("/bytes/100000"), "--insecure"], body, report, default);

        string text = report.ToString();
        Assert.True(rc == 0, text);
        Assert.Contains("ALPN h3, group X25519MLKEM768", text);
        Assert.Single(Regex.Matches(text, "connected to "));
        string all = Encoding.Latin1.GetString(body.ToArray());
        Assert.Contains("Hello from SharpQuic over HTTP/3", all);
        Assert.Contains("\"id\":42", all);
        byte[] bytes = body.ToArray()[^100000..];
        for (int i = 0; i < bytes.Length; i++)
        {
            Assert.Equal(SampleSite.PatternByte(i), bytes[i]);
        }

        Assert.Contains("\"GET /api/users/42 HTTP/3\" 200", serve.Log);
    }

    [Fact]
    public async Task Get_posts_a_file_to_echo_and_writes_the_echo_to_a_file()
    {
        await using var serve = await RunningServe.StartAsync();
        string dir = Directory.CreateTempSubdirectory("sharpquic-get").FullName;
        byte[] payload = RandomNumberGenerator.GetBytes(3_000_000);
        await File.WriteAllBytesAsync(Path.Combine(dir, "up.bin"), payload);
        var report = new StringWriter();

        int rc = await H3GetCommand.RunAsync([serve.Url("/echo"), "--data", Path.Combine(dir, "up.bin"), "-o", Path.Combine(dir, "down.bin"), "--insecure"], Stream.Null, report, default);

        Assert.True(rc == 0, report.ToString());
        Assert.Contains("/echo HTTP/3 200", report.ToString());
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(dir, "down.bin"))));
        Assert.Contains("\"POST /echo HTTP/3\" 200 3000000", serve.Log);
    }

    [Fact]
    public async Task Get_saves_several_urls_into_an_output_folder_and_fails_on_404()
    {
        await using var serve = await RunningServe.StartAsync();
        string dir = Directory.CreateTempSubdirectory("sharpquic-get").FullName;
        var report = new StringWriter();

        int ok = await H3GetCommand.RunAsync([serve.Url("/bytes/1000"), serve.Url("/api/users/5"), "--output-dir", dir, "--insecure"], Stream.Null, report, default);
        int missing = await H3GetCommand.RunAsync([serve.Url("/no/such/page"), "--insecure"], Stream.Null, report, default);

        Assert.Equal(0, ok);
        Assert.Equal(1000, new FileInfo(Path.Combine(dir, "1000")).Length);
        Assert.Contains("\"id\":5", await File.ReadAllTextAsync(Path.Combine(dir, "5")));
        Assert.Equal(1, missing);
        Assert.Contains("/no/such/page HTTP/3 404", report.ToString());
    }

    [Fact]
    public async Task Get_fails_without_insecure_against_a_self_signed_server_and_on_bad_arguments()
    {
        await using var serve = await RunningServe.StartAsync();
        var report = new StringWriter();

        int untrusted = await H3GetCommand.RunAsync([serve.Url("/")], Stream.Null, report, default);
        int notHttps = await H3GetCommand.RunAsync(["http://127.0.0.1/"], Stream.Null, report, default);
        int twoWithO = await H3GetCommand.RunAsync([serve.Url("/"), serve.Url("/"), "-o", "x"], Stream.Null, report, default);

        Assert.Equal(1, untrusted);
        Assert.Contains("cannot connect", report.ToString());
        Assert.Equal(2, notHttps);
        Assert.Equal(2, twoWithO);
    }

    [Fact]
    public async Task Get_resumes_with_a_session_file_and_sends_early_data()
    {
        await using var serve = await RunningServe.StartAsync("--early-data");
        string session = Path.Combine(Directory.CreateTempSubdirectory("sharpquic-get").FullName, "session.bin");
        var first = new StringWriter();
        var second = new StringWriter();

        int rc1 = await H3GetCommand.RunAsync([serve.Url("/api/users/1"), "--insecure", "--session-file", session, "--early-data"], Stream.Null, first, default);
        using var body = new MemoryStream();
        int rc2 = await H3GetCommand.RunAsync([serve.Url("/api/users/2"), "--insecure", "--session-file", session, "--early-data"], body, second, default);

        Assert.True(rc1 == 0, first.ToString());
        Assert.True(rc2 == 0, second.ToString());
        Assert.Contains("session: full handshake", first.ToString());
        Assert.Contains("0-RTT keys ready", second.ToString());
        Assert.Contains("session: resumed, early data accepted", second.ToString());
        Assert.Contains("\"id\":2", Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task Get_with_key_update_changes_keys_during_a_download()
    {
        await using var serve = await RunningServe.StartAsync();
        var report = new StringWriter();

        int rc = await H3GetCommand.RunAsync([serve.Url("/bytes/3000000"), "--insecure", "--key-update"], Stream.Null, report, default);

        Assert.True(rc == 0, report.ToString());
        Match updates = Regex.Match(report.ToString(), @"key updates: (\d+)");
        Assert.True(updates.Success, report.ToString());
        Assert.True(int.Parse(updates.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1, report.ToString());
    }

    [Fact]
    public async Task Serve_shuts_down_gracefully_when_stopped()
    {
        var serve = await RunningServe.StartAsync();
        await serve.DisposeAsync();

        Assert.Contains("stopping: GOAWAY sent", serve.Log);
        Assert.Contains("stopped", serve.Log);
        Assert.Equal(0, serve.ExitCode);
    }

    [GeneratedRegex(@"listening on https://127\.0\.0\.1:(\d+)/")]
    private static partial Regex ListeningLine();

    private sealed class RunningServe : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly StringWriter _log = new();
        private Task<int>? _run;

        public int Port { get; private set; }

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public int? ExitCode => _run is { IsCompletedSuccessfully: true } run ? run.Result : null;

        public static async Task<RunningServe> StartAsync(params string[] extra)
        {
            var serve = new RunningServe();
            TextWriter output = TextWriter.Synchronized(serve._log);
            serve._run = H3ServeCommand.RunAsync(["--listen", "127.0.0.1:0", .. extra], output, output, serve._stop.Token);
            for (int i = 0; i < 500; i++)
            {
                Match m = ListeningLine().Match(serve.Log);
                if (m.Success)
                {
                    serve.Port = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                    return serve;
                }

                if (serve._run.IsCompleted)
                {
                    break;
                }

                await Task.Delay(10);
            }

            throw new InvalidOperationException("serve did not start: " + serve.Log);
        }

        public string Url(string path) => $"https://127.0.0.1:{Port}{path}";

        public async ValueTask DisposeAsync()
        {
            _stop.Cancel();
            if (_run is not null)
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(30));
            }

            _stop.Dispose();
        }
    }
}
