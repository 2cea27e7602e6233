using SharpQuic.Core.Congestion;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Congestion;

/// <summary>RFC 9438: the cubic function, decrease, fast convergence, Reno-friendliness, app-limited periods.</summary>
public sealed class CubicTests
{
    private const int Mds = 1200;

    [Fact]
    public void K_and_w_cubic_match_values_computed_by_hand()
    {
        // W_max = 100 segments, β = 0.7, C = 0.4: cwnd_epoch = 70, K = ∛(100 · 0.3 / 0.4) = ∛75.
        const double kHand = 4.217163326508746;
        Assert.Equal(kHand, Cubic.ComputeK(100, 70), 9);
        Assert.Equal(kHand, Math.Cbrt(100 * (1 - Cubic.BetaCubic) / Cubic.CubicC), 9);

        // W_cubic(0) = 0.4 · (−∛75)³ + 100 = 100 − 30 = 70: the epoch starts at β · W_max.
        Assert.Equal(70, Cubic.CubicWindow(0, kHand, 100), 9);
        Assert.Equal(100, Cubic.CubicWindow(kHand, kHand, 100), 9);
        Assert.Equal(100.4, Cubic.CubicWindow(kHand + 1, kHand, 100), 9);
        Assert.Equal(103.2, Cubic.CubicWindow(kHand + 2, kHand, 100), 9);
        Assert.Equal(99.6, Cubic.CubicWindow(kHand - 1, kHand, 100), 9);

        // W_max = 1000: K = ∛750 = 9.085602964160698 s.
        Assert.Equal(9.085602964160698, Cubic.ComputeK(1000, 700), 9);

        // No reduction below W_max: K = 0 (convex from the start).
        Assert.Equal(0, Cubic.ComputeK(50, 60));

        // α_cubic = 3 · 0.3 / 1.7.
        Assert.Equal(0.5294117647058824, Cubic.AlphaCubic, 12);
    }

    [Fact]
    public void Starts_like_NewReno()
    {
        var cubic = new Cubic(1472);
        var reno = new NewReno(1472);
        Assert.Equal(reno.InitialWindow, cubic.CongestionWindow);
        Assert.Equal(reno.MinimumWindow, cubic.MinimumWindow);
        Assert.True(cubic.InSlowStart);
        Assert.Equal(SlowStartPhase.SlowStart, cubic.SlowStartPhase);
        Assert.Equal(SlowStartPhase.Done, new Cubic(hyStart: false).SlowStartPhase);
    }

    [Fact]
    public void A_loss_multiplies_the_window_by_beta_once_per_recovery_period()
    {
        var rtt = new RttEstimator();
        var cc = new Cubic(Mds, hyStart: false);
        ulong pn = 0;
        GrowInSlowStart(cc, rtt, ref pn, targetPackets: 100);
        long before = cc.CongestionWindow;
        Assert.Equal(100L * Mds, before);

        cc.OnCongestionEvent(At(500), At(400));
        Assert.Equal((long)(before * 0.7), cc.CongestionWindow);
        Assert.Equal(cc.CongestionWindow, cc.SlowStartThreshold);
        Assert.Equal(before, cc.MaxWindowBeforeReduction);
        Assert.False(cc.InSlowStart);
        Assert.Equal(At(500), cc.RecoveryStartTime);

        // More losses of packets sent before recovery began: no further reduction, and their
        // acknowledgments do not grow the window.
        cc.OnCongestionEvent(At(520), At(500));
        Assert.Equal(84000, cc.CongestionWindow);
        cc.OnPacketAcked(At(530), Packet(pn++, At(450)), rtt);
        Assert.Equal(84000, cc.CongestionWindow);

        // A packet sent after the recovery began ends it: the next loss reduces again.
        cc.OnCongestionEvent(At(700), At(501));
        Assert.Equal((long)(84000 * 0.7), cc.CongestionWindow);
    }

    [Fact]
    public void The_window_never_falls_below_the_minimum()
    {
        var cc = new Cubic(Mds, hyStart: false);
        for (int i = 1; i <= 10; i++)
        {
            cc.OnCongestionEvent(At(i * 100), At((i * 100) - 1));
        }

        Assert.Equal(cc.MinimumWindow, cc.CongestionWindow);
        Assert.Equal(2L * Mds, cc.CongestionWindow);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Fast_convergence_lowers_w_max_when_the_maximum_falls(bool fastConvergence)
    {
        var rtt = new RttEstimator();
        var cc = new Cubic(Mds, hyStart: false, fastConvergence: fastConvergence);
        ulong pn = 0;
        GrowInSlowStart(cc, rtt, ref pn, targetPackets: 100);

        cc.OnCongestionEvent(At(500), At(400));
        Assert.Equal(120000, cc.MaxWindowBeforeReduction);

        // The next loss comes before the window regained W_max (84 000 < 120 000).
        cc.OnCongestionEvent(At(800), At(600));
        double expected = fastConvergence ? 84000 * (1 + Cubic.BetaCubic) / 2 : 84000;
        Assert.Equal(expected, cc.MaxWindowBeforeReduction, 6);
        Assert.Equal((long)(84000 * 0.7), cc.CongestionWindow);
    }

    [Fact]
    public void Growth_is_concave_below_w_max_then_convex_above_it()
    {
        TimeSpan rttPath = TimeSpan.FromMilliseconds(100);
        var sim = new BottleneckSim(1e9, rttPath);
        var cc = new Cubic(Mds, hyStart: false);
        BottleneckSim.Flow flow = sim.AddFlow(cc, paced: true);
        LoseOnceAbove(sim, flow, 200);
        double wMax = cc.MaxWindowBeforeReduction / Mds;
        Assert.InRange(wMax, 200, 450); // slow start doubles once more before the loss is detected

        // Wait for the epoch to start (first acknowledgment after the recovery period).
        while (cc.EpochStart is null)
        {
            sim.RunFor(TimeSpan.FromMilliseconds(1));
        }

        Assert.Equal(Math.Cbrt(wMax * (1 - Cubic.BetaCubic) / Cubic.CubicC), cc.K, 2);
        Instant epoch = cc.EpochStart!.Value;
        int rounds = (int)Math.Ceiling((cc.K + 2.5) / rttPath.TotalSeconds);
        var window = new double[rounds];
        for (int i = 0; i < rounds; i++)
        {
            sim.RunUntil(epoch + (rttPath * i));
            window[i] = (double)cc.CongestionWindow / Mds;

            // Aiming at W_cubic(t + RTT) and closing the gap over one RTT (RFC 9438 §4.2) keeps
            // the window on the curve itself, not one RTT behind it.
            double t = i * rttPath.TotalSeconds;
            Assert.InRange(window[i], Cubic.CubicWindow(t, cc.K, wMax) - 1, Cubic.CubicWindow(t, cc.K, wMax) + 1);
        }

        int kRound = (int)Math.Round(cc.K / rttPath.TotalSeconds);
        Assert.InRange(window[kRound], wMax * 0.97, wMax * 1.03);

        // Concave: increments shrink approaching K. Convex: they grow after it.
        double early = window[10] - window[1];
        double lateConcave = window[kRound - 1] - window[kRound - 10];
        double earlyConvex = window[kRound + 10] - window[kRound + 1];
        double lateConvex = window[rounds - 1] - window[rounds - 10];
        Assert.True(early > 3 * lateConcave, $"{early} vs {lateConcave}");
        Assert.True(lateConvex > 3 * earlyConvex, $"{lateConvex} vs {earlyConvex}");

        // The second difference changes sign around K.
        Assert.True(SecondDifference(window, kRound / 2, 5) < 0);
        Assert.True(SecondDifference(window, rounds - 8, 5) > 0);
    }

    [Fact]
    public void Reno_friendly_region_dominates_on_a_short_rtt()
    {
        TimeSpan rttPath = TimeSpan.FromMilliseconds(2);
        var cubicSim = new BottleneckSim(1e9, rttPath);
        var cubic = new Cubic(Mds, hyStart: false);
        BottleneckSim.Flow cubicFlow = cubicSim.AddFlow(cubic, paced: false);
        LoseOnceAbove(cubicSim, cubicFlow, 20);
        double wMax = cubic.MaxWindowBeforeReduction / Mds;
        while (cubic.EpochStart is null)
        {
            cubicSim.RunFor(TimeSpan.FromMicroseconds(100));
        }

        // α_cubic segments per RTT until W_est passes the window before the reduction.
        Instant epoch = cubic.EpochStart!.Value;
        cubicSim.RunUntil(epoch + (rttPath * 8));
        double w8 = (double)cubic.CongestionWindow / Mds;
        double initial = Math.Floor(wMax * Cubic.BetaCubic);
        Assert.InRange(w8 - initial, 8 * Cubic.AlphaCubic * 0.7, 8 * Cubic.AlphaCubic * 1.4);

        // Past it: one segment per RTT, like NewReno in congestion avoidance.
        cubicSim.RunUntil(epoch + (rttPath * 30));
        double w30 = (double)cubic.CongestionWindow / Mds;
        cubicSim.RunUntil(epoch + (rttPath * 50));
        double w50 = (double)cubic.CongestionWindow / Mds;

        var renoSim = new BottleneckSim(1e9, rttPath);
        var reno = new NewReno(Mds);
        BottleneckSim.Flow renoFlow = renoSim.AddFlow(reno, paced: false);
        LoseOnceAbove(renoSim, renoFlow, 20);
        renoSim.RunFor(rttPath * 5);
        double r0 = (double)reno.CongestionWindow / Mds;
        renoSim.RunFor(rttPath * 20);
        double renoGrowth = ((double)reno.CongestionWindow / Mds) - r0;

        Assert.InRange(w50 - w30, renoGrowth - 2, renoGrowth + 2);
        Assert.InRange(renoGrowth, 18, 22);

        // Pure W_cubic would have grown by far less than one segment in those 40 ms.
        double t30 = (rttPath * 30).TotalSeconds;
        double t50 = (rttPath * 50).TotalSeconds;
        Assert.True(Cubic.CubicWindow(t50, cubic.K, wMax) - Cubic.CubicWindow(t30, cubic.K, wMax) < 1);
        Assert.True(w50 > Cubic.CubicWindow(t50 + rttPath.TotalSeconds, cubic.K, wMax) + 10);
        Assert.Equal(cubic.RenoFriendlyWindow / Mds, w50, 0);
    }

    [Fact]
    public void One_acknowledgment_grows_the_window_by_at_most_half_a_segment()
    {
        // Target at most 1.5 · cwnd per RTT: (target − cwnd)/cwnd ≤ 0.5 segment per segment acked.
        var rtt = new RttEstimator();
        rtt.Update(At(0), TimeSpan.FromMilliseconds(50), TimeSpan.Zero, true);
        var cc = new Cubic(Mds, hyStart: false);
        ulong pn = 0;
        GrowInSlowStart(cc, rtt, ref pn, targetPackets: 40);
        cc.OnCongestionEvent(At(1000), At(999));
        cc.OnPacketAcked(At(1001), Packet(pn++, At(1000.5)), rtt);
        Assert.NotNull(cc.EpochStart);

        // 100 s later W_cubic is enormous; one acknowledgment still adds at most 600 bytes.
        long before = cc.CongestionWindow;
        cc.OnPacketSent(At(101_000), Packet(pn, At(101_000)));
        cc.OnPacketAcked(At(101_050), Packet(pn++, At(101_000)), rtt);
        Assert.InRange(cc.CongestionWindow - before, 599, 600);
    }

    [Fact]
    public void An_app_limited_period_neither_grows_the_window_nor_ages_the_epoch()
    {
        TimeSpan rttPath = TimeSpan.FromMilliseconds(50);
        var limitedSim = new BottleneckSim(1e9, rttPath);
        var limited = new Cubic(Mds, hyStart: false);
        BottleneckSim.Flow limitedFlow = limitedSim.AddFlow(limited, paced: true);
        var steadySim = new BottleneckSim(1e9, rttPath);
        var steady = new Cubic(Mds, hyStart: false);
        BottleneckSim.Flow steadyFlow = steadySim.AddFlow(steady, paced: true);
        foreach ((BottleneckSim sim, BottleneckSim.Flow flow) in new[] { (limitedSim, limitedFlow), (steadySim, steadyFlow) })
        {
            LoseOnceAbove(sim, flow, 100);
            sim.RunFor(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(steady.CongestionWindow, limited.CongestionWindow);
        Instant epochBefore = limited.EpochStart!.Value;

        // Two seconds with only five packets of data in flight. The acknowledgment that finds the
        // application out of data is the last one to grow the window (the sender was still
        // cwnd-limited when it sent that packet).
        limitedFlow.AppLimitPackets = 5;
        limitedSim.RunFor(TimeSpan.FromMilliseconds(1));
        long windowBefore = limited.CongestionWindow;
        limitedSim.RunFor(TimeSpan.FromSeconds(2));
        Assert.True(limited.IsAppLimited);
        Assert.Equal(windowBefore, limited.CongestionWindow);
        limitedFlow.AppLimitPackets = null;
        limitedSim.RunFor(rttPath * 2);
        Assert.False(limited.IsAppLimited);

        // The epoch moved forward by the app-limited time (give or take the RTTs at its edges).
        double shift = (limited.EpochStart!.Value - epochBefore).TotalSeconds;
        Assert.InRange(shift, 2 - 0.1, 2 + 0.15);

        // Afterwards the window follows the same curve as the flow that was never limited.
        limitedSim.RunFor(TimeSpan.FromSeconds(3));
        steadySim.RunFor(TimeSpan.FromSeconds(3) + (rttPath * 2));
        Assert.InRange((double)limited.CongestionWindow / steady.CongestionWindow, 0.97, 1.03);
        Assert.True(limited.CongestionWindow > windowBefore + (10 * Mds));
    }

    [Fact]
    public void Persistent_congestion_collapses_to_the_minimum_and_restarts_the_epoch()
    {
        var rtt = new RttEstimator();
        rtt.Update(At(0), TimeSpan.FromMilliseconds(50), TimeSpan.Zero, true);
        var cc = new Cubic(Mds, hyStart: false);
        ulong pn = 0;
        GrowInSlowStart(cc, rtt, ref pn, targetPackets: 100);
        cc.OnCongestionEvent(At(1000), At(900));
        cc.OnPacketAcked(At(1100), Packet(pn++, At(1050)), rtt);
        Assert.NotNull(cc.EpochStart);

        // LossDetection reports the congestion event first, then persistent congestion.
        long beforeLoss = cc.CongestionWindow;
        cc.OnCongestionEvent(At(2000), At(1900));
        cc.OnPersistentCongestion(At(2000));
        Assert.Equal(cc.MinimumWindow, cc.CongestionWindow);
        Assert.Null(cc.EpochStart);
        Assert.Null(cc.RecoveryStartTime);
        Assert.True(cc.InSlowStart);
        long ssthresh = cc.SlowStartThreshold;
        Assert.Equal((long)(beforeLoss * 0.7), ssthresh);

        // Slow start back to ssthresh, then a fresh epoch aimed at W_max.
        int acks = 0;
        while (cc.InSlowStart)
        {
            cc.OnPacketSent(At(2100), Packet(pn, At(2100)));
            cc.OnPacketAcked(At(2150), Packet(pn++, At(2100)), rtt);
            acks++;
        }

        Assert.InRange(acks, (int)((ssthresh - (2 * Mds)) / Mds), (int)((ssthresh - (2 * Mds)) / Mds) + 1);
        long windowAtEpoch = cc.CongestionWindow;
        Assert.InRange(windowAtEpoch, ssthresh, ssthresh + Mds);
        cc.OnPacketSent(At(2200), Packet(pn, At(2200)));
        cc.OnPacketAcked(At(2250), Packet(pn++, At(2200)), rtt);
        Assert.Equal(At(2250), cc.EpochStart);
        Assert.Equal(Cubic.ComputeK(cc.MaxWindowBeforeReduction / Mds, windowAtEpoch / (double)Mds), cc.K, 9);
        Assert.True(cc.K > 2);
    }

    [Fact]
    public void An_ecn_ce_increase_reported_by_loss_detection_reduces_by_beta()
    {
        var cc = new Cubic(Mds);
        var ld = new LossDetection(isServer: true, cc);
        ld.OnHandshakeConfirmed(At(0));
        var observer = new NullObserver();
        for (ulong pn = 0; pn < 6; pn++)
        {
            ld.OnPacketSent(PacketNumberSpace.ApplicationData, new SentPacket(pn, At(pn), Mds, true, true, 0, EcnCodepoint.Ect0));
        }

        AckResult first = ld.OnAckReceived(PacketNumberSpace.ApplicationData, [new AckRange(0, 2)], TimeSpan.Zero, new EcnCounts(3, 0, 0), At(50), observer);
        Assert.False(first.EcnCongestion);
        Assert.Equal(12000 + (3 * Mds), cc.CongestionWindow);

        AckResult marked = ld.OnAckReceived(PacketNumberSpace.ApplicationData, [new AckRange(0, 4)], TimeSpan.Zero, new EcnCounts(4, 0, 1), At(60), observer);
        Assert.True(marked.EcnCongestion);
        long reduced = (long)((12000 + (3 * Mds)) * Cubic.BetaCubic);
        Assert.Equal(reduced, cc.CongestionWindow);
        Assert.Equal(SlowStartPhase.Done, cc.SlowStartPhase);

        // A second CE mark on a packet sent before the reduction: same recovery period.
        ld.OnAckReceived(PacketNumberSpace.ApplicationData, [new AckRange(0, 5)], TimeSpan.Zero, new EcnCounts(4, 0, 2), At(70), observer);
        Assert.Equal(reduced, cc.CongestionWindow);
    }

    [Fact]
    public void The_factory_builds_each_algorithm()
    {
        Assert.IsType<NewReno>(CongestionControllerFactory.Create(CongestionControlAlgorithm.NewReno));
        ICongestionController cubic = CongestionControllerFactory.Create(CongestionControlAlgorithm.Cubic, 1400);
        Assert.IsType<Cubic>(cubic);
        Assert.Equal(1400, cubic.MaxDatagramSize);
        Assert.True(((Cubic)cubic).Paced);
        Assert.False(((Cubic)CongestionControllerFactory.Create(CongestionControlAlgorithm.Cubic, paced: false)).Paced);
        Assert.Equal(CongestionControlAlgorithm.Cubic, CongestionControllerFactory.DefaultAlgorithm);
        Assert.Throws<ArgumentOutOfRangeException>(() => CongestionControllerFactory.Create((CongestionControlAlgorithm)7));
    }

    [Fact]
    public void Sending_and_acknowledging_allocates_nothing()
    {
        var rtt = new RttEstimator();
        rtt.Update(At(0), TimeSpan.FromMilliseconds(20), TimeSpan.Zero, true);
        var cc = new Cubic(Mds);
        var pacer = new Pacer(Mds);
        ulong pn = 0;
        Run(cc, pacer, rtt, ref pn, 1000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(cc, pacer, rtt, ref pn, 50_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.False(cc.InSlowStart);

        static void Run(Cubic cc, Pacer pacer, RttEstimator rtt, ref ulong pn, int count)
        {
            for (int i = 0; i < count; i++)
            {
                Instant sent = new((long)pn * 100);
                var packet = new SentPacket(pn++, sent, Mds, true, true, 0);
                _ = pacer.TimeUntilSend(sent, Mds);
                cc.OnPacketSent(sent, packet);
                pacer.OnPacketSent(sent, Mds);
                cc.OnPacketAcked(sent + TimeSpan.FromMilliseconds(20), packet, rtt);
                pacer.UpdateRate(sent, cc, rtt);
                if (pn % 5000 == 0)
                {
                    cc.OnCongestionEvent(sent, sent);
                }
            }
        }
    }

    internal static Instant At(double milliseconds) => new((long)(milliseconds * 1000));

    internal static SentPacket Packet(ulong pn, Instant sent) => new(pn, sent, Mds, true, true, 0);

    /// <summary>Slow start by acknowledgments until the window holds <paramref name="targetPackets"/> packets.</summary>
    private static void GrowInSlowStart(Cubic cc, RttEstimator rtt, ref ulong pn, int targetPackets)
    {
        while (cc.CongestionWindow < (long)targetPackets * Mds)
        {
            SentPacket packet = Packet(pn++, At(0));
            cc.OnPacketSent(At(0), packet);
            cc.OnPacketAcked(At(50), packet, rtt);
        }
    }

    /// <summary>Runs the flow until its window passes <paramref name="packets"/>, drops one packet and waits for the reduction.</summary>
    private static void LoseOnceAbove(BottleneckSim sim, BottleneckSim.Flow flow, int packets)
    {
        while (flow.Cc.CongestionWindow < (long)packets * Mds)
        {
            sim.RunFor(TimeSpan.FromMicroseconds(100));
        }

        flow.DropNext = 1;
        while (flow.Lost == 0)
        {
            sim.RunFor(TimeSpan.FromMicroseconds(100));
        }
    }

    private static double SecondDifference(double[] w, int at, int step) => w[at + step] - (2 * w[at]) + w[at - step];

    private sealed class NullObserver : IRecoveryObserver
    {
        public void OnPacketAcked(PacketNumberSpace space, in SentPacket packet)
        {
        }

        public void OnPacketLost(PacketNumberSpace space, in SentPacket packet)
        {
        }

        public void OnPacketDiscarded(PacketNumberSpace space, in SentPacket packet)
        {
        }
    }
}
