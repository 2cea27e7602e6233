using SharpQuic.Core.Congestion;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Recovery;
using SharpQuic.Simulation;
using Xunit.Abstractions;

namespace SharpQuic.Core.Tests.Congestion.Simulation;

/// <summary>
/// CUBIC, HyStart++ and pacing end to end: real connections (handshake, loss detection, ACK frames,
/// flow control) on the <see cref="SimulatedNetwork"/>, over a 100 Mbit/s, 50 ms RTT path.
/// </summary>
public sealed class ConnectionCongestionTests(ITestOutputHelper output)
{
    private const long LinkBitsPerSecond = 100_000_000;
    private const int Mds = 1200;

    /// <summary>One BDP: 100 Mbit/s × 50 ms = 625 000 bytes (520 datagrams of 1,200 bytes).</summary>
    private const int Bdp = (int)(LinkBitsPerSecond / 8 * 50 / 1000);

    private static readonly TimeSpan OneWay = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan Rtt = OneWay * 2;

    /// <summary>No bandwidth limit, no loss: only the 50 ms RTT.</summary>
    private static readonly LinkConditions Clean = new() { Delay = OneWay, Mtu = 1500 };

    [Fact]
    public void Cubic_is_the_default_and_fills_a_clean_100_Mbit_path()
    {
        using var up = new BulkUpload(7, Path(), Path());
        BulkUpload.Flow flow = up.StartFlow();

        // Slow start overshoots the 1-BDP queue once; measure after that has been repaired.
        up.RunFor(TimeSpan.FromSeconds(2));
        long before = up.ForwardBytesDelivered;
        long readBefore = up.Sinks[0].BytesRead;
        TimeSpan measured = TimeSpan.FromSeconds(4);
        up.RunFor(measured);

        double utilisation = Utilisation(up.ForwardBytesDelivered - before, measured);
        double goodput = (up.Sinks[0].BytesRead - readBefore) * 8 / measured.TotalSeconds / 1e6;
        var cubic = Assert.IsType<Cubic>(flow.Connection.Loss.Controller);
        output.WriteLine($"clean: utilisation {utilisation:P1}, goodput {goodput:F1} Mbit/s, cwnd {cubic.CongestionWindow / Mds} packets, "
            + $"queue drops {up.Forward.Statistics.Dropped(DropReason.QueueFull)}, srtt {flow.Connection.Loss.Rtt.SmoothedRtt.TotalMilliseconds:F1} ms");

        Assert.NotNull(flow.Connection.Pacing);
        Assert.True(up.Forward.Statistics.Dropped(DropReason.QueueFull) > 0, "the queue never overflowed: CUBIC did not probe the link");
        Assert.True(utilisation > 0.90, $"utilisation {utilisation:P1}");
    }

    [Fact]
    public void Cubic_under_random_loss_follows_its_response_function()
    {
        const double loss = 0.001;
        using var up = new BulkUpload(7, Path(loss), Path(loss));
        BulkUpload.Flow flow = up.StartFlow();
        up.RunFor(TimeSpan.FromSeconds(10));
        long before = up.ForwardBytesDelivered;
        long lostBefore = flow.Connection.PacketsLost;
        TimeSpan measured = TimeSpan.FromSeconds(30);
        up.RunFor(measured);

        double utilisation = Utilisation(up.ForwardBytesDelivered - before, measured);
        double packetsPerRtt = (up.ForwardBytesDelivered - before) / (double)Mds / (measured / Rtt);

        // The issue asks for > 80 % here; no standards-compliant loss-based controller can do that.
        // RFC 9438 §5.1-§5.2: under random loss p the average window is the larger of CUBIC's
        // (C(3+β)/(4(1−β)))^¼ · RTT^¾ / p^¾ (≈ 20 segments here) and the Reno-friendly AIMD(α, β)
        // window √(α(1+β)/(2(1−β)p)) = √(3/(2p)) ≈ 39 segments; Mathis's 1.22/√p for Reno gives the
        // same 39. At p = 0.1 % that is 39 of the 520 segments one BDP holds: ≈ 7.5 % of 100 Mbit/s.
        // The test asserts the connection reaches that bound (it is not worse than the model), with
        // room for the randomness of some 25 loss events in the measured 30 s.
        double cubicWindow = Math.Pow(Cubic.CubicC * (3 + Cubic.BetaCubic) / (4 * (1 - Cubic.BetaCubic)), 0.25) * Math.Pow(Rtt.TotalSeconds, 0.75) / Math.Pow(loss, 0.75);
        double renoFriendly = Math.Sqrt(Cubic.AlphaCubic * (1 + Cubic.BetaCubic) / (2 * (1 - Cubic.BetaCubic) * loss));
        double model = Math.Max(cubicWindow, renoFriendly);
        output.WriteLine($"0.1 % loss: utilisation {utilisation:P1}, {packetsPerRtt:F1} packets per RTT (model {model:F1}, BDP {Bdp / Mds}), "
            + $"packets lost {flow.Connection.PacketsLost - lostBefore}, cwnd {flow.Connection.Loss.Controller.CongestionWindow / Mds}");

        Assert.True(flow.Connection.PacketsLost - lostBefore > 10, "too few losses to measure a response");
        Assert.InRange(packetsPerRtt, 0.75 * model, 1.6 * model);
    }

    [Fact]
    public void Two_cubic_flows_share_a_bottleneck_fairly()
    {
        // 9,000-byte datagrams on the same 100 Mbit/s, 50 ms, 1-BDP drop-tail bottleneck: 7.5 times fewer
        // packets, so the tens of seconds CUBIC needs to converge (K ≈ 5 s per epoch here) run in about a
        // second of wall clock. The windows in segments are 7.5 times smaller; the dynamics are the same.
        const int jumbo = 9000;
        using var up = new BulkUpload(3, Path(mtu: jumbo), Path(mtu: jumbo), datagramSize: jumbo);
        up.StartFlow();
        up.RunFor(TimeSpan.FromSeconds(2));
        up.StartFlow();
        up.RunFor(TimeSpan.FromSeconds(18));
        Assert.Equal(2, up.Sinks.Count);
        long a0 = up.Sinks[0].BytesRead;
        long b0 = up.Sinks[1].BytesRead;
        long link0 = up.ForwardBytesDelivered;
        TimeSpan measured = TimeSpan.FromSeconds(20);
        up.RunFor(measured);

        double a = up.Sinks[0].BytesRead - a0;
        double b = up.Sinks[1].BytesRead - b0;
        double jain = (a + b) * (a + b) / (2 * ((a * a) + (b * b)));
        double utilisation = Utilisation(up.ForwardBytesDelivered - link0, measured);
        output.WriteLine($"two flows, second half: Jain {jain:F3}, shares {a / (a + b):P1} / {b / (a + b):P1}, utilisation {utilisation:P1}, "
            + $"queue drops {up.Forward.Statistics.Dropped(DropReason.QueueFull)}");

        Assert.True(jain > 0.9, $"Jain's index {jain:F3}");
        Assert.True(utilisation > 0.9, $"utilisation {utilisation:P1}");
    }

    [Fact]
    public void Pacing_bounds_bursts_and_does_not_slow_a_clean_transfer()
    {
        const long bytes = 20 << 20;
        (Instant pacedDone, int pacedBurst, long held) = TimedTransfer(Clean, bytes, pacing: true);
        (Instant unpacedDone, int unpacedBurst, _) = TimedTransfer(Clean, bytes, pacing: false);
        (Instant pacedBottleneck, int pacedBottleneckBurst, _) = TimedTransfer(Path(), bytes, pacing: true);
        (Instant unpacedBottleneck, _, _) = TimedTransfer(Path(), bytes, pacing: false);
        output.WriteLine($"no bandwidth limit: paced {pacedDone} (largest burst {pacedBurst}, held back {held} times), unpaced {unpacedDone} (largest burst {unpacedBurst})");
        output.WriteLine($"100 Mbit/s, 1-BDP queue: paced {pacedBottleneck} (largest burst {pacedBottleneckBurst}), unpaced {unpacedBottleneck}");

        // RFC 9002 §7.7: at most a GSO batch of datagrams leaves at one instant.
        Assert.InRange(pacedBurst, 1, Pacer.DefaultBurstPackets);
        Assert.InRange(pacedBottleneckBurst, 1, Pacer.DefaultBurstPackets);
        Assert.True(held > 0);

        // Unpaced, whole windows leave at once (and the measurement can see it).
        Assert.True(unpacedBurst > 10 * Pacer.DefaultBurstPackets, $"largest unpaced burst {unpacedBurst}");

        // Not slower: an unpaced CUBIC also grows by at most L = 8 segments per ACK frame in slow start
        // (RFC 9406 §4.2), which a receiver acknowledging whole bursts with one frame makes far slower.
        // Through the bottleneck both are ACK-clocked; allow one RTT for pacing the final window.
        Assert.True(pacedDone <= unpacedDone, $"paced {pacedDone}, unpaced {unpacedDone}");
        Assert.True(pacedBottleneck <= unpacedBottleneck + Rtt, $"paced {pacedBottleneck}, unpaced {unpacedBottleneck}");
    }

    [Fact]
    public void Data_held_back_by_the_pacer_leaves_at_the_release_time()
    {
        using var up = new BulkUpload(5, Clean, Clean);
        BulkUpload.Flow flow = up.StartFlow();
        up.RunFor(TimeSpan.FromMilliseconds(400));
        QuicConnection client = flow.Connection;
        PacingGate gate = client.Pacing!;
        Instant now = up.Network.Now;

        // Drain what the connection will send now; with data queued and window to spare, the pacer
        // is what stops it, and its release time is the connection's next timeout.
        var buffer = new byte[2048];
        while (client.PollTransmit(now, buffer) > 0)
        {
        }

        Assert.True(client.Streams.HasPendingSend);
        Assert.True(client.Loss.Controller.CanSend(Mds), "window-limited, not pacing-limited");
        Instant release = Assert.NotNull(gate.ReleaseTime);
        Assert.True(release > now);
        Assert.True(client.NextTimeout() <= release);
        Assert.Equal(0, client.PollTransmit(release - TimeSpan.FromMicroseconds(1), buffer));

        client.HandleTimeout(release);
        Assert.True(client.PollTransmit(release, buffer) >= Mds - 64);
    }

    [Fact]
    public void HyStart_leaves_slow_start_before_the_first_loss_with_a_deep_buffer()
    {
        // 16 BDPs of drop-tail buffer: RFC 9406 detects the delay increase one round late (when the
        // queue exceeds RttThresh = 6.25 ms, 65 packets) and Conservative Slow Start still grows the
        // window by 1.25^5 ≈ 3 before leaving, so a buffer of a few BDPs overflows first; 16 does not.
        using var up = new BulkUpload(9, Path(queue: 16 * Bdp), Path());
        BulkUpload.Flow flow = up.StartFlow();
        long dropsAtExit = -1;
        long lostAtExit = -1;
        long windowAtExit = 0;
        bool exited = up.Network.RunUntil(
            () =>
            {
                if (flow.Connection.Loss.Controller is not Cubic cubic || cubic.SlowStartThreshold == long.MaxValue)
                {
                    return false;
                }

                dropsAtExit = up.Forward.Statistics.DroppedTotal;
                lostAtExit = flow.Connection.PacketsLost;
                windowAtExit = cubic.CongestionWindow;
                return true;
            },
            Instant.FromMilliseconds(5_000));

        var cc = (Cubic)flow.Connection.Loss.Controller;
        output.WriteLine($"deep buffer: left slow start at {up.Network.Now} with cwnd {windowAtExit / Mds} packets (BDP {Bdp / Mds}, "
            + $"path holds {17 * Bdp / Mds}), drops {dropsAtExit}, lost {lostAtExit}, srtt {flow.Connection.Loss.Rtt.SmoothedRtt.TotalMilliseconds:F0} ms");

        Assert.True(exited, "still in slow start after 5 s");
        Assert.Equal(SlowStartPhase.Done, cc.SlowStartPhase);
        Assert.Equal(0, dropsAtExit);
        Assert.Equal(0, lostAtExit);
        Assert.Equal(windowAtExit, cc.SlowStartThreshold);
        Assert.True(windowAtExit > Bdp, "left slow start before even filling the pipe");
    }

    private static LinkConditions Path(double loss = 0, int queue = Bdp, int mtu = 1500) => new()
    {
        Delay = OneWay,
        Mtu = mtu,
        LossProbability = loss,
        BandwidthBitsPerSecond = LinkBitsPerSecond,
        QueueLimitBytes = queue,
    };

    private static double Utilisation(long bytes, TimeSpan over) => bytes * 8.0 / (LinkBitsPerSecond * over.TotalSeconds);

    private static (Instant Done, int MaxBurst, long HeldBack) TimedTransfer(LinkConditions path, long bytes, bool pacing)
    {
        using var up = new BulkUpload(5, path, path, pacing: pacing);
        BulkUpload.Flow flow = up.StartFlow(bytes);
        bool done = up.Network.RunUntil(() => up.Sinks.Count > 0 && up.Sinks[0].FinishedAt is not null, Instant.FromMilliseconds(60_000));
        Assert.True(done, "transfer did not finish");
        Assert.Equal(bytes, up.Sinks[0].BytesRead);
        return (up.Sinks[0].FinishedAt!.Value, up.MaxBurst, flow.Connection.Pacing?.HeldBack ?? 0);
    }
}
