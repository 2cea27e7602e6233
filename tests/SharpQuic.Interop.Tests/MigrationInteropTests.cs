using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Interop.Tests;

/// <summary>
/// Connection migration (RFC 9000 §9) against ngtcp2 0.12.1's gtlsclient while it downloads from our listener.
/// gtlsclient's <c>--change-local-addr</c> binds a new UDP socket to the same local address with an ephemeral port
/// (on loopback: 127.0.0.1, a new port) and moves the connection there after the given delay: alone it probes the new
/// path itself (§9.2, a new connection ID); with <c>--nat-rebinding</c> it just starts sending from there, so our
/// server must notice the new address, move to it and validate it (§9.3). Either way the body must arrive whole and
/// our connection must see the new remote port.
/// </summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class MigrationInteropTests
{
    // Long enough on loopback that the switch at 1 s lands mid-transfer.
    private const long BodyLength = 300_000_000;

    // With --nat-rebinding gtlsclient drops whatever still arrives on its old socket; a client that only receives
    // (and so sends nothing ack-eliciting that could time out) then never speaks from its new port and our server
    // never learns it — a real NAT would leave both just as stuck. So that test's client uploads while it moves.
    // (A half-second pause in our server's reads early in a test was the thread pool ramping up, not the protocol:
    // see ThreadPoolWarmUp.)
    private const long UploadLength = 300_000_000;
    private const long ResponseAfterUpload = 20_000_000;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private static readonly SslApplicationProtocol H3 = SslApplicationProtocol.Http3;

    [Fact]
    public Task Ngtcp2_client_rebinding_its_port_mid_upload_is_followed_by_our_listener()
        => TransferWhileClientMovesAsync(["--nat-rebinding", "--change-local-addr=300ms"], UploadLength, ResponseAfterUpload);

    [Fact]
    public Task Ngtcp2_client_migrating_mid_download_is_followed_by_our_listener()
        => TransferWhileClientMovesAsync(["--change-local-addr=1s"], 0, BodyLength);

    /// <summary>Our client moves to a new local port while it downloads from gtlsserver: ngtcp2 validates the new path and follows.</summary>
    [Fact]
    public async Task Our_client_migrates_mid_download_from_ngtcp2()
    {
        using var scratch = new InteropScratch();
        using var server = await Ngtcp2Peer.StartServerAsync(scratch, ["--max-dyn-length=200M"]);
        using var cts = new CancellationTokenSource(TestTimeout);
        using X509Certificate2 expected = X509CertificateLoader.LoadCertificateFromFile(scratch.CertificatePath);
        await using QuicConnection connection = await QuicConnection.ConnectAsync(MiniHttp3.ClientOptions(server.Port, expected), cts.Token);
        await using QuicStream control = await MiniHttp3.OpenControlStreamAsync(connection, cts.Token);
        int before = connection.LocalEndPoint.Port;
        const long length = 150_000_000;
        Task<long> download = MiniHttp3.GetAsync(connection, $"127.0.0.1:{server.Port}", $"/{length}", cts.Token);
        await Task.Delay(150, cts.Token);
        await connection.MigrateAsync(cancellationToken: cts.Token);
        long body = await download;

        Assert.True(body == length, $"got {body} bytes\n{server.Process.Describe()}");
        Assert.NotEqual(before, connection.LocalEndPoint.Port);
        QuicConnectionStatistics stats = await connection.GetStatisticsAsync(cts.Token);
        Assert.True(stats.PathsValidated >= 1, $"paths validated: {stats.PathsValidated}");
    }

    private static async Task TransferWhileClientMovesAsync(string[] clientOptions, long uploadLength, long bodyLength)
    {
        using var scratch = new InteropScratch();
        var args = new List<string>(clientOptions) { "--max-data=1G" };
        if (uploadLength > 0)
        {
            string upload = Path.Combine(scratch.Root, "upload.bin");
            using (FileStream f = File.Create(upload))
            {
                f.SetLength(uploadLength);
            }

            args.AddRange(["-m", "POST", "--data=" + upload]);
        }

        using var cts = new CancellationTokenSource(TestTimeout);
        using X509Certificate2 pem = X509Certificate2.CreateFromPemFile(scratch.CertificatePath, scratch.KeyPath);
        using X509Certificate2 certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        await using QuicListener listener = await QuicListener.ListenAsync(new QuicListenerOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            ApplicationProtocols = [H3],
            WorkerCount = 1,
            ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(new QuicServerConnectionOptions
            {
                DefaultStreamErrorCode = 0x10c,
                DefaultCloseErrorCode = 0x100,
                ServerAuthenticationOptions = new SslServerAuthenticationOptions { ServerCertificate = certificate, ApplicationProtocols = [H3] },
            }),
        }, cts.Token);

        using var client = Ngtcp2Peer.StartClient(scratch, new IPEndPoint(IPAddress.Loopback, listener.LocalEndPoint.Port), ["body.bin"], args);
        await using QuicConnection connection = await listener.AcceptConnectionAsync(cts.Token);
        IPEndPoint before = connection.RemoteEndPoint;
        await using QuicStream control = await MiniHttp3.OpenControlStreamAsync(connection, cts.Token);
        QuicConnectionStatistics? lastStats = null;
        IPEndPoint? after = null;
        // The client closes the connection as soon as the body is in, so the server's view is sampled while it lasts.
        Task sample = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    lastStats = await connection.GetStatisticsAsync(cts.Token);
                    after = connection.RemoteEndPoint;
                    await Task.Delay(10, cts.Token);
                }
            }
            catch (Exception e) when (e is QuicException or OperationCanceledException)
            {
            }
        });
        Task serve = Task.Run(async () =>
        {
            var tasks = new List<Task>();
            try
            {
                while (true)
                {
                    QuicStream s = await connection.AcceptInboundStreamAsync(cts.Token);
                    if (s.Type == QuicStreamType.Bidirectional)
                    {
                        tasks.Add(Task.Run(async () =>
                        {
                            await using (s)
                            {
                                await MiniHttp3.RespondAsync(s, bodyLength, cts.Token);
                                await s.WritesClosed;
                            }
                        }));
                    }
                    else
                    {
                        tasks.Add(s.CopyToAsync(Stream.Null, cts.Token)); // the client's control and QPACK streams
                    }
                }
            }
            catch (Exception e) when (e is QuicException or OperationCanceledException)
            {
            }

            await Task.WhenAll(tasks).ContinueWith(static _ => { }, TaskScheduler.Default);
        });

        string file = Path.Combine(scratch.Downloads, "body.bin");
        await client.Process.WaitForExitAsync(TestTimeout);
        await serve.WaitAsync(TestTimeout);
        await sample.WaitAsync(TestTimeout);
        Assert.True(File.Exists(file) && new FileInfo(file).Length == bodyLength, $"download incomplete\n{client.Process.Describe()}");
        Assert.NotNull(lastStats);
        Assert.NotNull(after);
        Assert.Equal(before.Address, after.Address);
        Assert.True(before.Port != after.Port, $"remote stayed at {before}");
        Assert.True(lastStats.PathChanges >= 1, $"path changes: {lastStats.PathChanges}");
        Assert.True(lastStats.PathsValidated >= 1, $"paths validated: {lastStats.PathsValidated}");
        Assert.Equal(0, lastStats.PathValidationFailures);
    }
}
