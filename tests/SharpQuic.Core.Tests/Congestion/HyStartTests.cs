using SharpQuic.Core.Congestion;
using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Tests.Congestion;

/// <summary>
/// RFC 9406 inside <see cref="Cubic"/>, on an ACK clock: a fast, unqueued link whose propagation
/// RTT the test changes between rounds, with pacing so acknowledgments are spread over the RTT.
/// </summary>
public sealed class HyStartTests
{
    private const int Mds = 1200;

    [Fact]
    public void Flat_rtt_never_leaves_slow_start()
    {
        (BottleneckSim sim, Cubic cc, _) = Start(50);
        sim.RunFor(TimeSpan.FromMilliseconds(50 * 9));
        Assert.Equal(SlowStartPhase.SlowStart, cc.SlowStartPhase);
        Assert.True(cc.InSlowStart);
        Assert.True(cc.CongestionWindow >= 64 * 10 * Mds, $"{cc.CongestionWindow / Mds} packets");
    }

    [Fact]
    public void A_rise_above_the_threshold_enters_conservative_slow_start_then_congestion_avoidance()
    {
        (BottleneckSim sim, Cubic cc, _) = Start(50);
        sim.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Equal(SlowStartPhase.SlowStart, cc.SlowStartPhase);

        // Threshold: clamp(50/8, 4, 16) = 6.25 ms; +10 ms is a queue building.
        sim.PropagationRtt = TimeSpan.FromMilliseconds(60);
        RunUntilPhase(sim, cc, SlowStartPhase.ConservativeSlowStart, TimeSpan.FromMilliseconds(200));
        Assert.True(cc.InSlowStart);

        // CSS grows by a quarter of the bytes acknowledged: about ×1.25 per round, not ×2.
        long atEntry = cc.CongestionWindow;
        sim.RunFor(TimeSpan.FromMilliseconds(60));
        Assert.Equal(SlowStartPhase.ConservativeSlowStart, cc.SlowStartPhase);
        double growth = (double)cc.CongestionWindow / atEntry;
        Assert.InRange(growth, 1.1, 1.4);

        // After CSS_ROUNDS rounds: ssthresh = cwnd, congestion avoidance.
        RunUntilPhase(sim, cc, SlowStartPhase.Done, TimeSpan.FromMilliseconds(60 * 6));
        Assert.False(cc.InSlowStart);
        Assert.InRange(cc.SlowStartThreshold, atEntry, cc.CongestionWindow);
        Assert.Null(cc.RecoveryStartTime);
    }

    [Fact]
    public void A_falling_rtt_returns_from_conservative_slow_start_to_slow_start()
    {
        (BottleneckSim sim, Cubic cc, _) = Start(50);
        sim.RunFor(TimeSpan.FromMilliseconds(200));
        sim.PropagationRtt = TimeSpan.FromMilliseconds(60);
        RunUntilPhase(sim, cc, SlowStartPhase.ConservativeSlowStart, TimeSpan.FromMilliseconds(200));

        // Below the CSS baseline (≈ 60 ms): the increase was spurious.
        sim.PropagationRtt = TimeSpan.FromMilliseconds(45);
        RunUntilPhase(sim, cc, SlowStartPhase.SlowStart, TimeSpan.FromMilliseconds(150));
        Assert.True(cc.InSlowStart);
        long before = cc.CongestionWindow;
        sim.RunFor(TimeSpan.FromMilliseconds(45));
        Assert.True(cc.CongestionWindow > 1.6 * before, "slow start doubles again");
    }

    [Theory]
    [InlineData(50, 54, false)] // 4 ms < 6.25 ms
    [InlineData(50, 57, true)]
    [InlineData(20, 23, false)] // 20/8 = 2.5 ms, clamped up to 4 ms
    [InlineData(20, 25, true)]
    [InlineData(200, 215, false)] // 200/8 = 25 ms, clamped down to 16 ms
    [InlineData(200, 217, true)]
    public void The_threshold_is_an_eighth_of_the_last_minimum_clamped_to_4_to_16_ms(int baseMs, int raisedMs, bool exits)
    {
        (BottleneckSim sim, Cubic cc, _) = Start(baseMs);
        sim.RunFor(TimeSpan.FromMilliseconds(baseMs * 4));
        Assert.Equal(SlowStartPhase.SlowStart, cc.SlowStartPhase);
        sim.PropagationRtt = TimeSpan.FromMilliseconds(raisedMs);
        sim.RunFor(TimeSpan.FromMilliseconds(raisedMs * 3));
        Assert.Equal(exits ? SlowStartPhase.ConservativeSlowStart : SlowStartPhase.SlowStart, cc.SlowStartPhase);
    }

    [Fact]
    public void A_loss_during_conservative_slow_start_ends_it_as_usual()
    {
        (BottleneckSim sim, Cubic cc, BottleneckSim.Flow flow) = Start(50);
        sim.RunFor(TimeSpan.FromMilliseconds(200));
        sim.PropagationRtt = TimeSpan.FromMilliseconds(60);
        RunUntilPhase(sim, cc, SlowStartPhase.ConservativeSlowStart, TimeSpan.FromMilliseconds(200));

        flow.DropNext = 1;
        while (flow.Lost == 0)
        {
            sim.RunFor(TimeSpan.FromMicroseconds(100));
        }

        Assert.Equal(SlowStartPhase.Done, cc.SlowStartPhase);
        Assert.False(cc.InSlowStart);
        Assert.Equal((long)(cc.MaxWindowBeforeReduction * Cubic.BetaCubic), cc.CongestionWindow);
    }

    [Fact]
    public void Rounds_end_when_the_largest_packet_sent_at_their_start_is_acknowledged()
    {
        var hy = new HyStartPlusPlus();
        TimeSpan rtt = TimeSpan.FromMilliseconds(10);

        // The first packet opens round one; two more go out before it is acknowledged.
        hy.OnPacketSent(0);
        hy.OnPacketSent(1);
        hy.OnPacketSent(2);
        Assert.False(hy.OnPacketAcked(At(10), 0, rtt));
        Assert.Equal(1, hy.RoundCount);

        // Round two ends with packet 2, the largest sent when it began; packet 3 belongs to round three.
        hy.OnPacketSent(3);
        hy.OnPacketAcked(At(11), 1, rtt);
        Assert.Equal(1, hy.RoundCount);
        hy.OnPacketAcked(At(12), 2, rtt);
        Assert.Equal(2, hy.RoundCount);
        hy.OnPacketAcked(At(13), 3, rtt);
        Assert.Equal(3, hy.RoundCount);

        // Nothing outstanding: the next round ends with the first packet sent in it.
        hy.OnPacketSent(4);
        hy.OnPacketSent(5);
        hy.OnPacketAcked(At(20), 4, rtt);
        Assert.Equal(4, hy.RoundCount);
    }

    [Fact]
    public void Fewer_than_eight_samples_a_round_decide_nothing()
    {
        var hy = new HyStartPlusPlus();
        ulong pn = 0;

        // Rounds of seven acknowledgments, each 20 ms slower than the last: never judged.
        for (int round = 0; round < 6; round++)
        {
            ulong first = pn;
            for (int i = 0; i < 7; i++)
            {
                hy.OnPacketSent(pn++);
            }

            for (ulong a = first; a < pn; a++)
            {
                hy.OnPacketAcked(At((round * 1000) + (double)a), a, TimeSpan.FromMilliseconds(50 + (20 * round)));
            }
        }

        Assert.Equal(SlowStartPhase.SlowStart, hy.Phase);
        Assert.True(hy.RoundCount >= 6);
    }

    [Fact]
    public void Later_slow_starts_do_not_use_hystart()
    {
        (BottleneckSim sim, Cubic cc, BottleneckSim.Flow flow) = Start(50);
        sim.RunFor(TimeSpan.FromMilliseconds(150));
        cc.OnCongestionEvent(sim.Now, sim.Now);
        cc.OnPersistentCongestion(sim.Now);
        Assert.True(cc.InSlowStart);
        Assert.Equal(SlowStartPhase.Done, cc.SlowStartPhase);

        // A rising RTT no longer diverts slow start: it runs to ssthresh.
        sim.PropagationRtt = TimeSpan.FromMilliseconds(80);
        sim.RunFor(TimeSpan.FromMilliseconds(800));
        Assert.False(cc.InSlowStart);
        Assert.True(cc.CongestionWindow >= cc.SlowStartThreshold);
        Assert.Equal(0, flow.Lost);
    }

    [Theory]
    [InlineData(true, 20)]
    [InlineData(false, 8)]
    public void An_unpaced_sender_grows_at_most_eight_segments_per_ack_frame(bool paced, int expectedGrowth)
    {
        var cc = new Cubic(Mds, paced: paced);
        var rtt = new RttEstimator();
        rtt.Update(At(50), TimeSpan.FromMilliseconds(50), TimeSpan.Zero, true);
        for (ulong pn = 0; pn < 20; pn++)
        {
            cc.OnPacketSent(At(0), new SentPacket(pn, At(0), Mds, true, true, 0));
        }

        // One ACK frame for 20 packets: LossDetection reports them all at one instant.
        long before = cc.CongestionWindow;
        for (ulong pn = 0; pn < 20; pn++)
        {
            cc.OnPacketAcked(At(50), new SentPacket(pn, At(0), Mds, true, true, 0), rtt);
        }

        Assert.Equal((long)expectedGrowth * Mds, cc.CongestionWindow - before);

        // The next frame may grow again.
        cc.OnPacketSent(At(50), new SentPacket(20, At(50), Mds, true, true, 0));
        cc.OnPacketAcked(At(100), new SentPacket(20, At(50), Mds, true, true, 0), rtt);
        Assert.Equal((long)(expectedGrowth + 1) * Mds, cc.CongestionWindow - before);
    }

    [Fact]
    public void Unpaced_frames_received_in_one_batch_each_grow_by_L()
    {
        // Three ACK frames processed at one instant (a receive batch): each brought its own RTT
        // sample (RFC 9002 §5.1), so each is an ACK of its own for the per-ACK limit (RFC 9406 §4.2).
        var cc = new Cubic(Mds, paced: false);
        var rtt = new RttEstimator();
        for (ulong pn = 0; pn < 30; pn++)
        {
            cc.OnPacketSent(At(0), new SentPacket(pn, At(0), Mds, true, true, 0));
        }

        long before = cc.CongestionWindow;
        for (ulong frame = 0; frame < 3; frame++)
        {
            rtt.Update(At(50), TimeSpan.FromMilliseconds(50), TimeSpan.Zero, true);
            for (ulong pn = frame * 10; pn < (frame + 1) * 10; pn++)
            {
                cc.OnPacketAcked(At(50), new SentPacket(pn, At(0), Mds, true, true, 0), rtt);
            }
        }

        Assert.Equal(3L * 8 * Mds, cc.CongestionWindow - before);
    }

    private static (BottleneckSim Sim, Cubic Cc, BottleneckSim.Flow Flow) Start(int rttMs)
    {
        var sim = new BottleneckSim(10e9, TimeSpan.FromMilliseconds(rttMs));
        var cc = new Cubic(Mds);
        BottleneckSim.Flow flow = sim.AddFlow(cc, paced: true);
        return (sim, cc, flow);
    }

    private static void RunUntilPhase(BottleneckSim sim, Cubic cc, SlowStartPhase phase, TimeSpan limit)
    {
        Instant end = sim.Now + limit;
        while (cc.SlowStartPhase != phase)
        {
            Assert.True(sim.Now < end, $"still {cc.SlowStartPhase} after {limit.TotalMilliseconds} ms");
            sim.RunFor(TimeSpan.FromMicroseconds(200));
        }
    }

    private static Instant At(double milliseconds) => new((long)(milliseconds * 1000));
}
