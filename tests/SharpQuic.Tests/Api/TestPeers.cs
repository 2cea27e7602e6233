using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Tests.Api;

/// <summary>A listener and clients on loopback with a throwaway certificate, for the public API tests.</summary>
internal static class TestPeers
{
    public static readonly SslApplicationProtocol Alpn = new("sharpquic-test");

    private static readonly Lazy<X509Certificate2> s_certificate = new(CreateCertificate);

    public static X509Certificate2 Certificate => s_certificate.Value;

    public static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(2));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    public static QuicServerConnectionOptions ServerOptions(Action<QuicServerConnectionOptions>? configure = null)
    {
        var options = new QuicServerConnectionOptions
        {
            DefaultStreamErrorCode = 0x10,
            DefaultCloseErrorCode = 0x20,
            ServerAuthenticationOptions = new SslServerAuthenticationOptions
            {
                ServerCertificate = Certificate,
                ApplicationProtocols = [Alpn],
            },
        };
        configure?.Invoke(options);
        return options;
    }

    public static ValueTask<QuicListener> ListenAsync(Action<QuicServerConnectionOptions>? configure = null, int workers = 0, int backlog = 0) =>
        QuicListener.ListenAsync(new QuicListenerOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            ApplicationProtocols = [Alpn],
            ListenBacklog = backlog,
            WorkerCount = workers,
            ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(ServerOptions(configure)),
        });

    public static QuicClientConnectionOptions ClientOptions(IPEndPoint server, Action<QuicClientConnectionOptions>? configure = null)
    {
        var options = new QuicClientConnectionOptions
        {
            RemoteEndPoint = server,
            DefaultStreamErrorCode = 0x11,
            DefaultCloseErrorCode = 0x21,
            ClientAuthenticationOptions = new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                ApplicationProtocols = [Alpn],
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == Certificate.GetCertHashString(),
            },
        };
        configure?.Invoke(options);
        return options;
    }

    public static ValueTask<QuicConnection> ConnectAsync(QuicListener listener, Action<QuicClientConnectionOptions>? configure = null, CancellationToken cancellationToken = default) =>
        QuicConnection.ConnectAsync(ClientOptions(new IPEndPoint(IPAddress.Loopback, listener.LocalEndPoint.Port), configure), cancellationToken);

    /// <summary>Connects and accepts: both ends of one connection.</summary>
    public static async Task<(QuicConnection Client, QuicConnection Server)> PairAsync(QuicListener listener, Action<QuicClientConnectionOptions>? configure = null)
    {
        ValueTask<QuicConnection> accept = listener.AcceptConnectionAsync();
        QuicConnection client = await ConnectAsync(listener, configure);
        QuicConnection server = await accept;
        return (client, server);
    }

    /// <summary>Reads a stream to its end.</summary>
    public static async Task<byte[]> ReadToEndAsync(Stream stream)
    {
        using var ms = new MemoryStream();
        await stream.CopyToAsync(ms);
        return ms.ToArray();
    }
}
