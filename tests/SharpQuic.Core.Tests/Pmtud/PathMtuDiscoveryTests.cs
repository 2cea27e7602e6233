using SharpQuic.Core.Connection;
using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Tests.Pmtud;

/// <summary>The DPLPMTUD state machine (RFC 8899 §5.2, RFC 9000 §14.3) on its own, against a path of a given limit.</summary>
public sealed class PathMtuDiscoveryTests
{
    private static readonly TimeSpan Pto = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Raise = TimeSpan.FromMinutes(10);

    [Theory]
    [InlineData(1452, 1252)]
    [InlineData(1452, 1472)]
    [InlineData(1452, 1452)]
    [InlineData(1452, 1451)]
    [InlineData(8972, 1472)]
    [InlineData(8972, 8972)]
    [InlineData(65527, 8972)]
    [InlineData(1452, 1200)]
    public void Search_ConvergesWithinGranularity_BelowTheLimit(int cap, int limit)
    {
        var d = new PathMtuDiscovery(1200, Raise);
        var now = Instant.Zero;
        d.Start(cap, now);
        Assert.Equal(PathMtuState.Searching, d.State);
        int probes = Drive(d, limit, ref now, maxProbes: 200);

        Assert.Equal(PathMtuState.SearchComplete, d.State);
        int expected = Math.Min(cap, limit);
        Assert.True(d.MaxDatagramSize <= expected, $"{d.MaxDatagramSize} above the path's {expected}");
        Assert.True(d.MaxDatagramSize > expected - PathMtuDiscovery.SearchGranularity || d.MaxDatagramSize == PathMtuDiscovery.BasePlpmtu,
            $"{d.MaxDatagramSize} not within {PathMtuDiscovery.SearchGranularity} of {expected}");
        Assert.Equal(probes, d.ProbesSent);
        Assert.Equal(d.ProbesSent, d.ProbesAcked + d.ProbesLost);

        // Every size refused costs MAX_PROBES probes (RFC 8899 §5.1.2).
        Assert.Equal(0, d.ProbesLost % PathMtuDiscovery.MaxProbes);
        Assert.Equal(d.SearchCompletedAt, now);
    }

    [Fact]
    public void CapReachable_OneProbeSuffices()
    {
        var d = new PathMtuDiscovery(1200, Raise);
        var now = Instant.Zero;
        d.Start(1452, now);
        Assert.True(d.TryGetProbeSize(now, 0, out int size, out bool changed));
        Assert.Equal(1452, size);
        Assert.False(changed);
        d.OnProbeSent(7, size, now, Pto);

        // One probe at a time (RFC 8899 §3 item 7).
        Assert.False(d.TryGetProbeSize(now, 0, out _, out _));
        Assert.True(d.OnPacketAcked(Packet(7, 1452), isProbe: true));
        Assert.Equal(1452, d.MaxDatagramSize);
        Assert.Equal(PathMtuState.SearchComplete, d.State);
    }

    [Fact]
    public void RandomLossOfOneProbe_DoesNotGiveUpTheSize()
    {
        var d = new PathMtuDiscovery(1200, Raise);
        var now = Instant.Zero;
        d.Start(1452, now);
        for (int attempt = 0; attempt < PathMtuDiscovery.MaxProbes - 1; attempt++)
        {
            Assert.True(d.TryGetProbeSize(now, 0, out int size, out _));
            Assert.Equal(1452, size);
            d.OnProbeSent((ulong)attempt, size, now, Pto);
            d.OnPacketLost(Packet((ulong)attempt, size), isProbe: true);
        }

        Assert.True(d.TryGetProbeSize(now, 0, out int again, out _));
        Assert.Equal(1452, again);
        d.OnProbeSent(10, again, now, Pto);
        Assert.True(d.OnPacketAcked(Packet(10, again), isProbe: true));
        Assert.Equal(1452, d.MaxDatagramSize);
    }

    [Fact]
    public void ProbeTimer_FailsTheProbe_LateAckStillCounts()
    {
        var d = new PathMtuDiscovery(1200, Raise);
        var now = Instant.Zero;
        d.Start(1452, now);
        Assert.True(d.TryGetProbeSize(now, 0, out int size, out _));
        d.OnProbeSent(3, size, now, Pto);
        Assert.Equal(now + Pto, d.NextTimeout);
        now += Pto;
        d.OnTimeout(now);
        Assert.Equal(1, d.ProbesLost);
        Assert.Null(d.NextTimeout);

        // The ACK arrives after the timer gave up: the size passed after all.
        Assert.True(d.OnPacketAcked(Packet(3, size), isProbe: true));
        Assert.Equal(1452, d.MaxDatagramSize);
    }

    [Fact]
    public void BlackHole_LossesOfLargePackets_FallBackToBase_ThenSearchAgain()
    {
        var d = Converged(1452, 1452, out Instant now);
        for (int i = 0; i <= PathMtuDiscovery.BlackHoleThreshold; i++)
        {
            // A small packet acknowledged in between proves nothing about large ones.
            d.OnPacketAcked(Data(100 + (ulong)i, 300), isProbe: false);
            d.OnPacketLost(Data(200 + (ulong)i, 1452), isProbe: false);
        }

        Assert.True(d.TryGetProbeSize(now, 0, out int size, out bool changed));
        Assert.True(changed);
        Assert.Equal(1200, d.MaxDatagramSize);
        Assert.Equal(PathMtuState.Base, d.State);
        Assert.Equal(1, d.BlackHolesDetected);

        // BASE is confirmed by a 1,200-byte probe, then the search starts over and finds the new limit.
        Assert.Equal(1200, size);
        d.OnProbeSent(300, size, now, Pto);
        Assert.False(d.OnPacketAcked(Packet(300, size), isProbe: true));
        Assert.Equal(PathMtuState.Searching, d.State);
        Drive(d, 1252, ref now, 100);
        Assert.InRange(d.MaxDatagramSize, 1252 - PathMtuDiscovery.SearchGranularity + 1, 1252);
    }

    [Fact]
    public void LargeAckBetweenLosses_IsNoBlackHole()
    {
        var d = Converged(1452, 1452, out Instant now);
        for (int i = 0; i < 4 * PathMtuDiscovery.BlackHoleThreshold; i++)
        {
            d.OnPacketLost(Data(200 + (ulong)i, 1452), isProbe: false);
            if (i % PathMtuDiscovery.BlackHoleThreshold == 0)
            {
                d.OnPacketAcked(Data(1000 + (ulong)i, 1452), isProbe: false);
            }
        }

        Assert.False(d.TryGetProbeSize(now, 0, out _, out bool changed));
        Assert.False(changed);
        Assert.Equal(1452, d.MaxDatagramSize);
    }

    [Fact]
    public void RepeatedPtos_FallBackToBase()
    {
        var d = Converged(1452, 1452, out Instant now);
        Assert.False(d.TryGetProbeSize(now, PathMtuDiscovery.BlackHolePtoCount - 1, out _, out bool early));
        Assert.False(early);
        Assert.True(d.TryGetProbeSize(now, PathMtuDiscovery.BlackHolePtoCount, out _, out bool changed));
        Assert.True(changed);
        Assert.Equal(1200, d.MaxDatagramSize);
    }

    [Fact]
    public void BaseRefused_EntersError_RetriesAfterRaiseInterval()
    {
        var d = Converged(1452, 1452, out Instant now);
        Assert.True(d.TryGetProbeSize(now, PathMtuDiscovery.BlackHolePtoCount, out _, out _));
        for (int i = 0; i < PathMtuDiscovery.MaxProbes; i++)
        {
            Assert.True(d.TryGetProbeSize(now, 0, out int size, out _));
            Assert.Equal(1200, size);
            d.OnProbeSent(50 + (ulong)i, size, now, Pto);
            now += Pto;
            d.OnTimeout(now);
        }

        Assert.Equal(PathMtuState.Error, d.State);
        Assert.Equal(1200, d.MaxDatagramSize);
        Assert.False(d.TryGetProbeSize(now, 0, out _, out _));
        Assert.Equal(now + Raise, d.NextTimeout);
        now += Raise;
        d.OnTimeout(now);
        Assert.Equal(PathMtuState.Base, d.State);
        Assert.True(d.TryGetProbeSize(now, 0, out int retry, out _));
        Assert.Equal(1200, retry);
    }

    [Fact]
    public void RaiseTimer_SearchesAgain_AndFindsALargerPath()
    {
        var d = Converged(1452, 1300, out Instant now);
        Assert.True(d.MaxDatagramSize <= 1300);
        Assert.Equal(now + Raise, d.NextTimeout);
        now += Raise;
        d.OnTimeout(now);
        Assert.Equal(PathMtuState.Searching, d.State);
        Drive(d, 1500, ref now, 50);
        Assert.Equal(1452, d.MaxDatagramSize);
    }

    [Fact]
    public void CapNotAboveCurrent_StaysDisabled()
    {
        var d = new PathMtuDiscovery(1200, Raise);
        d.Start(1200, Instant.Zero);
        Assert.Equal(PathMtuState.Disabled, d.State);
        Assert.False(d.TryGetProbeSize(Instant.Zero, 10, out _, out _));
    }

    private static PathMtuDiscovery Converged(int cap, int limit, out Instant now)
    {
        var d = new PathMtuDiscovery(1200, Raise);
        now = Instant.Zero;
        d.Start(cap, now);
        Drive(d, limit, ref now, 100);
        Assert.Equal(PathMtuState.SearchComplete, d.State);
        return d;
    }

    /// <summary>Answers probes as a path of <paramref name="limit"/> bytes would: ACK when they fit, silence (probe timer) when not.</summary>
    private static int Drive(PathMtuDiscovery d, int limit, ref Instant now, int maxProbes)
    {
        int sent = 0;
        ulong pn = 1000;
        while (d.TryGetProbeSize(now, 0, out int size, out _))
        {
            Assert.True(++sent <= maxProbes, "the search does not converge");
            Assert.True(size > d.MaxDatagramSize || d.State == PathMtuState.Base);
            d.OnProbeSent(++pn, size, now, Pto);
            now += TimeSpan.FromMilliseconds(20);
            if (size <= limit)
            {
                d.OnPacketAcked(Packet(pn, size), isProbe: true);
            }
            else
            {
                now += Pto;
                d.OnTimeout(now);
            }
        }

        return sent;
    }

    /// <summary>A probe as loss detection records it: not in flight.</summary>
    private static SentPacket Packet(ulong pn, int size) => new(pn, Instant.Zero, size, ackEliciting: false, inFlight: false, retransmitHandle: 0);

    /// <summary>An ordinary 1-RTT packet.</summary>
    private static SentPacket Data(ulong pn, int size) => new(pn, Instant.Zero, size, ackEliciting: true, inFlight: true, retransmitHandle: 0);
}
