using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Http3.Tests.Connection;

/// <summary>An <see cref="Http3Server"/> and raw HTTP/3 client connections on loopback, with a throwaway certificate.</summary>
internal static class H3Loopback
{
    private static readonly Lazy<X509Certificate2> s_certificate = new(CreateCertificate);

    public static X509Certificate2 Certificate => s_certificate.Value;

    public static Task<Http3Server> StartServerAsync(Http3RequestHandler handler, Action<Http3ServerOptions>? configure = null)
    {
        var options = new Http3ServerOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            ServerCertificate = Certificate,
            WorkerCount = 1,
        };
        configure?.Invoke(options);
        return Http3Server.StartAsync(options, handler);
    }

    public static QuicClientConnectionOptions ClientOptions(int port) => new()
    {
        RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, port),
        ClientAuthenticationOptions = new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == Certificate.GetCertHashString(),
        },
    };

    public static async Task<Http3ClientConnection> ConnectAsync(Http3Server server) =>
        await Http3ClientConnection.ConnectAsync(ClientOptions(server.LocalEndPoint.Port));

    public static Http3Headers RequestPseudo(string method, string path, int port)
    {
        var pseudo = new Http3Headers();
        pseudo.AddLowercase(":method", method);
        pseudo.AddLowercase(":scheme", "https");
        pseudo.AddLowercase(":authority", "localhost:" + port);
        pseudo.AddLowercase(":path", path);
        return pseudo;
    }

    public static async Task<byte[]> ReadAllAsync(IHttp3MessageReader reader)
    {
        var body = new MemoryStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = await reader.ReadDataAsync(buffer, default)) > 0)
        {
            body.Write(buffer, 0, n);
        }

        return body.ToArray();
    }

    private static X509Certificate2 CreateCertificate()
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
}
