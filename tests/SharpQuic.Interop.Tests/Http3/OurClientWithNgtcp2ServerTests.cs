using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Http3;

namespace SharpQuic.Interop.Tests.Http3;

/// <summary>
/// Our HTTP/3 client (<see cref="OurH3Client"/>) against ngtcp2 0.12.1's gtlsserver: a small GET, 100 MiB with its
/// SHA-256, 1,000 requests on one connection, Retry, resumption with 0-RTT, ChaCha20 only, and 10 % loss each way.
/// </summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class OurClientWithNgtcp2ServerTests
{
    private const string ChaChaOnly = "--ciphers=NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+CHACHA20-POLY1305";
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_small_GET_returns_200_and_the_file()
    {
        using var scratch = new InteropScratch();
        File.WriteAllBytes(Path.Combine(scratch.HtDocs, "small.txt"), TestContent.SmallBody);
        using var server = await Ngtcp2Peer.StartServerAsync(scratch);
        using var cts = new CancellationTokenSource(TestTimeout);
        await using Http3ClientConnection connection = await ConnectAsync(scratch, server, cts.Token);

        OurH3Response response = await OurH3Client.GetAsync(connection, Authority(server), "/small.txt", cts.Token);

        Assert.Equal(200, response.Status);
        Assert.Equal(TestContent.SmallBody, response.Body);
        Assert.Equal(SslApplicationProtocol.Http3, OurH3Client.Quic(connection).NegotiatedApplicationProtocol);
        OurH3Response missing = await OurH3Client.GetAsync(connection, Authority(server), "/missing.txt", cts.Token);
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task A_100_MiB_download_arrives_with_the_same_SHA256()
    {
        const long Length = 100L << 20;
        using var scratch = new InteropScratch();
        string file = Path.Combine(scratch.HtDocs, "big.bin");
        TestContent.WriteFile(file, Length);
        (long fileLength, byte[] fileHash) = TestContent.HashFile(file);
        using var server = await Ngtcp2Peer.StartServerAsync(scratch);
        using var cts = new CancellationTokenSource(TestTimeout);
        await using Http3ClientConnection connection = await ConnectAsync(scratch, server, cts.Token);

        OurH3Response response = await OurH3Client.GetAsync(connection, Authority(server), "/big.bin", cts.Token);

        Assert.Equal(200, response.Status);
        Assert.Equal(fileLength, response.Length);
        Assert.Equal(Convert.ToHexString(fileHash), Convert.ToHexString(response.Sha256));
    }

    [Fact]
    public async Task A_thousand_requests_share_one_connection()
    {
        const int Requests = 1000;
        const int InFlight = 50;
        using var scratch = new InteropScratch();
        File.WriteAllBytes(Path.Combine(scratch.HtDocs, "small.txt"), TestContent.SmallBody);
        using var server = await Ngtcp2Peer.StartServerAsync(scratch);
        using var cts = new CancellationTokenSource(TestTimeout);
        await using Http3ClientConnection connection = await ConnectAsync(scratch, server, cts.Token);
        QuicConnection quic = OurH3Client.Quic(connection);
        string authority = Authority(server);

        int ok = 0;
        int next = -1;
        var workers = new Task[InFlight];
        for (int w = 0; w < InFlight; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) < Requests)
                {
                    OurH3Response response = await OurH3Client.GetAsync(connection, authority, "/small.txt", cts.Token);
                    if (response.Status == 200 && response.Body is { } body && body.AsSpan().SequenceEqual(TestContent.SmallBody))
                    {
                        Interlocked.Increment(ref ok);
                    }
                }
            });
        }

        await Task.WhenAll(workers);

        Assert.Equal(Requests, ok);
        Assert.Same(quic, OurH3Client.Quic(connection));
        Assert.True(connection.IsUsable, "the connection closed or got GOAWAY during the run");
    }

    [Fact]
    public async Task A_Retry_from_the_server_is_followed()
    {
        using var scratch = new InteropScratch();
        File.WriteAllBytes(Path.Combine(scratch.HtDocs, "small.txt"), TestContent.SmallBody);
        // Not quiet: gtlsserver then says when it sends a Retry and verifies its token.
        using var server = await Ngtcp2Peer.StartServerAsync(scratch, ["-V", "--no-quic-dump", "--no-http-dump"], quiet: false);
        using var cts = new CancellationTokenSource(TestTimeout);
        string qlog = Path.Combine(scratch.Root, "qlog");
        QuicClientConnectionOptions options = Options(scratch, server);
        options.QlogDirectory = qlog;

        await using (Http3ClientConnection connection = await OurH3Client.ConnectAsync(options, cts.Token))
        {
            OurH3Response response = await OurH3Client.GetAsync(connection, Authority(server), "/small.txt", cts.Token);
            Assert.Equal(200, response.Status);
            Assert.Equal(TestContent.SmallBody, response.Body);
        }

        // The server's output reaches us through a pipe a little after it happened: wait for it (fails with the log).
        await server.Process.WaitForOutputAsync("Sending Retry packet", TimeSpan.FromSeconds(5));
        await server.Process.WaitForOutputAsync("Verifying Retry token", TimeSpan.FromSeconds(5));

        // RFC 9000 §7.3: after a Retry the server's transport parameters carry retry_source_connection_id; our qlog
        // records the parameters the client received.
        string trace = await ReadQlogAsync(qlog, cts.Token);
        Assert.Contains("retry_source_connection_id", trace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resumed_connection_sends_its_request_with_early_data_accepted()
    {
        (Http3ClientConnection early, Ngtcp2Peer server, InteropScratch scratch) = await ConnectWithEarlyDataAsync();
        using var cts = new CancellationTokenSource(TestTimeout);
        using (scratch)
        using (server)
        await using (early)
        {
            QuicConnection quic = OurH3Client.Quic(early);
            OurH3Response response = await OurH3Client.GetAsync(early, Authority(server), "/small.txt", cts.Token);
            Assert.Equal(200, response.Status);
            Assert.Equal(TestContent.SmallBody, response.Body);
            Assert.True(quic.IsResumed, $"not resumed\n{server.Process.Describe()}");
            // ngtcp2 0.12.1 accepts all early data it can decrypt (it has no option to refuse it).
            Assert.True(quic.EarlyDataAccepted == true, $"early data accepted: {quic.EarlyDataAccepted}\n{server.Process.Describe()}");
        }
    }

    /// <summary>
    /// The request really travels in 0-RTT. This is a race on loopback: gtlsserver answers a resumed ClientHello in
    /// 2-3 ms, and our client must open its control, QPACK and request streams before that. A process's first
    /// resumption runs code paths for the first time (PSK binder, early secrets, 0-RTT packet protection) and loses
    /// the race to the JIT, and a loaded 2-core machine can delay any one attempt; so up to five resumptions are
    /// made (each with the previous connection's ticket, each required to have its early data accepted), and at
    /// least one must carry the request in 0-RTT packets. Even so it loses on a heavily loaded machine, so it runs on
    /// demand (Category=Measure, left out of test.sh); the acceptance of our 0-RTT is asserted in every run above.
    /// </summary>
    [Fact]
    [Trait("Category", "Measure")]
    public async Task A_resumed_connection_sends_its_request_in_0rtt_packets()
    {
        (Http3ClientConnection early, Ngtcp2Peer server, InteropScratch scratch) = await ConnectWithEarlyDataAsync(warmUp: true);
        using var cts = new CancellationTokenSource(TestTimeout);
        using (scratch)
        using (server)
        {
            for (int attempt = 0; ; attempt++)
            {
                byte[]? ticket;
                await using (early)
                {
                    OurH3Response response = await OurH3Client.GetAsync(early, Authority(server), "/small.txt", cts.Token);
                    Assert.Equal(200, response.Status);
                    Assert.True(OurH3Client.Quic(early).EarlyDataAccepted == true, $"attempt {attempt}: early data not accepted");
                    if (await SawZeroRttRequestAsync(server, cts.Token))
                    {
                        return;
                    }

                    ticket = await WaitForTicketAsync(OurH3Client.Quic(early), cts.Token);
                }

                Assert.True(attempt < 4 && ticket is not null, $"no request came in a 0-RTT packet in {attempt + 1} resumptions\n{server.Process.Describe()}");
                QuicClientConnectionOptions options = Options(scratch, server);
                options.ResumptionTicket = ticket;
                options.EnableEarlyData = true;
                early = await OurH3Client.ConnectAsync(options, cts.Token);
            }
        }
    }

    /// <summary>
    /// gtlsserver (not quiet) logs the packet type of each frame it receives, e.g. "frm rx 1 0RTT STREAM(0x0b) id=0x0
    /// fin=1 ...": a request is client bidirectional stream 0. Its output reaches us through a pipe a little later.
    /// </summary>
    private static async Task<bool> SawZeroRttRequestAsync(Ngtcp2Peer server, CancellationToken cancellationToken)
    {
        for (int i = 0; i < 20; i++)
        {
            foreach (string line in (server.Process.StandardOutput + server.Process.StandardError).Split('\n'))
            {
                if (line.Contains(" 0RTT STREAM(", StringComparison.Ordinal) && line.Contains(" id=0x0 ", StringComparison.Ordinal))
                {
                    return true;
                }
            }

            await Task.Delay(50, cancellationToken);
        }

        return false;
    }

    [Theory]
    [InlineData(true)]   // our offer restricted too (CipherSuitesPolicy, what the CLI's --cipher sets)
    [InlineData(false)]  // our default offer: the server picks ChaCha20 from it
    public async Task ChaCha20_is_negotiated_when_it_is_the_only_suite(bool restrictOurs)
    {
        using var scratch = new InteropScratch();
        File.WriteAllBytes(Path.Combine(scratch.HtDocs, "small.txt"), TestContent.SmallBody);
        using var server = await Ngtcp2Peer.StartServerAsync(scratch, [ChaChaOnly]);
        using var cts = new CancellationTokenSource(TestTimeout);
        QuicClientConnectionOptions options = Options(scratch, server);
        // (ngtcp2 runs on Linux only; CipherSuitesPolicy does not exist on Windows.)
        if (restrictOurs && !OperatingSystem.IsWindows())
        {
            options.ClientAuthenticationOptions.CipherSuitesPolicy = new CipherSuitesPolicy([TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256]);
        }

        await using Http3ClientConnection connection = await OurH3Client.ConnectAsync(options, cts.Token);
        OurH3Response response = await OurH3Client.GetAsync(connection, Authority(server), "/small.txt", cts.Token);

        Assert.Equal(200, response.Status);
        Assert.Equal(TestContent.SmallBody, response.Body);
        Assert.Equal(TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256, OurH3Client.Quic(connection).NegotiatedCipherSuite);
    }

    [Fact]
    public async Task A_5_MiB_download_survives_10_percent_loss_each_way()
    {
        const long Length = 5L << 20;
        using var scratch = new InteropScratch();
        string file = Path.Combine(scratch.HtDocs, "lossy.bin");
        TestContent.WriteFile(file, Length);
        using var server = await Ngtcp2Peer.StartServerAsync(scratch, ["-t", "0.1", "-r", "0.1"]);
        using var cts = new CancellationTokenSource(TestTimeout);
        await using Http3ClientConnection connection = await ConnectAsync(scratch, server, cts.Token);

        OurH3Response response = await OurH3Client.GetAsync(connection, Authority(server), "/lossy.bin", cts.Token);

        Assert.Equal(200, response.Status);
        Assert.Equal(Length, response.Length);
        Assert.Equal(Convert.ToHexString(TestContent.Sha256(Length)), Convert.ToHexString(response.Sha256));
        QuicConnectionStatistics stats = await OurH3Client.Quic(connection).GetStatisticsAsync(cts.Token);
        Assert.True(stats.PacketsLost > 0, "gtlsserver's -t/-r dropped nothing we noticed: the test did not test loss");
    }

    internal static string Authority(Ngtcp2Peer server) => $"127.0.0.1:{server.Port}";

    internal static QuicClientConnectionOptions Options(InteropScratch scratch, Ngtcp2Peer server) =>
        OurH3Client.Options(server.Port, scratch.Certificate);

    internal static async Task<Http3ClientConnection> ConnectAsync(InteropScratch scratch, Ngtcp2Peer server, CancellationToken ct)
    {
        try
        {
            return await OurH3Client.ConnectAsync(Options(scratch, server), ct);
        }
        catch (Exception e) when (e is QuicException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            throw new Xunit.Sdk.XunitException($"connecting to gtlsserver failed: {e}\n{server.Process.Describe()}");
        }
    }

    /// <summary>
    /// A first connection to a fresh gtlsserver (not quiet, without payload dumps) takes a ticket; the second connects
    /// with it and early data, and is returned once ConnectAsync says it is an early-data connection.
    /// </summary>
    private static async Task<(Http3ClientConnection Early, Ngtcp2Peer Server, InteropScratch Scratch)> ConnectWithEarlyDataAsync(bool warmUp = false)
    {
        var scratch = new InteropScratch();
        Ngtcp2Peer? server = null;
        try
        {
            File.WriteAllBytes(Path.Combine(scratch.HtDocs, "small.txt"), TestContent.SmallBody);
            server = await Ngtcp2Peer.StartServerAsync(scratch, ["--no-quic-dump", "--no-http-dump"], quiet: false);
            using var cts = new CancellationTokenSource(TestTimeout);
            byte[] ticket;
            await using (Http3ClientConnection first = await ConnectAsync(scratch, server, cts.Token))
            {
                Assert.Equal(200, (await OurH3Client.GetAsync(first, Authority(server), "/small.txt", cts.Token)).Status);
                Assert.False(OurH3Client.Quic(first).IsResumed);
                ticket = await WaitForTicketAsync(OurH3Client.Quic(first), cts.Token)
                    ?? throw new Xunit.Sdk.XunitException($"gtlsserver sent no ticket\n{server.Process.Describe()}");
            }

            if (warmUp)
            {
                QuicClientConnectionOptions warm = Options(scratch, server);
                warm.ResumptionTicket = ticket;
                warm.EnableEarlyData = true;
                await using Http3ClientConnection resumed = await OurH3Client.ConnectAsync(warm, cts.Token);
                Assert.Equal(200, (await OurH3Client.GetAsync(resumed, Authority(server), "/small.txt", cts.Token)).Status);
                ticket = await WaitForTicketAsync(OurH3Client.Quic(resumed), cts.Token) ?? ticket;
            }

            QuicClientConnectionOptions options = Options(scratch, server);
            options.ResumptionTicket = ticket;
            options.EnableEarlyData = true;
            Http3ClientConnection early = await OurH3Client.ConnectAsync(options, cts.Token);
            if (!OurH3Client.Quic(early).IsEarlyDataConnection)
            {
                await early.DisposeAsync();
                Assert.Fail("ConnectAsync waited for the handshake: the ticket did not allow 0-RTT");
            }

            return (early, server, scratch);
        }
        catch
        {
            server?.Dispose();
            scratch.Dispose();
            throw;
        }
    }

    /// <summary>The ticket comes in a NewSessionTicket after the handshake: wait a little for it.</summary>
    private static async Task<byte[]?> WaitForTicketAsync(QuicConnection connection, CancellationToken ct)
    {
        for (int i = 0; i < 200 && connection.ResumptionTicket is null; i++)
        {
            await Task.Delay(10, ct);
        }

        return connection.ResumptionTicket;
    }

    /// <summary>The client's qlog, once the connection has been disposed (the file is complete by then, or soon).</summary>
    private static async Task<string> ReadQlogAsync(string directory, CancellationToken ct)
    {
        for (int i = 0; i < 100; i++)
        {
            string[] files = Directory.Exists(directory) ? Directory.GetFiles(directory, "*_client.sqlog") : [];
            if (files.Length == 1)
            {
                try
                {
                    string text = await File.ReadAllTextAsync(files[0], ct);
                    if (text.Contains("parameters_set", StringComparison.Ordinal))
                    {
                        return text;
                    }
                }
                catch (IOException)
                {
                }
            }

            await Task.Delay(20, ct);
        }

        throw new Xunit.Sdk.XunitException($"no client qlog in {directory}");
    }
}
