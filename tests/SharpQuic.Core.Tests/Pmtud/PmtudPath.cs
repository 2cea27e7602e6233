using System.Net;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Pmtud;

/// <summary>One datagram as the runtime would see it: its size, the probe flag, and the size in force before the poll.</summary>
internal readonly record struct SentDatagram(Instant At, int Length, bool IsProbe, int MaxSizeBefore);

/// <summary>
/// Drives an endpoint the runtime's way (stateless datagrams first, then the connection's through
/// <see cref="QuicEndpoint.PollConnectionTransmit"/>) and records, per datagram, what the runtime reads to keep probes
/// out of GSO batches (<see cref="QuicConnection.LastTransmitIsProbe"/>).
/// </summary>
internal sealed class PmtudNode(EndpointNode inner, Func<QuicConnection?> connection) : ISimulatedNode
{
    public List<SentDatagram> Sent { get; } = [];

    public void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
        => inner.HandleDatagram(now, remote, local, bytes, ecn);

    public Transmit? PollTransmit(Instant now, Span<byte> buffer)
    {
        int n = inner.Endpoint.PollStatelessTransmit(buffer, out IPEndPoint? to);
        if (n > 0)
        {
            return new Transmit(to!, n);
        }

        QuicConnection? c = connection() ?? inner.Endpoint.LastRouted;
        if (c is null)
        {
            return inner.PollTransmit(now, buffer);
        }

        int before = c.MaxSendDatagramSize;
        n = inner.Endpoint.PollConnectionTransmit(now, c, buffer);
        if (n == 0)
        {
            return null;
        }

        Sent.Add(new SentDatagram(now, n, c.LastTransmitIsProbe, before));
        return new Transmit(c.RemoteAddress, n, c.LastTransmitEcn);
    }

    public Instant? NextTimeout() => inner.NextTimeout();

    public void HandleTimeout(Instant now) => inner.HandleTimeout(now);
}

/// <summary>A <see cref="QuicPair"/> on <see cref="PmtudNode"/>s whose links carry at most a given IP MTU.</summary>
internal sealed class PmtudPath : IDisposable
{
    /// <summary>IPv4 (20) and UDP (8) headers: the simulated hosts are on 127.0.0.1.</summary>
    public const int Ipv4UdpOverhead = 28;

    public PmtudPath(int seed, int ipMtu, ConnectionOptions options, TimeSpan? oneWayDelay = null)
    {
        Conditions = new LinkConditions { Delay = oneWayDelay ?? TimeSpan.FromMilliseconds(10), Mtu = PayloadLimit(ipMtu) };
        Pair = new QuicPair(seed, Conditions, options);
        Network = new SimulatedNetwork(seed) { DefaultConditions = Conditions };
        ServerNode = new PmtudNode(Pair.ServerNode, () => Pair.ServerConnection);
        ClientNode = new PmtudNode(Pair.ClientNode, () => Pair.Client);
        ServerHost = Network.AddNode("server", QuicPair.ServerAddress, ServerNode);
        ClientHost = Network.AddNode("client", QuicPair.ClientAddress, ClientNode);
    }

    public LinkConditions Conditions { get; }

    public QuicPair Pair { get; }

    public SimulatedNetwork Network { get; }

    public PmtudNode ServerNode { get; }

    public PmtudNode ClientNode { get; }

    public SimulatedHost ServerHost { get; }

    public SimulatedHost ClientHost { get; }

    public QuicConnection Client => Pair.Client!;

    public QuicConnection Server => Pair.ServerConnection!;

    /// <summary>The largest UDP payload a path of <paramref name="ipMtu"/> carries.</summary>
    public static int PayloadLimit(int ipMtu) => ipMtu - Ipv4UdpOverhead;

    /// <summary>Changes the MTU of both directions (a route change under the connection).</summary>
    public void SetMtu(int ipMtu) => Network.SetConditions(ServerHost, ClientHost, Conditions with { Mtu = PayloadLimit(ipMtu) });

    public void Handshake()
    {
        Pair.Connect();
        Assert.True(Network.RunUntil(() => Client.IsHandshakeConfirmed && Pair.ServerConnection is { IsHandshakeConfirmed: true }, Network.Now + TimeSpan.FromSeconds(10)));
    }

    /// <summary>Runs until both sides' searches completed (or the limit passed).</summary>
    public bool RunUntilConverged(TimeSpan limit) => Network.RunUntil(
        () => Client.PathMtu is { State: PathMtuState.SearchComplete } && Server.PathMtu is { State: PathMtuState.SearchComplete },
        Network.Now + limit);

    /// <summary>Opens a stream that echoes <paramref name="size"/> bytes through the server; the network is not run.</summary>
    public EchoClientStream StartEcho(int size)
    {
        var server = new EchoServer();
        Pair.ServerApp = now => server.Run(Pair.ServerConnection, now);
        var payload = new byte[size];
        new Random(size).NextBytes(payload);
        Assert.True(Client.TryOpenStream(bidirectional: true, out StreamId id));
        var stream = new EchoClientStream(id, payload);
        var buffer = new byte[65536];
        Pair.ClientApp = now => stream.Pump(Client, now, buffer);
        stream.Pump(Client, Network.Now, buffer);
        Pair.ClientEndpoint.HandleTimeout(Network.Now);
        return stream;
    }

    public void Dispose() => Pair.Dispose();
}
