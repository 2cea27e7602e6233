using System.Net;
using SharpQuic.Core.Endpoint;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Simulation;

// Runs alone: one test measures allocations, and a CI run once saw a parallel neighbour's GC pressure in it.
[Collection(SharpQuic.Core.Tests.Connection.MeasurementCollection.Name)]
public sealed class SimulatedNetworkTests
{
    [Fact]
    public void A_fixed_delay_gives_exact_arrival_times()
    {
        var (network, _, receiver, link) = Sim.Pair(new LinkConditions { Delay = TimeSpan.FromMilliseconds(20) }, 10, TimeSpan.FromMilliseconds(5));
        Assert.False(network.RunUntil(() => false, Instant.Infinite));

        Assert.Equal(10, receiver.Arrivals.Count);
        for (int i = 0; i < 10; i++)
        {
            Arrival a = receiver.Arrivals[i];
            Assert.Equal(i, a.Sequence);
            Assert.Equal(Instant.FromMilliseconds(20 + (5 * i)), a.At);
            Assert.Equal(Sim.ClientAddress, a.Remote);
            Assert.Equal(Sim.ServerAddress, a.Local);
        }

        Assert.Equal(Instant.FromMilliseconds(65), network.Now);
        Assert.Equal(10, link.Statistics.DatagramsDelivered);
        Assert.Equal(1_000, link.Statistics.BytesDelivered);
    }

    [Fact]
    public void Step_advances_to_the_next_event_and_reports_idleness()
    {
        var (network, _, receiver, _) = Sim.Pair(new LinkConditions { Delay = TimeSpan.FromMilliseconds(7) }, 2, TimeSpan.FromMilliseconds(3));
        var clock = new List<long>();
        while (network.Step())
        {
            clock.Add(network.Now.Microseconds);
        }

        // Sends at 0 and 3 ms, arrivals at 7 and 10 ms.
        Assert.Equal([3_000, 7_000, 10_000], clock);
        Assert.Equal(2, receiver.Arrivals.Count);
    }

    [Fact]
    public void RunUntil_stops_when_the_predicate_holds_or_at_the_limit()
    {
        var (network, _, receiver, _) = Sim.Pair(new LinkConditions { Delay = TimeSpan.FromMilliseconds(10) }, 100, TimeSpan.FromMilliseconds(1));
        Assert.True(network.RunUntil(() => receiver.Arrivals.Count == 5, Instant.FromMilliseconds(1_000)));
        Assert.Equal(Instant.FromMilliseconds(14), network.Now);

        Assert.False(network.RunUntil(() => false, Instant.FromMilliseconds(50)));
        Assert.Equal(Instant.FromMilliseconds(50), network.Now);
        Assert.Equal(41, receiver.Arrivals.Count);

        network.RunFor(TimeSpan.FromMilliseconds(20));
        Assert.Equal(Instant.FromMilliseconds(70), network.Now);
        Assert.Equal(61, receiver.Arrivals.Count);
    }

    [Fact]
    public void The_drop_filter_drops_chosen_datagrams()
    {
        var (network, _, receiver, link) = Sim.Pair(LinkConditions.Ideal, 10, TimeSpan.FromMilliseconds(1));

        // "Every datagram of the first flight": here, the first three and any whose number is 7.
        link.DropFilter = static (in SimulatedDatagram d) => d.Index < 3 || d.Bytes[7] == 7;
        network.RunUntil(() => false, Instant.Infinite);

        Assert.Equal([3, 4, 5, 6, 8, 9], Sim.Sequences(receiver));
        Assert.Equal(4, link.Statistics.Dropped(DropReason.Filter));
        Assert.Equal(10, link.Statistics.DatagramsSent);
    }

    [Fact]
    public void The_observer_sees_every_delivered_datagram_at_its_arrival_time()
    {
        var (network, _, receiver, link) = Sim.Pair(
            new LinkConditions { Delay = TimeSpan.FromMilliseconds(4), LossProbability = 0.3, DuplicateProbability = 0.2 }, 500, TimeSpan.FromMilliseconds(1));
        int observed = 0;
        long bytes = 0;
        network.Observer = (in SimulatedDatagram d) =>
        {
            observed++;
            bytes += d.Bytes.Length;
            Assert.Equal(d.SentAt + TimeSpan.FromMilliseconds(4), d.Now);
            Assert.Same(link, d.Link);
        };
        network.RunUntil(() => false, Instant.Infinite);

        Assert.Equal(receiver.Arrivals.Count, observed);
        Assert.Equal(link.Statistics.DatagramsDelivered, observed);
        Assert.Equal(link.Statistics.BytesDelivered, bytes);
    }

    [Fact]
    public void A_gso_batch_is_split_into_its_segments()
    {
        var network = new SimulatedNetwork(1);
        var receiver = new ToyNode();
        var batcher = new BatchNode(Sim.ServerAddress, totalLength: 3_000, segmentSize: 1_200);
        network.AddNode("batcher", Sim.ClientAddress, batcher);
        network.AddNode("receiver", Sim.ServerAddress, receiver);
        network.RunUntil(() => false, Instant.Infinite);

        Assert.Equal([1_200, 1_200, 600], receiver.Arrivals.ConvertAll(a => a.Bytes.Length));
        Assert.All(receiver.Arrivals, a => Assert.Equal(EcnCodepoint.Ect0, a.Ecn));
    }

    [Fact]
    public void A_changed_address_is_seen_by_the_peer_and_old_replies_are_unroutable()
    {
        var network = new SimulatedNetwork(5);
        var client = new ToyNode { Destination = Sim.ServerAddress, Count = 40, Interval = TimeSpan.FromMilliseconds(10) };
        var server = new ToyNode { Echo = true };
        SimulatedHost c = network.AddNode("client", Sim.ClientAddress, client);
        SimulatedHost s = network.AddNode("server", Sim.ServerAddress, server);
        network.SetConditions(c, s, new LinkConditions { Delay = TimeSpan.FromMilliseconds(15) });

        network.RunUntil(() => false, Instant.FromMilliseconds(195));
        var rebound = new IPEndPoint(IPAddress.Loopback, 50_001);
        network.ChangeAddress(c, rebound);
        network.RunUntil(() => false, Instant.Infinite);

        // Datagrams 0..19 (sent up to 190 ms) came from the old port; later ones from the new one.
        Assert.All(server.Arrivals, a => Assert.Equal(a.Sequence < 20 ? Sim.ClientAddress : rebound, a.Remote));
        Assert.Equal(40, server.Arrivals.Count);

        // A round trip is 30 ms: echoes of 17 and 18 were in flight to the old port at 195 ms
        // (dropped on arrival), and 19, still from the old port, is echoed there after the change
        // (no route at send time).
        SimulatedLink back = network.GetLink(s, c);
        Assert.Equal(2, back.Statistics.Dropped(DropReason.Unroutable));
        Assert.Equal(1, network.UnroutableDatagrams);
        Assert.Equal(37, client.Arrivals.Count);
        Assert.All(client.Arrivals, a => Assert.Equal(a.Sequence < 17 ? Sim.ClientAddress : rebound, a.Local));
    }

    [Fact]
    public void Conditions_can_change_mid_run()
    {
        var (network, _, receiver, link) = Sim.Pair(new LinkConditions { Delay = TimeSpan.FromMilliseconds(1) }, 20, TimeSpan.FromMilliseconds(10));
        network.RunUntil(() => false, Instant.FromMilliseconds(95));
        link.Conditions = link.Conditions with { LossProbability = 1 };
        network.RunUntil(() => false, Instant.Infinite);

        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), Sim.Sequences(receiver));
        Assert.Equal(10, link.Statistics.Dropped(DropReason.RandomLoss));
    }

    [Fact]
    public void Datagrams_to_nobody_are_counted_as_unroutable()
    {
        var network = new SimulatedNetwork(1);
        network.AddNode("lonely", Sim.ClientAddress, new ToyNode { Destination = Sim.ServerAddress, Count = 3 });
        network.RunUntil(() => false, Instant.Infinite);
        Assert.Equal(3, network.UnroutableDatagrams);
    }

    [Fact]
    public void Non_loopback_addresses_are_refused()
    {
        var network = new SimulatedNetwork(1);
        Assert.Throws<ArgumentException>(() => network.AddNode("real", new IPEndPoint(IPAddress.Parse("192.0.2.1"), 443), new ToyNode()));
    }

    [Fact]
    public void A_node_that_never_stops_sending_is_a_livelock()
    {
        var network = new SimulatedNetwork(1) { MaxActionsPerInstant = 10_000 };
        network.AddNode("runaway", Sim.ClientAddress, new RunawayNode(Sim.ServerAddress));
        network.AddNode("sink", Sim.ServerAddress, new CountingNode());

        var e = Assert.Throws<SimulationLivelockException>(() => network.RunFor(TimeSpan.FromSeconds(1)));
        Assert.Contains("'runaway'", e.Message, StringComparison.Ordinal);
        Assert.Contains("10000", e.Message, StringComparison.Ordinal);
        Assert.Equal(Instant.Zero, network.Now);
    }

    [Fact]
    public void A_timeout_that_never_moves_is_a_livelock()
    {
        var network = new SimulatedNetwork(1) { MaxActionsPerInstant = 1_000 };
        network.AddNode("stuck", Sim.ClientAddress, new StuckTimerNode());
        var e = Assert.Throws<SimulationLivelockException>(() => network.RunFor(TimeSpan.FromSeconds(1)));
        Assert.Contains("'stuck'", e.Message, StringComparison.Ordinal);
        Assert.Equal(Instant.FromMilliseconds(5), network.Now);
    }

    [Fact]
    public void Zero_delay_ping_pong_without_end_is_a_livelock()
    {
        var network = new SimulatedNetwork(1) { MaxActionsPerInstant = 5_000 };
        var a = new ToyNode { Destination = Sim.ServerAddress, Count = 1, Echo = true, RecordBytes = false };
        var b = new ToyNode { Echo = true, RecordBytes = false };
        network.AddNode("a", Sim.ClientAddress, a);
        network.AddNode("b", Sim.ServerAddress, b);
        Assert.Throws<SimulationLivelockException>(() => network.RunFor(TimeSpan.FromSeconds(1)));
        Assert.True(a.Arrivals.Count > 1_000);
    }

    [Fact]
    public void The_simulator_allocates_nothing_per_datagram()
    {
        static long Run(int count)
        {
            var network = new SimulatedNetwork(1);
            var sender = new ToyNode { Destination = Sim.ServerAddress, Count = count, Interval = TimeSpan.FromMicroseconds(100), SizeOf = static _ => 1_200 };
            var sink = new CountingNode();
            SimulatedHost a = network.AddNode("sender", Sim.ClientAddress, sender);
            SimulatedHost b = network.AddNode("sink", Sim.ServerAddress, sink);
            network.GetLink(a, b).Conditions = new LinkConditions
            {
                Delay = TimeSpan.FromMilliseconds(30),
                Jitter = TimeSpan.FromMilliseconds(1),
                LossProbability = 0.01,
                BandwidthBitsPerSecond = 1_000_000_000,
            };

            long before = GC.GetAllocatedBytesForCurrentThread();
            network.RunUntil(() => false, Instant.Infinite);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(sink.Received > count * 0.95);
            return allocated;
        }

        Run(2_000);
        long small = Run(2_000);
        long large = Run(50_000);

        // Growth of the event queue is amortized; 48,000 more datagrams (57 MB) cost well under a byte each.
        Assert.True(large - small < 48_000, $"allocated {small} B for 2,000 datagrams and {large} B for 50,000");
    }

    private sealed class BatchNode(IPEndPoint destination, int totalLength, int segmentSize) : ISimulatedNode
    {
        private bool _sent;

        public void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
        {
        }

        public Transmit? PollTransmit(Instant now, Span<byte> buffer)
        {
            if (_sent)
            {
                return null;
            }

            _sent = true;
            buffer[..totalLength].Fill(1);
            return new Transmit(destination, totalLength, EcnCodepoint.Ect0, segmentSize);
        }

        public Instant? NextTimeout() => null;

        public void HandleTimeout(Instant now)
        {
        }
    }
}
