using System.Globalization;
using System.Net.Security;

namespace SharpQuic.Interop.Tests.Http3;

/// <summary>
/// ngtcp2 0.12.1's gtlsclient against our <see cref="SharpQuic.Http3.Http3Server"/> (<see cref="OurH3Server"/>): a small
/// GET, 100 MiB with its SHA-256, 1,000 requests on one connection, Retry, resumption with 0-RTT, ChaCha20 only, and
/// 10 % loss each way.
/// </summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class Ngtcp2ClientWithOurServerTests
{
    private const string ChaChaOnly = "--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_small_GET_returns_200_and_the_body()
    {
        using var scratch = new InteropScratch();
        await using OurH3Server server = await OurH3Server.StartAsync(scratch);

        string log = await RunClientAsync(scratch, server, ["small"]);

        Assert.Equal(TestContent.SmallBody, await File.ReadAllBytesAsync(Downloaded(scratch, "small", log)));
        Assert.Single(server.LogLines("\"GET /small HTTP/3\" 200"));
    }

    [Fact]
    public async Task A_100_MiB_download_arrives_with_the_same_SHA256()
    {
        const long Length = 100L << 20;
        using var scratch = new InteropScratch();
        await using OurH3Server server = await OurH3Server.StartAsync(scratch);
        string path = "gen/" + Length.ToString(CultureInfo.InvariantCulture);

        string log = await RunClientAsync(scratch, server, [path]);

        (long length, byte[] hash) = TestContent.HashFile(Downloaded(scratch, Length.ToString(CultureInfo.InvariantCulture), log));
        Assert.Equal(Length, length);
        Assert.Equal(Convert.ToHexString(TestContent.Sha256(Length)), Convert.ToHexString(hash));
        Assert.Single(server.LogLines($"\"GET /{path} HTTP/3\" 200 {Length}"));
    }

    [Fact]
    public async Task A_thousand_requests_arrive_on_one_connection()
    {
        const int Requests = 1000;
        using var scratch = new InteropScratch();
        await using OurH3Server server = await OurH3Server.StartAsync(scratch);

        // -n repeats the URI list until N requests have been made, all on one connection.
        string log = await RunClientAsync(scratch, server, ["small"], ["-n", Requests.ToString(CultureInfo.InvariantCulture)]);

        Assert.True(server.RequestsByClient.Count == 1, $"requests came from {server.RequestsByClient.Count} client addresses\n{log}");
        foreach (int count in server.RequestsByClient.Values)
        {
            Assert.Equal(Requests, count);
        }

        Assert.Single(server.LogLines(" connected: h3"));
        Assert.Equal(Requests, server.LogLines("\"GET /small HTTP/3\" 200").Count);
    }

    [Fact]
    public async Task Our_server_sends_a_Retry_when_required()
    {
        using var scratch = new InteropScratch();
        await using OurH3Server server = await OurH3Server.StartAsync(scratch, o => o.RequireRetry = true);

        string log = await RunClientAsync(scratch, server, ["small"], quiet: false);

        Assert.Equal(TestContent.SmallBody, await File.ReadAllBytesAsync(Downloaded(scratch, "small", log)));
        // gtlsclient logs every packet it receives; a Retry is "type=Retry", and the server's transport parameters
        // then carry retry_source_connection_id (RFC 9000 §7.3).
        Assert.Contains("type=Retry", log, StringComparison.Ordinal);
        Assert.Contains("retry_source_connection_id=", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_run_resumes_and_sends_0rtt()
    {
        using var scratch = new InteropScratch();
        await using OurH3Server server = await OurH3Server.StartAsync(scratch, o => o.AcceptEarlyData = true);
        string session = Path.Combine(scratch.Root, "session.pem");
        string parameters = Path.Combine(scratch.Root, "tp.pem");
        string[] files = [$"--session-file={session}", $"--tp-file={parameters}"];

        // 1. Full handshake: gtlsclient keeps our NewSessionTicket and our transport parameters.
        string first = await RunClientAsync(scratch, server, ["small"], files, quiet: false);
        Assert.True(File.Exists(session) && File.Exists(parameters), $"gtlsclient wrote no session/tp file\n{first}");
        File.Delete(Downloaded(scratch, "small", first));

        // 2. Second run: resumes, and sends its request as early data by itself.
        string second = await RunClientAsync(scratch, server, ["small"], files, quiet: false);
        Assert.Equal(TestContent.SmallBody, await File.ReadAllBytesAsync(Downloaded(scratch, "small", second)));
        Assert.DoesNotContain("Early data was rejected", second, StringComparison.Ordinal);
        Assert.Contains("type=0RTT", second, StringComparison.Ordinal);

        List<string> connections = server.LogLines(" connected: h3");
        Assert.True(connections.Count == 2, server.Log);
        Assert.Contains("resumed False, 0-RTT none", connections[0], StringComparison.Ordinal);
        Assert.Contains("resumed True, 0-RTT accepted", connections[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChaCha20_is_negotiated_when_the_client_offers_only_it()
    {
        using var scratch = new InteropScratch();
        await using OurH3Server server = await OurH3Server.StartAsync(scratch);

        string log = await RunClientAsync(scratch, server, ["small"], [ChaChaOnly]);

        Assert.Equal(TestContent.SmallBody, await File.ReadAllBytesAsync(Downloaded(scratch, "small", log)));
        List<string> connections = server.LogLines(" connected: h3");
        Assert.Single(connections);
        Assert.Contains(nameof(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256), connections[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_5_MiB_download_survives_10_percent_loss_each_way()
    {
        const long Length = 5L << 20;
        using var scratch = new InteropScratch();
        await using OurH3Server server = await OurH3Server.StartAsync(scratch);
        string path = "gen/" + Length.ToString(CultureInfo.InvariantCulture);

        string log = await RunClientAsync(scratch, server, [path], ["-t", "0.1", "-r", "0.1"]);

        (long length, byte[] hash) = TestContent.HashFile(Downloaded(scratch, Length.ToString(CultureInfo.InvariantCulture), log));
        Assert.Equal(Length, length);
        Assert.Equal(Convert.ToHexString(TestContent.Sha256(Length)), Convert.ToHexString(hash));
    }

    /// <summary>
    /// Runs gtlsclient to the end against <paramref name="server"/>; returns all it printed, then (for failure messages)
    /// its command line and our server's log.
    /// </summary>
    private static async Task<string> RunClientAsync(InteropScratch scratch, OurH3Server server, string[] paths, string[]? arguments = null, bool quiet = true)
    {
        using var client = Ngtcp2Peer.StartClient(scratch, server.EndPoint, paths, arguments, quiet);
        int exit = await client.Process.WaitForExitAsync(TestTimeout);
        string log = client.Process.StandardOutput + client.Process.StandardError + "\n--- command ---\n" + client.Process.CommandLine
            + "\n--- our server ---\n" + Tail(server.Log);
        Assert.True(exit == 0, $"gtlsclient exited with {exit}\n{log}");
        return log;
    }

    /// <summary>The file gtlsclient wrote for a request; fails with the logs when it is missing (it exits 0 anyway).</summary>
    private static string Downloaded(InteropScratch scratch, string name, string log)
    {
        string file = Path.Combine(scratch.Downloads, name);
        Assert.True(File.Exists(file), $"gtlsclient downloaded no {name}\n{log}");
        return file;
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : "…" + text[^4000..];
}
