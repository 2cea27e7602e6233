namespace SharpQuic.Core.Recovery;

/// <summary>
/// The path's round-trip time estimate (RFC 9002 §5): latest_rtt, min_rtt, smoothed_rtt and
/// rttvar. Fed by <see cref="LossDetection"/> with one sample per ACK frame that newly
/// acknowledges its largest packet and at least one ack-eliciting packet (§5.1).
/// </summary>
/// <remarks>
/// Call order: <see cref="Update"/> for each sample; <see cref="MaxAckDelay"/> is set when the
/// peer's transport parameters arrive; <see cref="ResetMinRtt"/> after persistent congestion;
/// <see cref="Reset"/> for a new path.
/// </remarks>
public sealed class RttEstimator
{
    private TimeSpan _smoothed;
    private TimeSpan _variation;

    /// <summary>Creates an estimator that starts from <paramref name="initialRtt"/> (kInitialRtt, RFC 9002 §6.2.2).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The initial RTT is not positive.</exception>
    public RttEstimator(TimeSpan initialRtt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initialRtt, TimeSpan.Zero);
        InitialRtt = initialRtt;
        Reset();
    }

    /// <summary>Creates an estimator with the recommended initial RTT of 333 ms.</summary>
    public RttEstimator()
        : this(RecoveryConstants.InitialRtt)
    {
    }

    /// <summary>The RTT assumed before the first sample.</summary>
    public TimeSpan InitialRtt { get; }

    /// <summary>The peer's max_ack_delay transport parameter (RFC 9000 §18.2); 25 ms until told otherwise.</summary>
    public TimeSpan MaxAckDelay { get; set; } = RecoveryConstants.DefaultMaxAckDelay;

    /// <summary>The most recent sample, unadjusted for ack delay (zero before the first).</summary>
    public TimeSpan LatestRtt { get; private set; }

    /// <summary>The smallest sample seen, never adjusted for ack delay (RFC 9002 §5.2); zero before the first.</summary>
    public TimeSpan MinRtt { get; private set; }

    /// <summary>smoothed_rtt (RFC 9002 §5.3).</summary>
    public TimeSpan SmoothedRtt => _smoothed;

    /// <summary>rttvar, the mean deviation of the samples (RFC 9002 §5.3).</summary>
    public TimeSpan RttVariation => _variation;

    /// <summary>When the first sample was taken (first_rtt_sample), or null before it.</summary>
    public Instant? FirstSampleTime { get; private set; }

    /// <summary>Whether at least one sample was taken.</summary>
    public bool HasSample => FirstSampleTime.HasValue;

    /// <summary>
    /// Samples taken so far. RFC 9002 §5.1 takes at most one per ACK frame, so a change tells congestion
    /// controllers that a new ACK frame arrived even when several arrive at one instant (a receive batch).
    /// </summary>
    public long SampleCount { get; private set; }

    /// <summary>
    /// smoothed_rtt + max(4·rttvar, kGranularity), plus max_ack_delay when asked: the PTO period
    /// before backoff (RFC 9002 §6.2.1). Never below kGranularity.
    /// </summary>
    public TimeSpan ProbeTimeout(bool includeMaxAckDelay)
    {
        TimeSpan variation = TimeSpan.FromTicks(Math.Max(4 * _variation.Ticks, RecoveryConstants.Granularity.Ticks));
        TimeSpan pto = _smoothed + variation;
        if (includeMaxAckDelay)
        {
            pto += MaxAckDelay;
        }

        return pto < RecoveryConstants.Granularity ? RecoveryConstants.Granularity : pto;
    }

    /// <summary>
    /// The persistent congestion duration (RFC 9002 §7.6.1): the PTO period with max_ack_delay
    /// whatever the space, times kPersistentCongestionThreshold.
    /// </summary>
    public TimeSpan PersistentCongestionDuration => ProbeTimeout(includeMaxAckDelay: true) * RecoveryConstants.PersistentCongestionThreshold;

    /// <summary>
    /// The time threshold for loss (RFC 9002 §6.1.2): max(9/8 · max(smoothed_rtt, latest_rtt), kGranularity).
    /// </summary>
    public TimeSpan LossDelay
    {
        get
        {
            long rtt = Math.Max(_smoothed.Ticks, LatestRtt.Ticks);
            long delay = rtt * RecoveryConstants.TimeThresholdNumerator / RecoveryConstants.TimeThresholdDenominator;
            return TimeSpan.FromTicks(Math.Max(delay, RecoveryConstants.Granularity.Ticks));
        }
    }

    /// <summary>
    /// Adds a sample (RFC 9002 §5, Appendix A.7 UpdateRtt). <paramref name="ackDelay"/> is the
    /// peer's decoded ACK Delay (the caller passes zero for Initial packets, which are not
    /// delayed, §5.3); after handshake confirmation it is capped at <see cref="MaxAckDelay"/>.
    /// </summary>
    public void Update(Instant now, TimeSpan latestRtt, TimeSpan ackDelay, bool handshakeConfirmed)
    {
        SampleCount++;
        // A sample can only be negative when the driver's clock went backwards; treat it as zero.
        LatestRtt = latestRtt < TimeSpan.Zero ? TimeSpan.Zero : latestRtt;
        if (ackDelay < TimeSpan.Zero)
        {
            ackDelay = TimeSpan.Zero;
        }

        if (!FirstSampleTime.HasValue)
        {
            // §5.3: the first sample resets the estimator; no history survives.
            MinRtt = LatestRtt;
            _smoothed = LatestRtt;
            _variation = LatestRtt / 2;
            FirstSampleTime = now;
            return;
        }

        // §5.2: min_rtt uses local observations only, never the peer's ack delay.
        if (LatestRtt < MinRtt)
        {
            MinRtt = LatestRtt;
        }

        // §5.3: max_ack_delay is ignored until the handshake is confirmed, then caps the delay.
        if (handshakeConfirmed && ackDelay > MaxAckDelay)
        {
            ackDelay = MaxAckDelay;
        }

        // §5.3: subtract the delay only while the result stays at or above min_rtt.
        TimeSpan adjusted = LatestRtt;
        if (LatestRtt >= MinRtt + ackDelay)
        {
            adjusted = LatestRtt - ackDelay;
        }

        // The order of Appendix A.7 (and RFC 6298 §2.3): rttvar uses the smoothed_rtt from
        // before this sample. (§5.3's prose updates smoothed_rtt first; the appendix order is
        // the one RFC 6298 defines and the one implementations agree on.)
        long deviation = Math.Abs(_smoothed.Ticks - adjusted.Ticks);
        _variation = TimeSpan.FromTicks(((3 * _variation.Ticks) + deviation) / 4);
        _smoothed = TimeSpan.FromTicks(((7 * _smoothed.Ticks) + adjusted.Ticks) / 8);
    }

    /// <summary>
    /// Sets min_rtt to the latest sample, as RFC 9002 §5.2 recommends after persistent
    /// congestion, so a higher path RTT is not mistaken for persistent congestion again.
    /// </summary>
    public void ResetMinRtt()
    {
        if (FirstSampleTime.HasValue)
        {
            MinRtt = LatestRtt;
        }
    }

    /// <summary>Returns to the initial state (RFC 9002 §5.3, a new path: RFC 9000 §9.4).</summary>
    public void Reset()
    {
        LatestRtt = TimeSpan.Zero;
        MinRtt = TimeSpan.Zero;
        _smoothed = InitialRtt;
        _variation = InitialRtt / 2;
        FirstSampleTime = null;
    }
}
