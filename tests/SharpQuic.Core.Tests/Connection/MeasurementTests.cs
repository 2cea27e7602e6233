using SharpQuic.Core.Connection;
using SharpQuic.Core.Streams;
using SharpQuic.Simulation;
using Xunit.Abstractions;

namespace SharpQuic.Core.Tests.Connection;

/// <summary>
/// The numbers issue 4 asks for. Reproduce with
/// <c>dotnet test tests/SharpQuic.Core.Tests -c Release --filter "FullyQualifiedName~Connection.MeasurementTests" --logger "console;verbosity=detailed"</c>.
/// Runs alone: GC.GetTotalMemory is process-wide, so other test classes allocating in parallel
/// would be counted as this connection's memory.
/// </summary>
[Collection(MeasurementCollection.Name)]
public sealed class MeasurementTests(ITestOutputHelper output)
{
    [Fact]
    public void SteadyStateTransfer_AllocatesNothingPerPacket()
    {
        using var pair = new QuicPair(91, new LinkConditions { Delay = TimeSpan.FromMilliseconds(10), Mtu = 1200, LossProbability = 0.01, ReorderProbability = 0.01 });
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        QuicConnection client = pair.Client!;
        QuicConnection server = pair.ServerConnection!;
        Assert.True(client.TryOpenStream(true, out StreamId id));
        var chunk = new byte[16384];
        var sink = new byte[65536];
        long received = 0;
        pair.ClientApp = now =>
        {
            while (client.PollEvent(out _))
            {
            }

            while (client.Write(id, chunk) > 0)
            {
            }
        };
        pair.ServerApp = now =>
        {
            while (server.PollEvent(out _))
            {
            }

            StreamReadResult r;
            while ((r = server.Read(id, sink, now)).BytesRead > 0)
            {
                received += r.BytesRead;
            }
        };
        pair.ClientApp(pair.Network.Now);

        // Warm up: windows, pools and scratch arrays reach their steady size.
        Assert.True(pair.Network.RunUntil(() => received > 64L << 20, pair.Network.Now + TimeSpan.FromHours(1)));
        long packetsBefore = pair.ClientNode.DatagramsSent + pair.ServerNode.DatagramsSent;
        long receivedBefore = received;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.True(pair.Network.RunUntil(() => received > receivedBefore + (64L << 20), pair.Network.Now + TimeSpan.FromHours(1)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long packets = pair.ClientNode.DatagramsSent + pair.ServerNode.DatagramsSent - packetsBefore;
        double perPacket = (double)allocated / packets;
        output.WriteLine($"steady state: {allocated} bytes allocated over {packets} datagrams sent and received ({perPacket:F3} B/packet)");
        Assert.True(perPacket < 1.0, $"{perPacket:F3} bytes per packet");
    }

    [Fact]
    public void ConnectionMemoryAfterHandshake_Reported()
    {
        const int Connections = 50;
        var pairs = new List<QuicPair>();
        long before = GC.GetTotalMemory(true);
        for (int i = 0; i < Connections; i++)
        {
            var pair = new QuicPair(200 + i, new LinkConditions { Delay = TimeSpan.FromMilliseconds(5), Mtu = 1200 });
            Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
            pair.Network.RunFor(TimeSpan.FromSeconds(1));
            pairs.Add(pair);
        }

        long withPairs = GC.GetTotalMemory(true);

        // Subtract what is not a connection (endpoints, networks, nodes): release the servers, then the clients.
        foreach (QuicPair p in pairs)
        {
            p.ReleaseServerConnection();
        }

        long withClients = GC.GetTotalMemory(true);
        foreach (QuicPair p in pairs)
        {
            p.ReleaseConnections();
        }

        long withoutConnections = GC.GetTotalMemory(true);
        double server = (double)(withPairs - withClients) / Connections;
        double client = (double)(withClients - withoutConnections) / Connections;
        output.WriteLine($"per connection after the handshake: server {server / 1024:F1} KiB, client {client / 1024:F1} KiB (stream buffers included: none open); harness {(withoutConnections - before) / Connections / 1024.0:F1} KiB per pair");
        Assert.True(server > 0 && client > 0);

        // Both sides let their TLS engines go once the handshake is confirmed.
        Assert.True(client < 16 * 1024, $"client {client / 1024:F1} KiB");
        Assert.True(server < 16 * 1024, $"server {server / 1024:F1} KiB");
        GC.KeepAlive(pairs);
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeasurementCollection
{
    public const string Name = "Connection measurements (run alone)";
}
