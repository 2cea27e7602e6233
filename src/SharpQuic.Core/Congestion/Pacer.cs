using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Congestion;

/// <summary>
/// A token-bucket pacer (RFC 9002 §7.7): packets leave at N · cwnd / smoothed_rtt, with bursts up
/// to <see cref="BurstCapacity"/> bytes so GSO batches still form. Sans-IO and allocation-free:
/// every call takes the current <see cref="Instant"/>.
/// </summary>
/// <remarks>
/// Call order: <see cref="UpdateRate(Instant, ICongestionController, RttEstimator)"/> whenever the
/// window or smoothed_rtt may have changed (after ACK processing); <see cref="TimeUntilSend"/> before
/// building a packet (zero: send now; otherwise arm a timer for that long); <see cref="OnPacketSent"/>
/// after each packet. Until the first RTT sample there is no rate: the pacer never delays, the
/// initial window alone bounds the first flight (§7.7), and the bucket stays full so the first
/// paced round may start with a burst.
/// </remarks>
public sealed class Pacer
{
    /// <summary>N in congestion avoidance (RFC 9002 §7.7 suggests 1.25).</summary>
    public const double RateMultiplier = 1.25;

    /// <summary>N in slow start, where the window doubles per round trip.</summary>
    public const double SlowStartRateMultiplier = 2.0;

    /// <summary>The default burst, in packets of max_datagram_size (the initial window's ten).</summary>
    public const int DefaultBurstPackets = 10;

    private readonly int _burstPackets;
    private double _bytesPerMicrosecond;
    private double _tokens;
    private Instant _lastUpdate;
    private bool _hasLastUpdate;

    /// <summary>Creates a pacer with no rate yet and a full bucket.</summary>
    /// <param name="maxDatagramSize">The path's max_datagram_size.</param>
    /// <param name="burstPackets">The bucket size in packets of <paramref name="maxDatagramSize"/>.</param>
    /// <param name="fasterInSlowStart">Whether N is <see cref="SlowStartRateMultiplier"/> while the controller is in slow start.</param>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 1200 bytes or the burst below one packet.</exception>
    public Pacer(int maxDatagramSize = RecoveryConstants.MinimumMaxDatagramSize, int burstPackets = DefaultBurstPackets, bool fasterInSlowStart = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDatagramSize, RecoveryConstants.MinimumMaxDatagramSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(burstPackets, 1);
        _burstPackets = burstPackets;
        FasterInSlowStart = fasterInSlowStart;
        MaxDatagramSize = maxDatagramSize;
        _tokens = BurstCapacity;
    }

    /// <summary>The max_datagram_size the burst is sized from.</summary>
    public int MaxDatagramSize { get; private set; }

    /// <summary>The bucket size in bytes: the most that may leave back to back.</summary>
    public long BurstCapacity => (long)_burstPackets * MaxDatagramSize;

    /// <summary>Whether N is raised in slow start.</summary>
    public bool FasterInSlowStart { get; }

    /// <summary>Whether a rate is known (an RTT sample exists); without one the pacer never delays.</summary>
    public bool IsPacing => _bytesPerMicrosecond > 0;

    /// <summary>The pacing rate in bytes per second (0 when not pacing).</summary>
    public double RateBytesPerSecond => _bytesPerMicrosecond * 1_000_000;

    /// <summary>
    /// Sets the rate to N · <paramref name="congestionWindow"/> / <paramref name="smoothedRtt"/>;
    /// a non-positive RTT or window means "unknown": no pacing.
    /// </summary>
    public void UpdateRate(Instant now, long congestionWindow, TimeSpan smoothedRtt, bool inSlowStart = false)
    {
        // Tokens earned so far are earned at the old rate.
        Refill(now);
        long rttMicros = smoothedRtt.Ticks / TimeSpan.TicksPerMicrosecond;
        if (rttMicros <= 0 || congestionWindow <= 0)
        {
            _bytesPerMicrosecond = 0;
            _tokens = BurstCapacity;
            return;
        }

        double n = inSlowStart && FasterInSlowStart ? SlowStartRateMultiplier : RateMultiplier;
        _bytesPerMicrosecond = n * congestionWindow / rttMicros;
    }

    /// <summary>Takes the rate from <paramref name="controller"/>'s window and <paramref name="rtt"/>'s smoothed_rtt (none before the first sample).</summary>
    public void UpdateRate(Instant now, ICongestionController controller, RttEstimator rtt)
    {
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(rtt);
        bool slowStart = controller switch
        {
            Cubic cubic => cubic.InSlowStart,
            NewReno reno => reno.InSlowStart,
            _ => false,
        };
        UpdateRate(now, controller.CongestionWindow, rtt.HasSample ? rtt.SmoothedRtt : TimeSpan.Zero, slowStart);
    }

    /// <summary>
    /// How long to wait before <paramref name="bytes"/> may be sent: zero when the bucket holds
    /// them (or, for a packet larger than the bucket, when the bucket is full).
    /// </summary>
    public TimeSpan TimeUntilSend(Instant now, int bytes)
    {
        if (_bytesPerMicrosecond <= 0)
        {
            return TimeSpan.Zero;
        }

        double needed = Math.Min(bytes, BurstCapacity);
        double missing = needed - TokensAt(now);
        if (missing <= 0)
        {
            return TimeSpan.Zero;
        }

        // Round up to whole microseconds; the epsilon keeps exact quotients from gaining one.
        double micros = Math.Ceiling((missing / _bytesPerMicrosecond) - 1e-6);
        return TimeSpan.FromMicroseconds(Math.Max(1, (long)micros));
    }

    /// <summary>The instant at which <paramref name="bytes"/> may be sent.</summary>
    public Instant NextSendTime(Instant now, int bytes) => now + TimeUntilSend(now, bytes);

    /// <summary>A packet of <paramref name="bytes"/> was sent: take its tokens.</summary>
    public void OnPacketSent(Instant now, int bytes)
    {
        Refill(now);
        if (_bytesPerMicrosecond <= 0)
        {
            return;
        }

        // A packet sent regardless (a probe, RFC 9002 §7.5) runs the bucket into debt, bounded
        // so one stray send cannot stall the path for long.
        _tokens = Math.Max(_tokens - bytes, -BurstCapacity);
    }

    /// <summary>The path's max_datagram_size changed: the burst is resized.</summary>
    public void OnMaxDatagramSizeChanged(int maxDatagramSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDatagramSize, RecoveryConstants.MinimumMaxDatagramSize);
        MaxDatagramSize = maxDatagramSize;
        _tokens = Math.Min(_tokens, BurstCapacity);
    }

    private double TokensAt(Instant now)
    {
        if (_bytesPerMicrosecond <= 0 || !_hasLastUpdate)
        {
            return _tokens;
        }

        long elapsed = Math.Max(0, now.Microseconds - _lastUpdate.Microseconds);
        return Math.Min(BurstCapacity, _tokens + (elapsed * _bytesPerMicrosecond));
    }

    private void Refill(Instant now)
    {
        _tokens = TokensAt(now);
        if (!_hasLastUpdate || now > _lastUpdate)
        {
            _lastUpdate = now;
            _hasLastUpdate = true;
        }
    }
}
