using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire.Frames;
using static SharpQuic.Core.Tests.Recovery.LossDetectionTests;
using static SharpQuic.Core.Tests.Recovery.Ms;

namespace SharpQuic.Core.Tests.Recovery;

/// <summary>RFC 9002 §7 and Appendix B.</summary>
public sealed class NewRenoTests
{
    private static readonly RttEstimator Rtt = new();

    private static SentPacket Packet(double sentMs, int size = 1200) => new(0, At(sentMs), size, true, true, 0);

    [Theory]
    [InlineData(1200, 12000)]
    [InlineData(1472, 14720)]
    [InlineData(1500, 14720)]
    [InlineData(9000, 18000)]
    public void Initial_window_follows_section_7_2(int mds, long expected)
    {
        var cc = new NewReno(mds);
        Assert.Equal(expected, cc.CongestionWindow);
        Assert.Equal(2L * mds, cc.MinimumWindow);
        Assert.True(cc.InSlowStart);
    }

    [Fact]
    public void Slow_start_grows_by_the_bytes_acknowledged()
    {
        var cc = new NewReno();
        for (int i = 0; i < 10; i++)
        {
            cc.OnPacketSent(At(0), Packet(0));
        }

        Assert.Equal(12000, cc.BytesInFlight);
        Assert.False(cc.CanSend(1));
        cc.OnPacketAcked(At(10), Packet(0, 1200), Rtt);
        cc.OnPacketAcked(At(10), Packet(0, 1000), Rtt);
        Assert.Equal(12000 + 2200, cc.CongestionWindow);
        Assert.Equal(12000 - 2200, cc.BytesInFlight);
        Assert.True(cc.CanSend(12000 + 2200 - 9800));
        Assert.False(cc.CanSend(12000 + 2200 - 9800 + 1));
    }

    [Fact]
    public void Loss_halves_the_window_once_per_recovery_period()
    {
        var cc = new NewReno();
        cc.OnCongestionEvent(At(100), At(50));
        Assert.Equal(6000, cc.CongestionWindow);
        Assert.Equal(6000, cc.SlowStartThreshold);
        Assert.False(cc.InSlowStart);
        Assert.Equal(At(100), cc.RecoveryStartTime);

        // Losses of packets sent before recovery began: no further reduction, no growth on acks.
        cc.OnCongestionEvent(At(120), At(100));
        Assert.Equal(6000, cc.CongestionWindow);
        cc.OnPacketSent(At(90), Packet(90));
        cc.OnPacketAcked(At(130), Packet(90), Rtt);
        Assert.Equal(6000, cc.CongestionWindow);

        // A loss of a packet sent after recovery began starts a new period.
        cc.OnCongestionEvent(At(200), At(101));
        Assert.Equal(3000, cc.CongestionWindow);
        Assert.Equal(At(200), cc.RecoveryStartTime);
    }

    [Fact]
    public void Congestion_avoidance_adds_one_datagram_per_window_acknowledged()
    {
        var cc = new NewReno();
        cc.OnCongestionEvent(At(1), At(0));
        long window = cc.CongestionWindow;
        Assert.Equal(6000, window);

        // 5 packets of 1200 = one window: exactly one max_datagram_size more, after the last.
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(window, cc.CongestionWindow);
            cc.OnPacketSent(At(2), Packet(2));
            cc.OnPacketAcked(At(3), Packet(2), Rtt);
        }

        Assert.Equal(window + 1200, cc.CongestionWindow);

        // The next increment needs a full (larger) window: 7200 bytes.
        for (int i = 0; i < 5; i++)
        {
            cc.OnPacketSent(At(4), Packet(4));
            cc.OnPacketAcked(At(5), Packet(4), Rtt);
        }

        Assert.Equal(window + 1200, cc.CongestionWindow);
        cc.OnPacketSent(At(4), Packet(4));
        cc.OnPacketAcked(At(5), Packet(4), Rtt);
        Assert.Equal(window + 2400, cc.CongestionWindow);
    }

    [Fact]
    public void The_window_never_drops_below_the_minimum()
    {
        var cc = new NewReno();
        for (int i = 1; i <= 10; i++)
        {
            cc.OnCongestionEvent(At(i * 10), At((i * 10) - 1));
        }

        Assert.Equal(cc.MinimumWindow, cc.CongestionWindow);
        Assert.True(cc.SlowStartThreshold < cc.MinimumWindow);
    }

    [Fact]
    public void An_app_limited_sender_does_not_grow_the_window()
    {
        var cc = new NewReno { IsAppLimited = true };
        cc.OnPacketSent(At(0), Packet(0));
        cc.OnPacketAcked(At(10), Packet(0), Rtt);
        Assert.Equal(12000, cc.CongestionWindow);
        Assert.Equal(0, cc.BytesInFlight);
        cc.IsAppLimited = false;
        cc.OnPacketSent(At(10), Packet(10));
        cc.OnPacketAcked(At(20), Packet(10), Rtt);
        Assert.Equal(13200, cc.CongestionWindow);
    }

    [Fact]
    public void Persistent_congestion_collapses_to_the_minimum_and_restarts_slow_start()
    {
        var cc = new NewReno();
        cc.OnCongestionEvent(At(10), At(5));
        cc.OnPersistentCongestion(At(10));
        Assert.Equal(cc.MinimumWindow, cc.CongestionWindow);
        Assert.Null(cc.RecoveryStartTime);
        Assert.True(cc.InSlowStart);
        cc.OnPacketSent(At(5), Packet(5));
        cc.OnPacketAcked(At(20), Packet(5), Rtt);
        Assert.Equal(cc.MinimumWindow + 1200, cc.CongestionWindow);
    }

    [Fact]
    public void An_increase_of_the_peer_ce_count_is_a_congestion_event()
    {
        var cc = new NewReno();
        var observer = new RecordingObserver();
        var ld = new LossDetection(isServer: true, cc);
        for (ulong pn = 0; pn < 4; pn++)
        {
            // Marked ECT(0): counts for packets never marked fail ECN validation (RFC 9000 §13.4.2.1) and are ignored.
            ld.OnPacketSent(PacketNumberSpace.ApplicationData, new SentPacket(pn, At(pn), 1200, true, true, (int)pn + 1000, EcnCodepoint.Ect0));
        }

        AckResult first = ld.OnAckReceived(PacketNumberSpace.ApplicationData, [new AckRange(0, 1)], TimeSpan.Zero, new EcnCounts(2, 0, 0), At(50), observer);
        Assert.False(first.EcnCongestion);
        Assert.Equal(12000 + 2400, cc.CongestionWindow);

        AckResult ce = ld.OnAckReceived(PacketNumberSpace.ApplicationData, [new AckRange(0, 2)], TimeSpan.Zero, new EcnCounts(2, 0, 1), At(60), observer);
        Assert.True(ce.EcnCongestion);
        Assert.Equal(0, ce.Lost);
        Assert.Equal(7200, cc.CongestionWindow); // halved; pn 2 was sent before recovery: no growth

        // The same CE count again is no new event.
        AckResult same = ld.OnAckReceived(PacketNumberSpace.ApplicationData, [new AckRange(0, 3)], TimeSpan.Zero, new EcnCounts(3, 0, 1), At(70), observer);
        Assert.False(same.EcnCongestion);
        Assert.Equal(7200, cc.CongestionWindow);
    }

    [Fact]
    public void Lost_and_discarded_packets_leave_bytes_in_flight()
    {
        var cc = new NewReno();
        cc.OnPacketSent(At(0), Packet(0));
        cc.OnPacketSent(At(0), Packet(0, 800));
        cc.OnPacketSent(At(0), new SentPacket(9, At(0), 500, false, false, 0));
        Assert.Equal(2000, cc.BytesInFlight);
        cc.OnPacketLost(At(1), Packet(0));
        cc.OnPacketDiscarded(Packet(0, 800));
        Assert.Equal(0, cc.BytesInFlight);
    }
}
