using SharpQuic.Core.Congestion;
using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Tests.Congestion;

/// <summary>RFC 9002 §7.7: a token bucket at N · cwnd / smoothed_rtt.</summary>
public sealed class PacerTests
{
    private const int Mds = 1200;
    private static readonly TimeSpan Srtt = TimeSpan.FromMilliseconds(100);

    [Fact]
    public void Sends_a_burst_then_spaces_packets_at_the_rate()
    {
        var pacer = new Pacer(Mds);
        Instant now = Instant.FromMilliseconds(1000);
        const long cwnd = 100 * Mds;
        pacer.UpdateRate(now, cwnd, Srtt);
        double bytesPerMicro = Pacer.RateMultiplier * cwnd / Srtt.TotalMicroseconds;
        Assert.Equal(bytesPerMicro * 1e6, pacer.RateBytesPerSecond, 6);
        long interval = (long)Math.Ceiling(Mds / bytesPerMicro);
        Assert.Equal(800, interval); // 1200 B at 1.5 B/µs

        // The burst: ten packets back to back.
        for (int i = 0; i < Pacer.DefaultBurstPackets; i++)
        {
            Assert.Equal(TimeSpan.Zero, pacer.TimeUntilSend(now, Mds));
            pacer.OnPacketSent(now, Mds);
        }

        // Then one packet per interval.
        for (int i = 0; i < 20; i++)
        {
            TimeSpan wait = pacer.TimeUntilSend(now, Mds);
            Assert.Equal(TimeSpan.FromMicroseconds(interval), wait);
            Assert.Equal(now + wait, pacer.NextSendTime(now, Mds));
            Assert.NotEqual(TimeSpan.Zero, pacer.TimeUntilSend(now + wait - TimeSpan.FromMicroseconds(1), Mds));
            now += wait;
            Assert.Equal(TimeSpan.Zero, pacer.TimeUntilSend(now, Mds));
            pacer.OnPacketSent(now, Mds);
        }

        // A smaller packet needs proportionally less time.
        Assert.Equal(TimeSpan.FromMicroseconds(400), pacer.TimeUntilSend(now, 600));
    }

    [Theory]
    [InlineData(200, 100, false, 400)] // twice the window: half the interval
    [InlineData(100, 200, false, 1600)] // twice the RTT: twice the interval
    [InlineData(100, 100, true, 500)] // slow start: N = 2, 2.4 B/µs
    public void The_interval_follows_window_and_rtt(int cwndPackets, int srttMs, bool slowStart, long expectedMicros)
    {
        var pacer = new Pacer(Mds);
        Instant now = Instant.FromMilliseconds(5);
        pacer.UpdateRate(now, (long)cwndPackets * Mds, TimeSpan.FromMilliseconds(srttMs), slowStart);
        Drain(pacer, now);
        Assert.Equal(TimeSpan.FromMicroseconds(expectedMicros), pacer.TimeUntilSend(now, Mds));
    }

    [Fact]
    public void A_rate_change_applies_from_the_moment_it_is_made()
    {
        var pacer = new Pacer(Mds);
        Instant now = Instant.FromMilliseconds(5);
        pacer.UpdateRate(now, 100 * Mds, Srtt);
        Drain(pacer, now);

        // 400 µs at 1.5 B/µs earns 600 B; then the window doubles (3 B/µs): 200 µs for the rest.
        now += TimeSpan.FromMicroseconds(400);
        pacer.UpdateRate(now, 200 * Mds, Srtt);
        Assert.Equal(TimeSpan.FromMicroseconds(200), pacer.TimeUntilSend(now, Mds));
    }

    [Fact]
    public void Idle_time_refills_at_most_one_burst()
    {
        var pacer = new Pacer(Mds, burstPackets: 4);
        Assert.Equal(4L * Mds, pacer.BurstCapacity);
        Instant now = Instant.FromMilliseconds(1);
        pacer.UpdateRate(now, 100 * Mds, Srtt);
        Drain(pacer, now);

        now += TimeSpan.FromSeconds(10);
        int sent = 0;
        while (pacer.TimeUntilSend(now, Mds) == TimeSpan.Zero)
        {
            pacer.OnPacketSent(now, Mds);
            sent++;
        }

        Assert.Equal(4, sent);
    }

    [Fact]
    public void Without_an_rtt_sample_nothing_is_delayed()
    {
        var pacer = new Pacer(Mds);
        var cc = new Cubic(Mds);
        var rtt = new RttEstimator();
        Instant now = Instant.FromMilliseconds(1);
        pacer.UpdateRate(now, cc, rtt);
        Assert.False(pacer.IsPacing);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.Zero, pacer.TimeUntilSend(now, Mds));
            pacer.OnPacketSent(now, Mds);
        }

        // The first sample starts pacing, with a full bucket for the next flight.
        rtt.Update(now, Srtt, TimeSpan.Zero, handshakeConfirmed: false);
        pacer.UpdateRate(now, cc, rtt);
        Assert.True(pacer.IsPacing);
        Assert.Equal(Pacer.SlowStartRateMultiplier * cc.CongestionWindow / Srtt.TotalSeconds, pacer.RateBytesPerSecond, 3);
        Drain(pacer, now);
        Assert.NotEqual(TimeSpan.Zero, pacer.TimeUntilSend(now, Mds));
    }

    [Fact]
    public void A_packet_larger_than_the_bucket_waits_for_a_full_bucket()
    {
        var pacer = new Pacer(Mds, burstPackets: 1);
        Instant now = Instant.FromMilliseconds(1);
        pacer.UpdateRate(now, 100 * Mds, Srtt);
        Assert.Equal(TimeSpan.Zero, pacer.TimeUntilSend(now, 1500));
        pacer.OnPacketSent(now, 1500);

        // 300 B of debt plus a 1200 B bucket: 1500 B at 1.5 B/µs.
        Assert.Equal(TimeSpan.FromMicroseconds(1000), pacer.TimeUntilSend(now, 1500));
    }

    [Fact]
    public void Pacing_allocates_nothing()
    {
        var pacer = new Pacer(Mds);
        var cc = new Cubic(Mds);
        var rtt = new RttEstimator();
        rtt.Update(Instant.Zero, Srtt, TimeSpan.Zero, true);
        Loop(pacer, cc, rtt, 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        long waited = Loop(pacer, cc, rtt, 100_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(waited > 0);

        static long Loop(Pacer pacer, Cubic cc, RttEstimator rtt, int count)
        {
            long waited = 0;
            var now = new Instant(1_000_000);
            for (int i = 0; i < count; i++)
            {
                pacer.UpdateRate(now, cc, rtt);
                TimeSpan wait = pacer.TimeUntilSend(now, Mds);
                waited += wait.Ticks;
                now += wait;
                pacer.OnPacketSent(now, Mds);
            }

            return waited;
        }
    }

    private static void Drain(Pacer pacer, Instant now)
    {
        while (pacer.TimeUntilSend(now, Mds) == TimeSpan.Zero)
        {
            pacer.OnPacketSent(now, Mds);
        }
    }
}
