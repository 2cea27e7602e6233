using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Congestion;

/// <summary>
/// The connection's use of a <see cref="Pacer"/> (RFC 9002 §7.7): asked before a packet of new data
/// is built, told of every in-flight datagram sent, and holding the instant at which data held back
/// may go (the connection's pacing timer). Sans-IO, allocation-free, and cheap when nothing changed:
/// the rate is only recomputed when the window, smoothed_rtt or the slow-start state moved.
/// </summary>
/// <remarks>
/// Only congestion-controlled data waits here. ACK-only packets, PTO probes and CONNECTION_CLOSE
/// never ask (they are not paced, §7.7 and §6.2.4), but probes still take tokens when they are in
/// flight, so the bucket reflects what really left.
/// </remarks>
internal sealed class PacingGate
{
    private readonly Pacer _pacer;
    private long _lastWindow = -1;
    private TimeSpan _lastRtt = TimeSpan.MinValue;
    private bool _lastSlowStart;

    /// <summary>Creates a gate with a fresh pacer (full bucket, no rate until the first RTT sample).</summary>
    /// <param name="maxDatagramSize">The path's max_datagram_size.</param>
    /// <param name="burstPackets">Datagrams that may leave back to back (sized for a GSO batch).</param>
    public PacingGate(int maxDatagramSize, int burstPackets = Pacer.DefaultBurstPackets)
    {
        _pacer = new Pacer(maxDatagramSize, burstPackets);
    }

    /// <summary>The pacer (rate and bucket, for tests and tracing).</summary>
    public Pacer Pacer => _pacer;

    /// <summary>When data held back by the pacer may go; null when nothing is held back.</summary>
    public Instant? ReleaseTime { get; private set; }

    /// <summary>Datagrams of data held back so far (a diagnostic counter).</summary>
    public long HeldBack { get; private set; }

    /// <summary>
    /// Whether a datagram of <paramref name="bytes"/> new data may leave at <paramref name="now"/>.
    /// When not, <see cref="ReleaseTime"/> says when it may (always after <paramref name="now"/>).
    /// </summary>
    public bool TryAllow(Instant now, int bytes, ICongestionController controller, RttEstimator rtt)
    {
        RefreshRate(now, controller, rtt);
        TimeSpan wait = _pacer.TimeUntilSend(now, bytes);
        if (wait <= TimeSpan.Zero)
        {
            ReleaseTime = null;
            return true;
        }

        ReleaseTime = now + wait;
        HeldBack++;
        return false;
    }

    /// <summary>An in-flight datagram (or packet) of <paramref name="bytes"/> left: take its tokens.</summary>
    public void OnSent(Instant now, int bytes) => _pacer.OnPacketSent(now, bytes);

    /// <summary>The pacing timer fired: data held back may be tried again.</summary>
    public void OnTimeout(Instant now)
    {
        if (ReleaseTime is Instant release && release <= now)
        {
            ReleaseTime = null;
        }
    }

    /// <summary>The path's max_datagram_size changed: the burst is resized.</summary>
    public void OnMaxDatagramSizeChanged(int maxDatagramSize) => _pacer.OnMaxDatagramSizeChanged(maxDatagramSize);

    private void RefreshRate(Instant now, ICongestionController controller, RttEstimator rtt)
    {
        long window = controller.CongestionWindow;
        TimeSpan smoothed = rtt.HasSample ? rtt.SmoothedRtt : TimeSpan.Zero;
        bool slowStart = controller switch
        {
            Cubic cubic => cubic.InSlowStart,
            NewReno reno => reno.InSlowStart,
            _ => false,
        };
        if (window == _lastWindow && smoothed == _lastRtt && slowStart == _lastSlowStart)
        {
            return;
        }

        _lastWindow = window;
        _lastRtt = smoothed;
        _lastSlowStart = slowStart;
        _pacer.UpdateRate(now, window, smoothed, slowStart);
    }
}
