using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Interop.Tests;

/// <summary>
/// Key updates (RFC 9001 §6) against ngtcp2 0.12.1, both ways, while a download keeps 1-RTT packets flowing: our
/// client updating every few hundred packets against gtlsserver; gtlsclient's own update (<c>--key-update</c>) and
/// ours against our listener. The body arriving whole shows neither side lost packets across the key phases.
/// </summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class KeyUpdateInteropTests
{
    // Long enough for several updates: each waits for an acknowledgment in its phase and three PTOs (RFC 9001 §6.5).
    private const long BodyLength = 150_000_000;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private static readonly SslApplicationProtocol H3 = SslApplicationProtocol.Http3;

    [Fact]
    public async Task Our_client_updates_keys_repeatedly_while_downloading_from_ngtcp2()
    {
        using var scratch = new InteropScratch();
        using var server = await Ngtcp2Peer.StartServerAsync(scratch, ["--max-dyn-length=200M"]);
        using var cts = new CancellationTokenSource(TestTimeout);
        using X509Certificate2 expected = X509CertificateLoader.LoadCertificateFromFile(scratch.CertificatePath);
        QuicClientConnectionOptions options = MiniHttp3.ClientOptions(server.Port, expected);
        options.KeyUpdateInterval = 100;

        await using QuicConnection connection = await QuicConnection.ConnectAsync(options, cts.Token);
        await using QuicStream control = await MiniHttp3.OpenControlStreamAsync(connection, cts.Token);
        const long length = BodyLength;
        long body = await MiniHttp3.GetAsync(connection, $"127.0.0.1:{server.Port}", $"/{length}", cts.Token);
        QuicConnectionStatistics stats = await connection.GetStatisticsAsync(cts.Token);

        // ngtcp2's server never starts an update: every one counted here is ours, and ngtcp2 followed it.
        Assert.True(body == length, $"got {body} bytes\n{server.Process.Describe()}");
        Assert.True(stats.KeyUpdates >= 2, $"only {stats.KeyUpdates} key updates");
        await connection.CloseAsync(0x100, cts.Token);
    }

    [Fact]
    public async Task Ngtcp2_client_and_our_listener_both_update_keys_during_a_download()
    {
        using var scratch = new InteropScratch();
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
                KeyUpdateInterval = 150,
                ServerAuthenticationOptions = new SslServerAuthenticationOptions { ServerCertificate = certificate, ApplicationProtocols = [H3] },
            }),
        }, cts.Token);

        using var client = Ngtcp2Peer.StartClient(scratch, new IPEndPoint(IPAddress.Loopback, listener.LocalEndPoint.Port), ["body.bin"], ["--key-update=1ms", "--max-data=1G"]);
        await using QuicConnection connection = await listener.AcceptConnectionAsync(cts.Token);
        await using QuicStream control = await MiniHttp3.OpenControlStreamAsync(connection, cts.Token);
        QuicConnectionStatistics? lastStats = null;
        Task drainUni = Task.Run(async () =>
        {
            // The client's control and QPACK streams: read and ignored.
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
                                await MiniHttp3.RespondAsync(s, BodyLength, cts.Token);
                                lastStats = await connection.GetStatisticsAsync(cts.Token);
                                await s.WritesClosed;
                            }
                        }));
                    }
                    else
                    {
                        tasks.Add(s.CopyToAsync(Stream.Null, cts.Token));
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
        await drainUni.WaitAsync(TestTimeout); // the client's close ends the accept loop after the responder recorded its counts
        Assert.True(File.Exists(file) && new FileInfo(file).Length == BodyLength, $"download incomplete\n{client.Process.Describe()}");
        Assert.NotNull(lastStats);
        Assert.True(lastStats.KeyUpdates >= 2, $"only {lastStats.KeyUpdates} key updates");
    }
}
