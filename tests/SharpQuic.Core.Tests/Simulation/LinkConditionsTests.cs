using System.Numerics;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Simulation;

public sealed class LinkConditionsTests
{
    [Fact]
    public void Random_loss_stays_within_binomial_bounds()
    {
        const int N = 10_000;
        var (network, _, receiver, link) = Sim.Pair(new LinkConditions { LossProbability = 0.1 }, N, TimeSpan.FromMilliseconds(1));
        network.RunUntil(() => false, Instant.Infinite);

        // Mean 9,000, standard deviation 30: five deviations either side.
        Assert.InRange(receiver.Arrivals.Count, 9_000 - 150, 9_000 + 150);
        Assert.Equal(N, link.Statistics.DatagramsSent);
        Assert.Equal(N - receiver.Arrivals.Count, link.Statistics.Dropped(DropReason.RandomLoss));
        Assert.Equal(link.Statistics.DroppedTotal, link.Statistics.Dropped(DropReason.RandomLoss));
        Assert.Equal(receiver.Arrivals.Count, link.Statistics.DatagramsDelivered);
    }

    [Fact]
    public void The_same_seed_gives_the_same_run_and_another_seed_another()
    {
        var conditions = new LinkConditions { LossProbability = 0.2, Delay = TimeSpan.FromMilliseconds(5), Jitter = TimeSpan.FromMilliseconds(3) };
        List<Arrival> Run(int seed)
        {
            var (network, _, receiver, _) = Sim.Pair(conditions, 2_000, TimeSpan.FromMilliseconds(1), seed);
            network.RunUntil(() => false, Instant.Infinite);
            return receiver.Arrivals;
        }

        List<Arrival> first = Run(7), again = Run(7), other = Run(8);
        Assert.Equal(Times(first), Times(again));
        Assert.Equal(Seqs(first), Seqs(again));
        Assert.NotEqual(Seqs(first), Seqs(other));

        static long[] Times(List<Arrival> a) => a.ConvertAll(x => x.At.Microseconds).ToArray();
        static long[] Seqs(List<Arrival> a) => a.ConvertAll(x => x.Sequence).ToArray();
    }

    [Fact]
    public void Burst_loss_drops_runs_of_datagrams()
    {
        const int N = 20_000;

        // Gilbert–Elliott with mean burst length 1 / 0.25 = 4 and a stationary loss rate of
        // 0.02 / (0.02 + 0.25) ≈ 7.4 %; compared with independent loss at the same rate.
        var burst = Sim.Pair(new LinkConditions { BurstLoss = new GilbertElliottLoss(0.02, 0.25) }, N, TimeSpan.FromMilliseconds(1), seed: 3);
        burst.Network.RunUntil(() => false, Instant.Infinite);
        var independent = Sim.Pair(new LinkConditions { LossProbability = 0.074 }, N, TimeSpan.FromMilliseconds(1), seed: 3);
        independent.Network.RunUntil(() => false, Instant.Infinite);

        double burstRun = MeanLossRun(burst.Receiver, N);
        double independentRun = MeanLossRun(independent.Receiver, N);
        Assert.InRange(burst.Link.Statistics.Dropped(DropReason.BurstLoss), N * 0.05, N * 0.10);
        Assert.InRange(burstRun, 3.0, 5.0);
        Assert.True(independentRun < 1.3, $"independent losses ran {independentRun} long on average");
    }

    [Fact]
    public void Jitter_without_reordering_keeps_order()
    {
        var (network, _, receiver, link) = Sim.Pair(
            new LinkConditions { Delay = TimeSpan.FromMilliseconds(20), Jitter = TimeSpan.FromMilliseconds(30) }, 2_000, TimeSpan.FromMilliseconds(1));
        network.RunUntil(() => false, Instant.Infinite);

        long[] seqs = Sim.Sequences(receiver);
        Assert.Equal(2_000, seqs.Length);
        for (int i = 0; i < seqs.Length; i++)
        {
            Assert.Equal(i, seqs[i]);
        }

        // Jitter did act: arrival times are not all the fixed 20 ms after sending.
        int late = 0;
        foreach (Arrival a in receiver.Arrivals)
        {
            late += a.At.Microseconds - (a.Sequence * 1_000) > 20_000 ? 1 : 0;
        }

        Assert.True(late > 1_000);
        Assert.Equal(0, link.Statistics.Reordered);
    }

    [Fact]
    public void Reordering_happens_only_when_enabled()
    {
        var (network, _, receiver, link) = Sim.Pair(
            new LinkConditions { Delay = TimeSpan.FromMilliseconds(20), ReorderProbability = 0.1, ReorderDelay = TimeSpan.FromMilliseconds(5) },
            2_000, TimeSpan.FromMilliseconds(1));
        network.RunUntil(() => false, Instant.Infinite);

        long[] seqs = Sim.Sequences(receiver);
        int inversions = 0;
        for (int i = 1; i < seqs.Length; i++)
        {
            inversions += seqs[i] < seqs[i - 1] ? 1 : 0;
        }

        Assert.Equal(2_000, seqs.Length);
        Assert.InRange(link.Statistics.Reordered, 120, 280);
        Assert.True(inversions > 100, $"only {inversions} inversions");
    }

    [Fact]
    public void Duplication_delivers_extra_copies()
    {
        const int N = 4_000;
        var (network, _, receiver, link) = Sim.Pair(new LinkConditions { DuplicateProbability = 0.25, Delay = TimeSpan.FromMilliseconds(3) }, N, TimeSpan.FromMilliseconds(1));
        network.RunUntil(() => false, Instant.Infinite);

        Assert.Equal(N + link.Statistics.Duplicated, receiver.Arrivals.Count);
        Assert.InRange(link.Statistics.Duplicated, 850, 1_150);
        var seen = new int[N];
        foreach (Arrival a in receiver.Arrivals)
        {
            seen[a.Sequence]++;
        }

        Assert.All(seen, n => Assert.InRange(n, 1, 2));
        Assert.Equal(N, link.Statistics.DatagramsSent);
    }

    [Fact]
    public void Corruption_flips_one_to_three_bits()
    {
        var (network, sender, receiver, link) = Sim.Pair(new LinkConditions { CorruptProbability = 1 }, 600, TimeSpan.FromMilliseconds(1));
        sender.Numbered = false;
        network.RunUntil(() => false, Instant.Infinite);

        var flipsSeen = new int[4];
        foreach (Arrival a in receiver.Arrivals)
        {
            int flips = Flips(a.Bytes);
            Assert.InRange(flips, 1, 3);
            flipsSeen[flips]++;
        }

        Assert.Equal(600, link.Statistics.Corrupted);
        Assert.True(flipsSeen[1] > 100 && flipsSeen[2] > 100 && flipsSeen[3] > 100);

        var clean = Sim.Pair(LinkConditions.Ideal, 100, TimeSpan.FromMilliseconds(1));
        clean.Sender.Numbered = false;
        clean.Network.RunUntil(() => false, Instant.Infinite);
        Assert.All(clean.Receiver.Arrivals, a => Assert.Equal(0, Flips(a.Bytes)));
    }

    [Fact]
    public void Datagrams_larger_than_the_mtu_are_dropped_and_counted()
    {
        var (network, _, receiver, link) = Sim.Pair(new LinkConditions { Mtu = 1_200 }, 100, TimeSpan.FromMilliseconds(1), sizeOf: i => i % 2 == 0 ? 1_200 : 1_201);
        network.RunUntil(() => false, Instant.Infinite);

        Assert.Equal(50, receiver.Arrivals.Count);
        Assert.All(receiver.Arrivals, a => Assert.Equal(1_200, a.Bytes.Length));
        Assert.Equal(50, link.Statistics.Dropped(DropReason.Mtu));
    }

    [Fact]
    public void Bandwidth_serializes_a_burst_over_the_link_rate()
    {
        // 1,000 × 1,200 bytes = 9.6 Mbit over 10 Mbit/s: 960 µs each, 0.96 s in all.
        var (network, sender, receiver, link) = Sim.Pair(
            new LinkConditions { BandwidthBitsPerSecond = 10_000_000, QueueLimitBytes = 2_000_000, Delay = TimeSpan.FromMilliseconds(10) },
            1_000, TimeSpan.Zero, sizeOf: _ => 1_200);
        network.RunUntil(() => false, Instant.Infinite);

        Assert.Equal(1_000, sender.Sent);
        Assert.Equal(1_000, receiver.Arrivals.Count);
        for (int i = 0; i < 1_000; i++)
        {
            Assert.Equal(10_000 + ((i + 1) * 960L), receiver.Arrivals[i].At.Microseconds);
        }

        Assert.Equal(0, link.Statistics.DroppedTotal);
    }

    [Fact]
    public void A_full_bottleneck_queue_tail_drops()
    {
        var (network, _, receiver, link) = Sim.Pair(
            new LinkConditions { BandwidthBitsPerSecond = 10_000_000, QueueLimitBytes = 12_000 }, 1_000, TimeSpan.Zero, sizeOf: _ => 1_200);
        network.RunUntil(() => false, Instant.Infinite);

        Assert.Equal(10, receiver.Arrivals.Count);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), Sim.Sequences(receiver));
        Assert.Equal(990, link.Statistics.Dropped(DropReason.QueueFull));
    }

    [Fact]
    public void A_sender_paced_at_the_link_rate_fills_no_queue()
    {
        // One 1,200-byte datagram per 960 µs matches 10 Mbit/s exactly: a 1,200-byte queue suffices.
        var (network, _, receiver, link) = Sim.Pair(
            new LinkConditions { BandwidthBitsPerSecond = 10_000_000, QueueLimitBytes = 1_200 }, 500, TimeSpan.FromMicroseconds(960), sizeOf: _ => 1_200);
        network.RunUntil(() => false, Instant.Infinite);

        Assert.Equal(500, receiver.Arrivals.Count);
        Assert.Equal(0, link.Statistics.DroppedTotal);
    }

    [Fact]
    public void Invalid_conditions_are_refused()
    {
        var (_, _, _, link) = Sim.Pair(LinkConditions.Ideal, 1, TimeSpan.Zero);
        Assert.Throws<ArgumentException>(() => link.Conditions = new LinkConditions { LossProbability = 1.5 });
        Assert.Throws<ArgumentException>(() => link.Conditions = new LinkConditions { LossProbability = double.NaN });
        Assert.Throws<ArgumentException>(() => link.Conditions = new LinkConditions { Mtu = 0 });
        Assert.Throws<ArgumentException>(() => link.Conditions = new LinkConditions { BurstLoss = new GilbertElliottLoss(-0.1, 0.5) });
    }

    private static int Flips(byte[] bytes)
    {
        int flips = 0;
        foreach (byte b in bytes)
        {
            flips += BitOperations.PopCount((uint)(b ^ 0x5a));
        }

        return flips;
    }

    private static double MeanLossRun(ToyNode receiver, int sent)
    {
        var got = new bool[sent];
        foreach (Arrival a in receiver.Arrivals)
        {
            got[a.Sequence] = true;
        }

        int runs = 0, lost = 0;
        for (int i = 0; i < sent; i++)
        {
            if (!got[i])
            {
                lost++;
                runs += i == 0 || got[i - 1] ? 1 : 0;
            }
        }

        return runs == 0 ? 0 : (double)lost / runs;
    }
}
