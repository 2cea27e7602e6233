using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Interop.Tests;

/// <summary>
/// Session resumption and 0-RTT (RFC 9001 §4.6, RFC 9000 §7.4.1) against ngtcp2 0.12.1, both ways: our client takes a
/// ticket from gtlsserver and resumes, then sends its GET in 0-RTT; gtlsclient keeps its session and transport
/// parameters in files (<c>--session-file</c>, <c>--tp-file</c>), resumes against our listener on its second run and
/// sends its request as early data (it does so by itself when both files hold a usable session).
/// </summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class ResumptionInteropTests
{
    private const long BodyLength = 100_000;
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);
    private static readonly SslApplicationProtocol H3 = SslApplicationProtocol.Http3;

    [Fact]
    public async Task Our_client_resumes_and_sends_its_request_in_0rtt_to_ngtcp2()
    {
        using var scratch = new InteropScratch();
        using var server = await Ngtcp2Peer.StartServerAsync(scratch, ["--max-dyn-length=1M"]);
        using var cts = new CancellationTokenSource(TestTimeout);
        using X509Certificate2 expected = X509CertificateLoader.LoadCertificateFromFile(scratch.CertificatePath);
        string authority = $"127.0.0.1:{server.Port}";

        // 1. A full handshake; the ticket comes in a NewSessionTicket after it.
        byte[] ticket;
        await using (QuicConnection first = await QuicConnection.ConnectAsync(ClientOptions(server.Port, expected), cts.Token))
        {
            await using QuicStream control = await MiniHttp3.OpenControlStreamAsync(first, cts.Token);
            long body = await MiniHttp3.GetAsync(first, authority, $"/{BodyLength}", cts.Token);
            Assert.Equal(BodyLength, body);
            Assert.False(first.IsResumed);
            ticket = await WaitForTicketAsync(first, cts.Token) ?? throw new Xunit.Sdk.XunitException($"gtlsserver sent no ticket\n{server.Process.Describe()}");
            await first.CloseAsync(0x100, cts.Token);
        }

        // 2. Resumption without early data.
        byte[] nextTicket;
        await using (QuicConnection resumed = await QuicConnection.ConnectAsync(ClientOptions(server.Port, expected, ticket), cts.Token))
        {
            await using QuicStream control = await MiniHttp3.OpenControlStreamAsync(resumed, cts.Token);
            Assert.Equal(BodyLength, await MiniHttp3.GetAsync(resumed, authority, $"/{BodyLength}", cts.Token));
            Assert.True(resumed.IsResumed, $"not resumed\n{server.Process.Describe()}");
            Assert.Null(resumed.EarlyDataAccepted);
            nextTicket = await WaitForTicketAsync(resumed, cts.Token) ?? ticket;
            await resumed.CloseAsync(0x100, cts.Token);
        }

        // 3. Resumption with the control stream and the GET in 0-RTT.
        await using (QuicConnection early = await QuicConnection.ConnectAsync(ClientOptions(server.Port, expected, nextTicket, earlyData: true), cts.Token))
        {
            Assert.True(early.IsEarlyDataConnection, "ConnectAsync waited for the handshake: the ticket did not allow 0-RTT");
            await using QuicStream control = await MiniHttp3.OpenControlStreamAsync(early, cts.Token);
            long body = await MiniHttp3.GetAsync(early, authority, $"/{BodyLength}", cts.Token);
            Assert.Equal(BodyLength, body);
            Assert.True(early.IsResumed);
            Assert.True(early.EarlyDataAccepted == true, $"early data accepted: {early.EarlyDataAccepted}\n{server.Process.Describe()}");
            await early.CloseAsync(0x100, cts.Token);
        }
    }

    [Fact]
    public async Task Ngtcp2_client_resumes_and_sends_0rtt_to_our_listener()
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
                AcceptEarlyData = true,
                ServerAuthenticationOptions = new SslServerAuthenticationOptions { ServerCertificate = certificate, ApplicationProtocols = [H3] },
            }),
        }, cts.Token);
        var endPoint = new IPEndPoint(IPAddress.Loopback, listener.LocalEndPoint.Port);
        string session = Path.Combine(scratch.Root, "session.pem");
        string parameters = Path.Combine(scratch.Root, "tp.pem");
        string[] arguments = [$"--session-file={session}", $"--tp-file={parameters}"];

        // 1. Full handshake: gtlsclient writes the session (from our NewSessionTicket) and our transport parameters.
        (string firstLog, ServedConnection firstServed) = await RunClientAsync(scratch, listener, endPoint, "first.bin", arguments, cts.Token);
        Assert.True(File.Exists(session) && File.Exists(parameters), $"gtlsclient wrote no session/tp file\n{firstLog}");
        Assert.False(firstServed.IsResumed);

        // 2. Second run: resumes, and sends its request in 0-RTT by itself.
        (string secondLog, ServedConnection secondServed) = await RunClientAsync(scratch, listener, endPoint, "second.bin", arguments, cts.Token);
        Assert.True(secondServed.IsResumed, $"our server did not resume\n{secondLog}");
        Assert.True(secondServed.EarlyDataAccepted == true, $"our server: early data {secondServed.EarlyDataAccepted}\n{secondLog}");
        // gtlsclient says only when early data was refused ("Early data was rejected by server").
        Assert.DoesNotContain("Early data was rejected", secondLog, StringComparison.Ordinal);
    }

    private static async Task<(string Log, ServedConnection Served)> RunClientAsync(
        InteropScratch scratch, QuicListener listener, IPEndPoint endPoint, string path, string[] arguments, CancellationToken ct)
    {
        using var client = Ngtcp2Peer.StartClient(scratch, endPoint, [path], arguments, quiet: false);
        await using QuicConnection connection = await listener.AcceptConnectionAsync(ct);
        var served = new ServedConnection();
        await using QuicStream control = await MiniHttp3.OpenControlStreamAsync(connection, ct);
        Task serve = Task.Run(async () =>
        {
            var tasks = new List<Task>();
            try
            {
                while (true)
                {
                    QuicStream s = await connection.AcceptInboundStreamAsync(ct);
                    if (s.Type == QuicStreamType.Bidirectional)
                    {
                        tasks.Add(Task.Run(async () =>
                        {
                            await using (s)
                            {
                                await MiniHttp3.RespondAsync(s, BodyLength, ct);
                                await s.WritesClosed;
                            }
                        }));
                    }
                    else
                    {
                        tasks.Add(s.CopyToAsync(Stream.Null, ct));
                    }
                }
            }
            catch (Exception e) when (e is QuicException or OperationCanceledException)
            {
            }

            await Task.WhenAll(tasks).ContinueWith(static _ => { }, TaskScheduler.Default);
        });

        await client.Process.WaitForExitAsync(TestTimeout);
        await serve.WaitAsync(TestTimeout);
        served.IsResumed = connection.IsResumed;
        served.EarlyDataAccepted = connection.EarlyDataAccepted;
        string file = Path.Combine(scratch.Downloads, path);
        string log = client.Process.Describe();
        Assert.True(File.Exists(file) && new FileInfo(file).Length == BodyLength, $"download incomplete\n{log}");
        return (log, served);
    }

    private static QuicClientConnectionOptions ClientOptions(int port, X509Certificate2 expected, byte[]? ticket = null, bool earlyData = false)
    {
        QuicClientConnectionOptions options = MiniHttp3.ClientOptions(port, expected);
        options.ResumptionTicket = ticket;
        options.EnableEarlyData = earlyData;
        return options;
    }

    /// <summary>The ticket arrives after the handshake, in its own flight: wait a little for it.</summary>
    private static async Task<byte[]?> WaitForTicketAsync(QuicConnection connection, CancellationToken ct)
    {
        for (int i = 0; i < 200 && connection.ResumptionTicket is null; i++)
        {
            await Task.Delay(10, ct);
        }

        return connection.ResumptionTicket;
    }

    private sealed class ServedConnection
    {
        public bool IsResumed { get; set; }

        public bool? EarlyDataAccepted { get; set; }
    }
}
