using SharpQuic.Core.Recovery;
using static SharpQuic.Core.Tests.Recovery.Ms;

namespace SharpQuic.Core.Tests.Recovery;

/// <summary>RFC 9002 §5.</summary>
public sealed class RttEstimatorTests
{
    [Fact]
    public void Starts_from_the_initial_rtt_and_the_first_sample_resets_it()
    {
        var rtt = new RttEstimator();
        Assert.Equal(Span(333), rtt.SmoothedRtt);
        Assert.Equal(Span(166.5), rtt.RttVariation);
        Assert.False(rtt.HasSample);

        // §6.2.2: 333 ms gives a first PTO of about one second: 333 + 4·166.5 = 999 ms.
        Assert.Equal(Span(999), rtt.ProbeTimeout(includeMaxAckDelay: false));

        // §5.3: first sample: smoothed = sample, rttvar = sample / 2, min = sample; ack delay unused.
        rtt.Update(At(1000), Span(100), ackDelay: Span(40), handshakeConfirmed: true);
        Assert.Equal(Span(100), rtt.SmoothedRtt);
        Assert.Equal(Span(50), rtt.RttVariation);
        Assert.Equal(Span(100), rtt.MinRtt);
        Assert.Equal(Span(100), rtt.LatestRtt);
        Assert.Equal(At(1000), rtt.FirstSampleTime);
    }

    [Fact]
    public void Subsequent_samples_follow_the_ewma_formulas()
    {
        var rtt = new RttEstimator(Span(50));
        rtt.Update(At(0), Span(100), TimeSpan.Zero, handshakeConfirmed: true);

        // Appendix A.7: rttvar = 3/4·50 + 1/4·|100 - 140| = 47.5; smoothed = 7/8·100 + 1/8·140 = 105.
        rtt.Update(At(10), Span(140), TimeSpan.Zero, handshakeConfirmed: true);
        Assert.Equal(Span(105), rtt.SmoothedRtt);
        Assert.Equal(Span(47.5), rtt.RttVariation);
        Assert.Equal(Span(100), rtt.MinRtt);

        // A lower sample lowers min_rtt; rttvar = 3/4·47.5 + 1/4·|105 - 81| = 41.625;
        // smoothed = 7/8·105 + 1/8·81 = 102.
        rtt.Update(At(20), Span(81), TimeSpan.Zero, handshakeConfirmed: true);
        Assert.Equal(Span(102), rtt.SmoothedRtt);
        Assert.Equal(Span(41.625), rtt.RttVariation);
        Assert.Equal(Span(81), rtt.MinRtt);
    }

    [Fact]
    public void Ack_delay_is_capped_by_max_ack_delay_only_after_confirmation()
    {
        var before = new RttEstimator();
        var after = new RttEstimator();
        before.MaxAckDelay = after.MaxAckDelay = Span(25);
        before.Update(At(0), Span(100), TimeSpan.Zero, handshakeConfirmed: false);
        after.Update(At(0), Span(100), TimeSpan.Zero, handshakeConfirmed: true);

        // latest 200, delay 80. Unconfirmed: adjusted = 120 (delay used in full).
        before.Update(At(1), Span(200), Span(80), handshakeConfirmed: false);
        Assert.Equal(Span((7 * 100 + 120) / 8.0), before.SmoothedRtt);

        // Confirmed: delay capped at 25, adjusted = 175.
        after.Update(At(1), Span(200), Span(80), handshakeConfirmed: true);
        Assert.Equal(Span((7 * 100 + 175) / 8.0), after.SmoothedRtt);
        Assert.Equal(Span((3 * 50 + 75) / 4.0), after.RttVariation);
    }

    [Fact]
    public void Ack_delay_is_not_subtracted_below_min_rtt_and_never_lowers_min_rtt()
    {
        var rtt = new RttEstimator();
        rtt.Update(At(0), Span(100), TimeSpan.Zero, handshakeConfirmed: false);

        // 110 - 20 = 90 < min_rtt 100: the sample is used unadjusted.
        rtt.Update(At(1), Span(110), Span(20), handshakeConfirmed: false);
        Assert.Equal(Span((7 * 100 + 110) / 8.0), rtt.SmoothedRtt);
        Assert.Equal(Span(100), rtt.MinRtt);

        // 130 - 20 = 110 ≥ 100: adjusted; min_rtt stays at the raw minimum.
        TimeSpan smoothed = rtt.SmoothedRtt;
        rtt.Update(At(2), Span(130), Span(20), handshakeConfirmed: false);
        Assert.Equal(TimeSpan.FromTicks(((7 * smoothed.Ticks) + Span(110).Ticks) / 8), rtt.SmoothedRtt);
        Assert.Equal(Span(100), rtt.MinRtt);
    }

    [Fact]
    public void Loss_delay_and_pto_follow_their_definitions()
    {
        var rtt = new RttEstimator();
        rtt.MaxAckDelay = Span(25);
        rtt.Update(At(0), Span(80), TimeSpan.Zero, handshakeConfirmed: true);

        // §6.1.2: 9/8 · max(smoothed 80, latest 80) = 90 ms.
        Assert.Equal(Span(90), rtt.LossDelay);

        // §6.2.1: 80 + 4·40 (+ 25 for ApplicationData).
        Assert.Equal(Span(240), rtt.ProbeTimeout(false));
        Assert.Equal(Span(265), rtt.ProbeTimeout(true));
        Assert.Equal(Span(265 * 3), rtt.PersistentCongestionDuration);

        // Tiny RTTs: the loss delay and the variance term floor at kGranularity.
        var tiny = new RttEstimator(Span(0.1));
        tiny.Update(At(0), Span(0.1), TimeSpan.Zero, true);
        Assert.Equal(Span(1), tiny.LossDelay);
        Assert.Equal(Span(1.1), tiny.ProbeTimeout(false));
    }

    [Fact]
    public void Reset_min_rtt_takes_the_latest_sample()
    {
        var rtt = new RttEstimator();
        rtt.Update(At(0), Span(50), TimeSpan.Zero, true);
        rtt.Update(At(1), Span(300), TimeSpan.Zero, true);
        Assert.Equal(Span(50), rtt.MinRtt);
        rtt.ResetMinRtt();
        Assert.Equal(Span(300), rtt.MinRtt);
        rtt.Reset();
        Assert.False(rtt.HasSample);
        Assert.Equal(Span(333), rtt.SmoothedRtt);
    }
}
