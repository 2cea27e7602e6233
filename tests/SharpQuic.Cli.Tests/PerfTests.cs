using System.Text.Json;
using SharpQuic.Cli.Common;
using SharpQuic.Cli.Perf;

namespace SharpQuic.Cli.Tests;

[Collection(CliLoopbackCollection.Name)]
public sealed class PerfTests
{
    [Fact]
    public async Task Download_10M_reports_the_bytes_and_a_throughput_in_the_last_line()
    {
        await using PerfServer server = await StartAsync();
        (int rc, JsonElement json, string text) = await ClientAsync(server, "--download", "10M");

        Assert.True(rc == 0, text);
        Assert.Equal(10_485_760, json.GetProperty("bytes").GetInt64());
        Assert.True(json.GetProperty("throughput_gbps").GetDouble() > 0);
        Assert.True(json.GetProperty("seconds").GetDouble() > 0);
        Assert.False(json.TryGetProperty("requests_per_s", out _));
    }

    [Fact]
    public async Task Download_with_NewReno_without_pacing_and_key_updates_still_delivers_every_byte()
    {
        await using PerfServer server = await StartAsync();
        (int rc, JsonElement json, string text) = await ClientAsync(server, "--download", "4M", "--cc", "reno", "--no-pacing", "--key-update", "200");

        Assert.True(rc == 0, text);
        Assert.Equal(4 << 20, json.GetProperty("bytes").GetInt64());
    }

    [Fact]
    public async Task An_unknown_congestion_controller_is_a_usage_error()
    {
        var error = new StringWriter();
        int rc = await PerfCommand.RunAsync(["client", "127.0.0.1:9", "--download", "1M", "--cc", "bbr9"], new StringWriter(), error, CancellationToken.None);

        Assert.Equal(2, rc);
        Assert.Contains("--cc: 'bbr9'", error.ToString());
    }

    [Fact]
    public async Task Upload_1M_with_chacha20_reports_the_bytes_sent()
    {
        await using PerfServer server = await StartAsync();
        (int rc, JsonElement json, string text) = await ClientAsync(server, "--upload", "1M", "--cipher", "chacha20", "--group", "secp256r1");

        Assert.True(rc == 0, text);
        Assert.Contains("secp256r1, TLS_CHACHA20_POLY1305_SHA256", text);
        Assert.Equal(1 << 20, json.GetProperty("bytes").GetInt64());
        Assert.True(json.GetProperty("throughput_gbps").GetDouble() > 0);
    }

    [Fact]
    public async Task Requests_for_one_second_report_a_rate_and_latency_percentiles()
    {
        await using PerfServer server = await StartAsync();
        (int rc, JsonElement json, string text) = await ClientAsync(server, "--requests", "1", "--connections", "2", "--streams", "4", "--request-size", "100", "--response-size", "70K");

        Assert.True(rc == 0, text);
        double rate = json.GetProperty("requests_per_s").GetDouble();
        double p50 = json.GetProperty("latency_p50_us").GetDouble();
        double p99 = json.GetProperty("latency_p99_us").GetDouble();
        Assert.True(rate > 0);
        Assert.True(p50 > 0);
        Assert.True(p99 >= p50);
        long requests = json.GetProperty("requests").GetInt64();
        Assert.Equal(requests * (100 + 70 * 1024), json.GetProperty("bytes").GetInt64());
        Assert.Equal(0, json.GetProperty("errors").GetInt64());
    }

    [Fact]
    public async Task Handshakes_for_one_second_report_a_rate()
    {
        await using PerfServer server = await StartAsync();
        (int rc, JsonElement json, string text) = await ClientAsync(server, "--handshakes", "1", "--connections", "2");

        Assert.True(rc == 0, text);
        Assert.True(json.GetProperty("handshakes_per_s").GetDouble() > 0);
        Assert.True(json.GetProperty("handshakes").GetInt64() > 0);
        Assert.True(server.ConnectionCount >= json.GetProperty("handshakes").GetInt64());
    }

    [Fact]
    public async Task A_stream_shorter_than_the_header_is_reset_instead_of_answered()
    {
        await using PerfServer server = await StartAsync();
        QuicConnection client = await QuicConnection.ConnectAsync(new QuicClientConnectionOptions
        {
            RemoteEndPoint = server.LocalEndPoint,
            DefaultStreamErrorCode = 0,
            DefaultCloseErrorCode = 0,
            ClientAuthenticationOptions = new()
            {
                TargetHost = "localhost",
                ApplicationProtocols = [PerfServer.Alpn],
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        });
        await using (client)
        {
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            await stream.WriteAsync(new byte[] { 0, 0, 0 }, completeWrites: true);
            var reset = await Assert.ThrowsAsync<QuicException>(async () => await stream.ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(QuicError.StreamAborted, reset.QuicError);
            Assert.Equal(PerfProtocol.ErrorBadRequest, reset.ApplicationErrorCode);
        }
    }

    [Theory]
    [InlineData("--download", "1M", "--upload", "1M")]
    [InlineData("--requests", "0", "--streams", "1")]
    [InlineData("--download", "1M", "--streams", "2")]
    [InlineData("--requests", "1", "--connections", "0")]
    public async Task Client_rejects_bad_mode_combinations(string a, string b, string c, string d)
    {
        var error = new StringWriter();
        int rc = await PerfCommand.RunAsync(["client", "127.0.0.1:9", a, b, c, d], TextWriter.Null, error, CancellationToken.None);
        Assert.Equal(2, rc);
        Assert.Contains("usage:", error.ToString());
    }

    [Theory]
    [InlineData("64K", 65536L)]
    [InlineData("100M", 104857600L)]
    [InlineData("1G", 1073741824L)]
    [InlineData("1g", 1073741824L)]
    [InlineData("12345", 12345L)]
    public void Byte_counts_accept_binary_suffixes(string text, long expected)
    {
        Assert.True(CommandLine.TryParseBytes(text, out long bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("-5")]
    [InlineData("1.5G")]
    [InlineData("99999999999T")]
    public void Byte_counts_reject_garbage_and_overflow(string text) =>
        Assert.False(CommandLine.TryParseBytes(text, out _));

    [Fact]
    public void Percentiles_use_the_nearest_rank()
    {
        long[] ticks = new long[100];
        for (int i = 0; i < ticks.Length; i++)
        {
            ticks[i] = (i + 1) * System.Diagnostics.Stopwatch.Frequency / 1_000_000; // 1..100 us
        }

        PerfResult result = PerfResult.Requests(100, 200, TimeSpan.FromSeconds(2), ticks, 0, null);
        using JsonDocument json = JsonDocument.Parse(result.ToJson());
        Assert.Equal(50, json.RootElement.GetProperty("latency_p50_us").GetDouble(), 1);
        Assert.Equal(99, json.RootElement.GetProperty("latency_p99_us").GetDouble(), 1);
        Assert.Equal(50, json.RootElement.GetProperty("requests_per_s").GetDouble(), 3);
    }

    private static async Task<PerfServer> StartAsync()
    {
        PerfServer? server = await PerfCommand.StartServerAsync(["--listen", "127.0.0.1:0"], TextWriter.Null, TextWriter.Null);
        Assert.NotNull(server);
        return server;
    }

    private static async Task<(int Rc, JsonElement Json, string Text)> ClientAsync(PerfServer server, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int rc = await PerfCommand.RunAsync(["client", $"127.0.0.1:{server.LocalEndPoint.Port}", .. args], output, error, CancellationToken.None);
        string text = output + error.ToString();
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.NotEmpty(lines);
        using JsonDocument json = JsonDocument.Parse(lines[^1]);
        return (rc, json.RootElement.Clone(), text);
    }
}
