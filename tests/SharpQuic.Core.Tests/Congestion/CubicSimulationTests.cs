using SharpQuic.Core.Congestion;
using SharpQuic.Core.Recovery;
using Xunit.Abstractions;

namespace SharpQuic.Core.Tests.Congestion;

/// <summary>
/// CUBIC on a modelled 100 Mbit/s, 50 ms RTT bottleneck with a drop-tail queue of one BDP
/// (<see cref="BottleneckSim"/>), 60 simulated seconds. The end-to-end versions, through the
/// Connection and the SimulatedNetwork, are in Simulation/ConnectionCongestionTests.
/// </summary>
public sealed class CubicSimulationTests(ITestOutputHelper output)
{
    private const double LinkBps = 100e6;
    private const int Mds = 1200;
    private static readonly TimeSpan Rtt = TimeSpan.FromMilliseconds(50);
    private static readonly long Bdp = (long)(LinkBps / 8 * Rtt.TotalSeconds);
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.00001)]
    public void One_flow_fills_a_drop_tail_bottleneck(double randomLoss)
    {
        var sim = new BottleneckSim(LinkBps, Rtt, queueLimitBytes: Bdp, randomLoss: randomLoss, seed: 11);
        BottleneckSim.Flow flow = sim.AddFlow(new Cubic(Mds), paced: true);
        sim.RunFor(Duration);

        double utilisation = sim.DeliveredBytes / (LinkBps / 8 * Duration.TotalSeconds);
        output.WriteLine($"random loss {randomLoss:P3}: utilisation {utilisation:P1}, queue drops {sim.DroppedByQueue}, random drops {sim.DroppedAtRandom}, cwnd {flow.Cc.CongestionWindow / Mds} packets");
        Assert.True(sim.DroppedByQueue > 0, "the queue never overflowed: the test did not probe the link");
        Assert.True(utilisation > 0.70, $"utilisation {utilisation:P1}");
    }

    [Fact]
    public void One_flow_with_random_loss_matches_the_cubic_response_function()
    {
        const double loss = 0.001;
        var sim = new BottleneckSim(LinkBps, Rtt, queueLimitBytes: Bdp, randomLoss: loss, seed: 7);
        BottleneckSim.Flow flow = sim.AddFlow(new Cubic(Mds), paced: true);
        sim.RunFor(Duration);

        double utilisation = sim.DeliveredBytes / (LinkBps / 8 * Duration.TotalSeconds);
        double packetsPerRtt = sim.DeliveredBytes / Mds / (Duration.TotalSeconds / Rtt.TotalSeconds);

        // RFC 9438 §5.1-§5.2: the average window under random loss p is the larger of CUBIC's
        // (C(3+β)/(4(1−β)))^¼ · RTT^¾ / p^¾ and the Reno-friendly AIMD(α, β) one,
        // √(α(1+β)/(2(1−β)p)) = √(3/(2p)) segments. At 100 Mbit/s, 50 ms and p = 0.1 % both are
        // far below the BDP (520 packets): no loss-based controller fills this link.
        double cubicWindow = Math.Pow(Cubic.CubicC * (3 + Cubic.BetaCubic) / (4 * (1 - Cubic.BetaCubic)), 0.25) * Math.Pow(Rtt.TotalSeconds, 0.75) / Math.Pow(loss, 0.75);
        double renoFriendly = Math.Sqrt(Cubic.AlphaCubic * (1 + Cubic.BetaCubic) / (2 * (1 - Cubic.BetaCubic) * loss));
        double model = Math.Max(cubicWindow, renoFriendly);
        output.WriteLine($"0.1 % random loss: utilisation {utilisation:P1}, {packetsPerRtt:F0} packets per RTT (model {model:F0}, BDP {Bdp / Mds}), random drops {sim.DroppedAtRandom}, queue drops {sim.DroppedByQueue}");

        // About p · 57 000 packets sent.
        Assert.True(sim.DroppedAtRandom > 30);
        Assert.InRange(packetsPerRtt, 0.8 * model, 1.6 * model);
    }

    [Fact]
    public void Two_flows_share_the_bottleneck_fairly()
    {
        var sim = new BottleneckSim(LinkBps, Rtt, queueLimitBytes: Bdp, seed: 3);
        BottleneckSim.Flow first = sim.AddFlow(new Cubic(Mds), paced: true);
        BottleneckSim.Flow second = sim.AddFlow(new Cubic(Mds), paced: true, start: Instant.FromMilliseconds(5_000));

        // Convergence, then measure over the last half.
        sim.RunFor(TimeSpan.FromSeconds(30));
        long firstBefore = first.DeliveredBytes;
        long secondBefore = second.DeliveredBytes;
        long totalBefore = sim.DeliveredBytes;
        sim.RunFor(TimeSpan.FromSeconds(30));

        double x1 = first.DeliveredBytes - firstBefore;
        double x2 = second.DeliveredBytes - secondBefore;
        double jain = (x1 + x2) * (x1 + x2) / (2 * ((x1 * x1) + (x2 * x2)));
        double utilisation = (sim.DeliveredBytes - totalBefore) / (LinkBps / 8 * 30);
        output.WriteLine($"two flows: Jain {jain:F3}, shares {x1 / (x1 + x2):P1} / {x2 / (x1 + x2):P1}, utilisation {utilisation:P1}");

        Assert.True(jain > 0.9, $"Jain's index {jain:F3}");
        Assert.True(utilisation > 0.70, $"utilisation {utilisation:P1}");
    }

    [Fact]
    public void NewReno_under_the_same_random_loss_does_no_better_than_cubic()
    {
        // A sanity reference for the response-function test: Reno's 1.22/√p segments per RTT.
        var renoSim = new BottleneckSim(LinkBps, Rtt, queueLimitBytes: Bdp, randomLoss: 0.001, seed: 7);
        renoSim.AddFlow(new NewReno(Mds), paced: true);
        renoSim.RunFor(Duration);
        var cubicSim = new BottleneckSim(LinkBps, Rtt, queueLimitBytes: Bdp, randomLoss: 0.001, seed: 7);
        cubicSim.AddFlow(new Cubic(Mds), paced: true);
        cubicSim.RunFor(Duration);

        output.WriteLine($"NewReno {renoSim.DeliveredBytes * 8 / Duration.TotalSeconds / 1e6:F1} Mbit/s, CUBIC {cubicSim.DeliveredBytes * 8 / Duration.TotalSeconds / 1e6:F1} Mbit/s");
        Assert.True(cubicSim.DeliveredBytes > renoSim.DeliveredBytes);
    }
}
