using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Cryptography;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Connection;

/// <summary>
/// A client and a server endpoint on a <see cref="SimulatedNetwork"/>, with a self-signed ECDSA P-256 certificate
/// (pinned by the client), ALPN "sq", and X25519MLKEM768 as the default group.
/// </summary>
internal sealed class QuicPair : IDisposable
{
    public const string Host = "test.sharpquic";
    public static readonly IPEndPoint ClientAddress = new(IPAddress.Loopback, 50000);
    public static readonly IPEndPoint ServerAddress = new(IPAddress.Loopback, 443);

    private static readonly Lazy<X509Certificate2> s_certificate = new(CreateCertificate);

    public QuicPair(
        int seed = 1,
        LinkConditions? conditions = null,
        ConnectionOptions? connectionOptions = null,
        bool deferServerOptions = false,
        bool requireRetry = false,
        IReadOnlyList<QuicVersion>? serverVersions = null,
        bool inlineValidation = true,
        StatelessResetTokens? serverResetKey = null,
        int maxPendingHandshakes = 1024,
        bool issueTokens = false,
        bool preferServerVersionOrder = false,
        IReadOnlyList<QuicVersion>? clientVersions = null)
    {
        Network = new SimulatedNetwork(seed) { DefaultConditions = conditions ?? new LinkConditions { Delay = TimeSpan.FromMilliseconds(10), Mtu = 1200 } };
        ConnectionOptions options = connectionOptions ?? new ConnectionOptions();
        ServerTls = new ServerTlsSettings
        {
            ServerAuthentication = new SslServerAuthenticationOptions { ServerCertificate = Certificate },
            ApplicationProtocols = [new SslApplicationProtocol("sq")],
            RandomSource = new DeterministicRandomSource(seed + 100),
        };
        ServerEndpoint = new QuicEndpoint(
            new EndpointOptions
            {
                AcceptConnections = true,
                ServerOptions = deferServerOptions ? null : ServerTls,
                Connection = options,
                Random = new DeterministicRandomSource(seed + 200),
                RequireRetry = requireRetry,
                AddressValidation = requireRetry || issueTokens ? AddressValidationTokens.CreateRandom(new DeterministicRandomSource(seed + 300)) : null,
                Versions = serverVersions ?? [QuicVersion.V1, QuicVersion.V2],
                WallClockOrigin = DateTimeOffset.UtcNow,
                StatelessResetTokens = serverResetKey,
                MaxPendingHandshakes = maxPendingHandshakes,
                PreferServerVersionOrder = preferServerVersionOrder,
            },
            Instant.Zero);
        ClientEndpoint = new QuicEndpoint(
            new EndpointOptions { Connection = options, Random = new DeterministicRandomSource(seed + 400), WallClockOrigin = DateTimeOffset.UtcNow, Versions = clientVersions ?? [QuicVersion.V1, QuicVersion.V2] },
            Instant.Zero);
        ServerNode = new EndpointNode(ServerEndpoint);
        ClientNode = new EndpointNode(ClientEndpoint);
        ServerHost = Network.AddNode("server", ServerAddress, ServerNode);
        ClientHost = Network.AddNode("client", ClientAddress, ClientNode);
        ClientTls = new ClientTlsSettings
        {
            ServerName = Host,
            ApplicationProtocols = [new SslApplicationProtocol("sq")],
            PinnedCertificateHashes = [SHA256.HashData(Certificate.RawData)],
            ValidateInline = inlineValidation,
            RandomSource = new DeterministicRandomSource(seed + 500),
        };
        ServerNode.Application = now =>
        {
            while (ServerEndpoint.TryAcceptConnection(out QuicConnection c))
            {
                ServerConnection ??= c;
            }

            ServerApp?.Invoke(now);
        };
        ClientNode.Application = now => ClientApp?.Invoke(now);
    }

    public static X509Certificate2 Certificate => s_certificate.Value;

    public SimulatedNetwork Network { get; }

    public QuicEndpoint ServerEndpoint { get; }

    public QuicEndpoint ClientEndpoint { get; }

    public EndpointNode ServerNode { get; }

    public EndpointNode ClientNode { get; }

    public SimulatedHost ServerHost { get; }

    public SimulatedHost ClientHost { get; }

    public ServerTlsSettings ServerTls { get; }

    public ClientTlsSettings ClientTls { get; }

    public QuicConnection? Client { get; private set; }

    public QuicConnection? ServerConnection { get; private set; }

    public Action<Instant>? ServerApp { get; set; }

    public Action<Instant>? ClientApp { get; set; }

    public QuicConnection Connect(QuicVersion? version = null)
    {
        Client = ClientEndpoint.Connect(Network.Now, ServerAddress, ClientTls, version);
        return Client;
    }

    /// <summary>Runs until both sides completed the handshake (and the client confirmed it).</summary>
    public bool RunHandshake(TimeSpan limit)
    {
        if (Client is null)
        {
            Connect();
        }

        return Network.RunUntil(() => Client!.IsHandshakeConfirmed && ServerConnection is { IsHandshakeComplete: true }, Network.Now + limit);
    }

    /// <summary>Drops the server's connection (memory measurements).</summary>
    public void ReleaseServerConnection()
    {
        ServerEndpoint.ForgetAllConnections();
        ServerConnection = null;
    }

    /// <summary>Drops both connections from the endpoints and from this pair (memory measurements).</summary>
    public void ReleaseConnections()
    {
        ClientEndpoint.ForgetAllConnections();
        ServerEndpoint.ForgetAllConnections();
        Client = null;
        ServerConnection = null;
    }

    public void Dispose()
    {
        ServerEndpoint.Dispose();
        ClientEndpoint.Dispose();
    }

    /// <summary>Drains a connection's events into a list (tests look at them afterwards).</summary>
    public static void Drain(QuicConnection connection, List<ConnectionEvent> into)
    {
        while (connection.PollEvent(out ConnectionEvent e))
        {
            into.Add(e);
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + Host, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(Host);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }
}
