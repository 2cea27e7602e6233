using System.Net;
using System.Text;
using SharpQuic.Http3.Tests.Connection;

namespace SharpQuic.Http3.Tests.WebTransport;

/// <summary>An <see cref="Http3Server"/> with WebTransport on loopback and clients for it.</summary>
internal static class WtLoopback
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static Task<Http3Server> StartAsync(Action<Http3RouteTable> map, Action<WebTransportServerOptions>? configure = null, bool enable = true)
    {
        var routes = new Http3RouteTable();
        map(routes);
        var webTransport = new WebTransportServerOptions();
        configure?.Invoke(webTransport);
        var options = new Http3ServerOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            ServerCertificate = H3Loopback.Certificate,
            WorkerCount = 1,
            WebTransport = enable ? webTransport : null,
        };
        return Http3Server.StartAsync(options, routes);
    }

    public static Task<Http3Server> StartEchoAsync(Action<WebTransportServerOptions>? configure = null) =>
        StartAsync(routes => routes.MapWebTransport("/echo", WebTransportEcho.RunAsync), configure);

    public static WebTransportClientOptions ClientOptions() => new()
    {
        RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == H3Loopback.Certificate.GetCertHashString(),
        Origin = "https://example.test",
    };

    public static Uri Uri(Http3Server server, string path) => new($"https://127.0.0.1:{server.LocalEndPoint.Port}{path}");

    public static Task<WebTransportSession> ConnectAsync(Http3Server server, string path = "/echo") =>
        WebTransportSession.ConnectAsync(Uri(server, path), ClientOptions()).WaitAsync(Timeout);

    public static Task<WebTransportClientConnection> ConnectionAsync(Http3Server server) =>
        WebTransportClientConnection.ConnectAsync(Uri(server, "/"), ClientOptions()).WaitAsync(Timeout);

    public static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        var content = new MemoryStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout)) > 0)
        {
            content.Write(buffer, 0, n);
        }

        return content.ToArray();
    }

    public static async Task<string> ReadStringAsync(Stream stream) => Encoding.UTF8.GetString(await ReadToEndAsync(stream));

    /// <summary>Sends a datagram until its echo arrives (datagrams may be lost, even on loopback).</summary>
    public static async Task<byte[]> DatagramRoundTripAsync(WebTransportSession session, byte[] payload)
    {
        byte[] buffer = new byte[65536];
        for (int attempt = 0; attempt < 20; attempt++)
        {
            await session.SendDatagramAsync(payload);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                int n = await session.ReceiveDatagramAsync(buffer, wait.Token);
                return buffer.AsSpan(0, n).ToArray();
            }
            catch (OperationCanceledException)
            {
            }
        }

        throw new TimeoutException("No datagram came back.");
    }
}
