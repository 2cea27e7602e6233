using SharpQuic.Core.Recovery;
using static SharpQuic.Core.Tests.Recovery.LossDetectionTests;
using static SharpQuic.Core.Tests.Recovery.Ms;

namespace SharpQuic.Core.Tests.Recovery;

/// <summary>RFC 9002 §7.6 persistent congestion.</summary>
public sealed class PersistentCongestionTests
{
    private const PacketNumberSpace App = PacketNumberSpace.ApplicationData;

    // With smoothed 100 ms, rttvar 50 ms and max_ack_delay 25 ms: (100 + 200 + 25) · 3 = 975 ms.
    private const double Duration = 975;

    private readonly RecordingObserver _observer = new();

    /// <summary>
    /// Loses two ack-eliciting packets sent <paramref name="spacing"/> ms apart (pn 1 and 2), by
    /// packet threshold, through an ACK of a non-ack-eliciting packet that takes no RTT sample.
    /// </summary>
    private AckResult LoseTwo(LossDetection ld, double first, double spacing, bool ackPacketBetween = false)
    {
        Send(ld, App, 1, At(first));
        Send(ld, App, 2, At(first + (spacing / 2)), ackEliciting: false);
        Send(ld, App, 3, At(first + spacing));
        for (ulong pn = 4; pn <= 6; pn++)
        {
            Send(ld, App, pn, At(first + spacing + 1), ackEliciting: false, inFlight: false); // ACK-only
        }

        return ackPacketBetween
            ? Ack(ld, App, At(first + spacing + 2), _observer, (6, 6), (2, 2))
            : Ack(ld, App, At(first + spacing + 2), _observer, (6, 6));
    }

    [Fact]
    public void The_rtt_gives_the_expected_duration()
    {
        LossDetection ld = WithSample(_observer);
        Assert.Equal(Span(Duration), ld.Rtt.PersistentCongestionDuration);
    }

    [Fact]
    public void Established_exactly_at_the_duration()
    {
        var cc = new NewReno();
        LossDetection ld = WithSample(_observer, cc);
        ld.Rtt.Update(At(100), Span(300), TimeSpan.Zero, true); // raise latest_rtt to see min_rtt reset
        ld.Rtt.Update(At(100), Span(100), TimeSpan.Zero, true);
        var expected = ld.Rtt.PersistentCongestionDuration;
        AckResult result = LoseTwoWithDuration(ld, expected);
        Assert.Equal([1UL, 2, 3], _observer.LostNumbers());
        Assert.True(result.PersistentCongestion);
        Assert.Equal(cc.MinimumWindow, cc.CongestionWindow);
        Assert.True(cc.InSlowStart);
    }

    [Fact]
    public void Not_established_one_microsecond_below_the_duration()
    {
        var cc = new NewReno();
        LossDetection ld = WithSample(_observer, cc);
        AckResult result = LoseTwoWithDuration(ld, ld.Rtt.PersistentCongestionDuration - TimeSpan.FromMicroseconds(1));
        Assert.Equal(3, result.Lost);
        Assert.False(result.PersistentCongestion);
        Assert.True(cc.CongestionWindow > cc.MinimumWindow);
    }

    [Fact]
    public void Needs_an_rtt_sample_before_the_lost_packets_were_sent()
    {
        var cc = new NewReno();
        var ld = new LossDetection(isServer: true, cc);
        ld.OnHandshakeConfirmed(At(0));

        // No sample: even losses far more than the (initial-RTT) duration apart do not count.
        AckResult result = LoseTwo(ld, first: 0, spacing: 10 * 3072);
        Assert.True(result.Lost >= 2);
        Assert.False(result.PersistentCongestion);
        Assert.True(cc.CongestionWindow > cc.MinimumWindow);
    }

    [Fact]
    public void An_acknowledged_packet_between_the_losses_prevents_it()
    {
        LossDetection ld = WithSample(_observer);
        AckResult result = LoseTwo(ld, first: 200, spacing: 2 * Duration, ackPacketBetween: true);
        Assert.Equal([1UL, 3], _observer.LostNumbers());
        Assert.False(result.PersistentCongestion);

        RecordingObserver other = new();
        LossDetection control = WithSample(other);
        Assert.True(LoseTwoControl(control, other).PersistentCongestion);
    }

    [Fact]
    public void Min_rtt_is_reset_to_the_latest_sample_after_persistent_congestion()
    {
        var cc = new NewReno();
        LossDetection ld = WithSample(_observer, cc);
        ld.Rtt.Update(At(100), Span(150), TimeSpan.Zero, true);
        Assert.Equal(Span(100), ld.Rtt.MinRtt);
        Assert.True(LoseTwoWithDuration(ld, TimeSpan.FromSeconds(10)).PersistentCongestion);
        Assert.Equal(Span(150), ld.Rtt.MinRtt);
    }

    private AckResult LoseTwoWithDuration(LossDetection ld, TimeSpan spacing) =>
        LoseTwo(ld, first: 200, spacing: spacing.Ticks / (double)TimeSpan.TicksPerMillisecond);

    private AckResult LoseTwoControl(LossDetection ld, RecordingObserver observer)
    {
        Send(ld, App, 1, At(200));
        Send(ld, App, 2, At(200 + Duration), ackEliciting: false);
        Send(ld, App, 3, At(200 + (2 * Duration)));
        for (ulong pn = 4; pn <= 6; pn++)
        {
            Send(ld, App, pn, At(201 + (2 * Duration)), ackEliciting: false, inFlight: false);
        }

        return Ack(ld, App, At(202 + (2 * Duration)), observer, (6, 6));
    }
}
