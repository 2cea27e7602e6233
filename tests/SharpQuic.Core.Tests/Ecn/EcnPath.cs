using System.Net;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Ecn;

/// <summary>What a path does to the ECN field of a datagram, by its index on the link.</summary>
internal delegate EcnCodepoint EcnRewrite(EcnCodepoint sent, long index);

/// <summary>
/// Drives an endpoint the way the runtime does (stateless datagrams first, then the connection's own through
/// <see cref="QuicEndpoint.PollConnectionTransmit"/>, marked with <see cref="QuicConnection.LastTransmitEcn"/>), and lets
/// the path rewrite the ECN field of what arrives.
/// </summary>
internal sealed class EcnNode(EndpointNode inner, Func<QuicConnection?> connection) : ISimulatedNode
{
    private long _received;

    public EcnRewrite? Path { get; set; }

    public void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
    {
        EcnCodepoint arrived = Path is null ? ecn : Path(ecn, _received);
        _received++;
        inner.HandleDatagram(now, remote, local, bytes, arrived);
    }

    public Transmit? PollTransmit(Instant now, Span<byte> buffer)
    {
        int n = inner.Endpoint.PollStatelessTransmit(buffer, out IPEndPoint? to);
        if (n > 0)
        {
            return new Transmit(to!, n);
        }

        // The runtime's call: SendBatch.Commit(core.RemoteAddress, n, core.LastTransmitEcn).
        QuicConnection? c = connection() ?? inner.Endpoint.LastRouted;
        if (c is null)
        {
            return inner.PollTransmit(now, buffer);
        }

        n = inner.Endpoint.PollConnectionTransmit(now, c, buffer);
        return n > 0 ? new Transmit(c.RemoteAddress, n, c.LastTransmitEcn) : null;
    }

    public Instant? NextTimeout() => inner.NextTimeout();

    public void HandleTimeout(Instant now) => inner.HandleTimeout(now);
}

/// <summary>A <see cref="QuicPair"/>'s endpoints on a network of <see cref="EcnNode"/>s.</summary>
internal sealed class EcnPath : IDisposable
{
    public EcnPath(int seed, LinkConditions? conditions = null, ConnectionOptions? options = null)
    {
        Pair = new QuicPair(seed, conditions, options);
        Network = new SimulatedNetwork(seed) { DefaultConditions = Pair.Network.DefaultConditions };
        ServerNode = new EcnNode(Pair.ServerNode, () => Pair.ServerConnection);
        ClientNode = new EcnNode(Pair.ClientNode, () => Pair.Client);
        Network.AddNode("server", QuicPair.ServerAddress, ServerNode);
        Network.AddNode("client", QuicPair.ClientAddress, ClientNode);
    }

    public QuicPair Pair { get; }

    public SimulatedNetwork Network { get; }

    public EcnNode ServerNode { get; }

    public EcnNode ClientNode { get; }

    public QuicConnection Client => Pair.Client!;

    public QuicConnection Server => Pair.ServerConnection!;

    /// <summary>Connects, echoes <paramref name="size"/> bytes and returns the client's stream.</summary>
    public EchoClientStream Echo(int size)
    {
        var server = new EchoServer();
        Pair.ServerApp = now => server.Run(Pair.ServerConnection, now);
        Pair.Connect();
        Assert.True(Network.RunUntil(() => Pair.Client!.IsHandshakeConfirmed && Pair.ServerConnection is { IsHandshakeComplete: true }, Network.Now + TimeSpan.FromSeconds(10)));
        var payload = new byte[size];
        new Random(size).NextBytes(payload);
        Assert.True(Client.TryOpenStream(bidirectional: true, out StreamId id));
        var stream = new EchoClientStream(id, payload);
        var buffer = new byte[65536];
        Pair.ClientApp = now => stream.Pump(Client, now, buffer);
        stream.Pump(Client, Network.Now, buffer);
        Network.RunUntil(() => stream.Done || Client.State != ConnectionState.Open, Network.Now + TimeSpan.FromSeconds(60));
        Assert.True(stream.Done, $"echo done (client {Client.State} {Client.CloseInfo})");
        Assert.Equal(stream.ExpectedHash, stream.ReceivedHash);
        return stream;
    }

    public void Dispose() => Pair.Dispose();
}
