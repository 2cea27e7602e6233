using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Cryptography;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.ZeroRtt;

/// <summary>
/// A client and a server endpoint on a simulated network where the server issues session tickets sealed by a
/// <see cref="ServerResumption"/> that outlives the pair (so a ticket from one pair resumes in another, e.g. against
/// a server whose limits changed). The server application reads every stream to its end and records, per stream,
/// the bytes and whether its handshake had completed when the first bytes arrived.
/// </summary>
internal sealed class ZeroRttPair : IDisposable
{
    private readonly bool _deferred;

    public static readonly IPEndPoint ClientAddress = new(IPAddress.Loopback, 50000);
    public static readonly IPEndPoint ServerAddress = new(IPAddress.Loopback, 443);

    public ZeroRttPair(
        int seed,
        ServerResumption protector,
        DateTimeOffset wallClock,
        bool acceptEarlyData = true,
        bool deferServerOptions = false,
        ConnectionOptions? serverOptions = null,
        LinkConditions? conditions = null)
    {
        Network = new SimulatedNetwork(seed) { DefaultConditions = conditions ?? new LinkConditions { Delay = TimeSpan.FromMilliseconds(10), Mtu = 1200 } };
        ServerTls = new ServerTlsSettings
        {
            ServerAuthentication = new SslServerAuthenticationOptions { ServerCertificate = QuicPair.Certificate },
            ApplicationProtocols = [new SslApplicationProtocol("sq")],
            RandomSource = new DeterministicRandomSource(seed + 100),
            Resumption = protector,
            EnableEarlyData = acceptEarlyData,
        };
        ServerEndpoint = new QuicEndpoint(
            new EndpointOptions
            {
                AcceptConnections = true,
                ServerOptions = deferServerOptions ? null : ServerTls,
                Connection = serverOptions ?? new ConnectionOptions(),
                Random = new DeterministicRandomSource(seed + 200),
                WallClockOrigin = wallClock,
            },
            Instant.Zero);
        ClientEndpoint = new QuicEndpoint(
            new EndpointOptions { Connection = new ConnectionOptions(), Random = new DeterministicRandomSource(seed + 400), WallClockOrigin = wallClock },
            Instant.Zero);
        var serverNode = new EndpointNode(ServerEndpoint);
        var clientNode = new EndpointNode(ClientEndpoint);
        ServerHost = Network.AddNode("server", ServerAddress, serverNode);
        ClientHost = Network.AddNode("client", ClientAddress, clientNode);
        WallClock = wallClock;
        Seed = seed;
        _deferred = deferServerOptions;
        serverNode.Application = ServerApp;
    }

    public SimulatedNetwork Network { get; }

    public QuicEndpoint ServerEndpoint { get; }

    public QuicEndpoint ClientEndpoint { get; }

    public SimulatedHost ServerHost { get; }

    public SimulatedHost ClientHost { get; }

    public ServerTlsSettings ServerTls { get; }

    public DateTimeOffset WallClock { get; }

    public int Seed { get; }

    /// <summary>Server connections in accept order.</summary>
    public List<QuicConnection> ServerConnections { get; } = [];

    /// <summary>Bytes received per (server connection, stream).</summary>
    public Dictionary<(QuicConnection, ulong), List<byte>> Received { get; } = [];

    /// <summary>Streams whose first bytes arrived before the server's handshake completed.</summary>
    public HashSet<(QuicConnection, ulong)> ReceivedEarly { get; } = [];

    /// <summary>Streams read to their FIN.</summary>
    public HashSet<(QuicConnection, ulong)> Finished { get; } = [];

    /// <summary>The wall clock now: the origin plus the virtual time (for a next pair to start later).</summary>
    public DateTimeOffset WallNow => WallClock + (Network.Now - Instant.Zero);

    public ClientTlsSettings ClientTls(byte[]? ticket = null, bool earlyData = false) => new()
    {
        ServerName = QuicPair.Host,
        ApplicationProtocols = [new SslApplicationProtocol("sq")],
        PinnedCertificateHashes = [SHA256.HashData(QuicPair.Certificate.RawData)],
        RandomSource = new DeterministicRandomSource(Seed + 500 + ServerConnections.Count),
        ReceiveTickets = true,
        ResumptionTicket = ticket,
        EnableEarlyData = earlyData,
    };

    public QuicConnection Connect(ClientTlsSettings tls) => ClientEndpoint.Connect(Network.Now, ServerAddress, tls);

    /// <summary>A full handshake that yields a ticket (serialized, as an application would store it).</summary>
    public byte[] FirstTicket()
    {
        QuicConnection client = Connect(ClientTls());
        Assert.True(Network.RunUntil(() => client.ResumptionTicket is not null, Network.Now + TimeSpan.FromSeconds(5)));
        Assert.False(client.IsResumed);
        Assert.Null(client.EarlyDataAccepted);
        return client.ResumptionTicket!;
    }

    public bool RunUntilFinished(QuicConnection client, int streams, TimeSpan limit)
        => Network.RunUntil(() => client.IsHandshakeConfirmed && Finished.Count >= streams, Network.Now + limit);

    public void Dispose()
    {
        ServerEndpoint.Dispose();
        ClientEndpoint.Dispose();
    }

    private void ServerApp(Instant now)
    {
        while (ServerEndpoint.TryAcceptConnection(out QuicConnection c))
        {
            ServerConnections.Add(c);
        }

        foreach (QuicConnection c in ServerEndpoint.Connections)
        {
            if (!ServerConnections.Contains(c))
            {
                ServerConnections.Add(c);
            }

            while (c.PollEvent(out ConnectionEvent e))
            {
                if (e.Kind == ConnectionEventKind.ClientHelloReceived && _deferred)
                {
                    c.SetServerOptions(ServerTls, now);
                }
                else if (e.Kind is ConnectionEventKind.StreamOpened or ConnectionEventKind.StreamReadable)
                {
                    Drain(c, e.StreamId, now);
                }
            }
        }
    }

    private void Drain(QuicConnection c, StreamId id, Instant now)
    {
        var key = (c, id.Value);
        Span<byte> buffer = stackalloc byte[4096];
        while (true)
        {
            StreamReadResult r = c.Read(id, buffer, now);
            if (r.BytesRead > 0)
            {
                if (!Received.TryGetValue(key, out List<byte>? list))
                {
                    Received[key] = list = [];
                    if (!c.IsHandshakeComplete)
                    {
                        ReceivedEarly.Add(key);
                    }
                }

                list.AddRange(buffer[..r.BytesRead].ToArray());
            }

            if (r.Status == StreamReadStatus.Finished)
            {
                Finished.Add(key);
                return;
            }

            if (r.BytesRead == 0)
            {
                return;
            }
        }
    }
}
