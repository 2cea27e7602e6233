using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using SharpQuic.Cryptography;
using SharpQuic.Tls;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Handshake;
using SharpQuic.Tls.KeyExchange;

namespace SharpQuic.Benchmarks;

/// <summary>
/// One full in-memory TLS handshake (client + server CPU: key shares, ECDSA P-256 CertificateVerify sign and
/// verify, key schedule; the server certificate is checked by SHA-256 pin, so no X509Chain build), and the key
/// share operations alone.
/// </summary>
[MemoryDiagnoser]
public class HandshakeBenchmarks
{
    private X509Certificate2 _certificate = null!;
    private byte[] _pin = [];
    private byte[] _x25519ClientShare = [];
    private byte[] _hybridClientShare = [];
    private byte[] _hybridServerShare = [];
    private IKeyShareProvider _hybridClient = null!;
    private readonly KeyShareFactory _factory = new(SystemRandomSource.Instance);

    [GlobalSetup]
    public void Setup()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=bench.example", key, HashAlgorithmName.SHA256);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        _pin = SHA256.HashData(_certificate.RawData);
        _x25519ClientShare = _factory.Create(NamedGroup.X25519).CreateClientShare();
        _hybridClient = _factory.Create(NamedGroup.X25519MlKem768);
        _hybridClientShare = _hybridClient.CreateClientShare();
        _factory.Create(NamedGroup.X25519MlKem768).TryRespond(_hybridClientShare, out _hybridServerShare, out _);
    }

    [Benchmark]
    public bool HandshakeX25519() => Handshake(NamedGroup.X25519);

    [Benchmark]
    public bool HandshakeX25519MlKem768() => Handshake(NamedGroup.X25519MlKem768);

    [Benchmark]
    public byte[] KeyShareX25519Client() => _factory.Create(NamedGroup.X25519).CreateClientShare();

    [Benchmark]
    public bool KeyShareX25519Server() => _factory.Create(NamedGroup.X25519).TryRespond(_x25519ClientShare, out _, out _);

    [Benchmark]
    public byte[] KeyShareHybridClient() => _factory.Create(NamedGroup.X25519MlKem768).CreateClientShare();

    [Benchmark]
    public bool KeyShareHybridServer() => _factory.Create(NamedGroup.X25519MlKem768).TryRespond(_hybridClientShare, out _, out _);

    [Benchmark]
    public bool KeyShareHybridClientFinish()
    {
        IKeyShareProvider client = _factory.Create(NamedGroup.X25519MlKem768);
        client.CreateClientShare();
        return client.TryComputeSharedSecret(_hybridServerShare, out _);
    }

    private bool Handshake(NamedGroup group)
    {
        var clientOptions = new TlsClientOptions
        {
            ServerName = "bench.example",
            ApplicationProtocols = [SslApplicationProtocol.Http3],
            SupportedGroups = [group],
            KeyShareGroups = [group],
            LocalTransportParameters = [1, 2, 3],
            CertificateValidation = new CertificateValidationOptions { TargetHost = "bench.example", PinnedCertificateHashes = [_pin] },
            ValidateCertificateInline = true,
        };
        var serverOptions = new TlsServerOptions
        {
            ServerAuthentication = new SslServerAuthenticationOptions { ServerCertificate = _certificate },
            ApplicationProtocols = [SslApplicationProtocol.Http3],
            Groups = [group],
            LocalTransportParameters = [4, 5, 6],
        };
        using var client = new TlsClientConnection(clientOptions);
        using var server = new TlsServerConnection(serverOptions);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        client.Start(now);
        bool moved = true;
        while (moved)
        {
            moved = false;
            while (client.TryPollEvent(out TlsEvent ev))
            {
                moved = true;
                if (ev is HandshakeDataEvent d && server.HandleHandshakeData(d.Level, d.Data, now) is not null)
                {
                    return false;
                }
            }

            while (server.TryPollEvent(out TlsEvent ev))
            {
                moved = true;
                if (ev is HandshakeDataEvent d && client.HandleHandshakeData(d.Level, d.Data, now) is not null)
                {
                    return false;
                }
            }
        }

        return client.IsHandshakeComplete && server.IsHandshakeComplete;
    }
}
