using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Congestion;

/// <summary>
/// The CUBIC congestion controller (RFC 9438) with HyStart++ (RFC 9406) in the initial slow
/// start: after a congestion event the window follows W_cubic(t) = C·(t−K)³ + W_max (concave
/// below the last maximum, convex above it), never slower than the Reno-friendly estimate W_est.
/// A drop-in <see cref="ICongestionController"/> driven by <see cref="LossDetection"/>.
/// </summary>
/// <remarks>
/// Windows are kept in bytes; the cubic function is evaluated in segments of
/// <see cref="MaxDatagramSize"/> and seconds, in doubles (RFC 9438 §4.1 notation). Fractional
/// growth is carried over between acknowledgments, so small per-ACK increments are not lost.
/// Spurious-loss undo (§4.9) is not implemented: the reduction stands.
/// </remarks>
public sealed class Cubic : ICongestionController
{
    /// <summary>C (RFC 9438 §5.1), in segments per second cubed.</summary>
    public const double CubicC = 0.4;

    /// <summary>β_cubic, the multiplicative decrease factor (RFC 9438 §4.6).</summary>
    public const double BetaCubic = 0.7;

    /// <summary>α_cubic = 3(1 − β)/(1 + β), the Reno-friendly additive increase (RFC 9438 §4.3).</summary>
    public const double AlphaCubic = 3 * (1 - BetaCubic) / (1 + BetaCubic);

    /// <summary>The per-RTT growth bound: target at most 1.5 · cwnd (RFC 9438 §4.2).</summary>
    private const double MaxGrowthPerRtt = 1.5;

    /// <summary>L (RFC 9406 §4.2): slow-start growth per ACK, in segments, for a sender that does not pace.</summary>
    private const int UnpacedAckGrowthSegments = 8;

    private readonly HyStartPlusPlus? _hyStart;
    private long _window;
    private long _bytesInFlight;
    private bool _inRecoveryEpoch;
    private Instant _recoveryStart;

    // The congestion avoidance epoch (RFC 9438 §4.2): all in bytes except K in seconds.
    private bool _inEpoch;
    private Instant _epochStart;
    private double _wMax;
    private double _k;
    private double _wEst;
    private double _cwndPrior;
    private double _pendingGrowth;
    private long _cssRemainder;

    // RFC 9406 §4.2's per-ACK limit L, for unpaced senders: growth so far for the ACK frame being
    // processed (acknowledgments at one instant with one RTT sample come from one frame).
    private Instant _growthAckTime;
    private long _growthThisAck;
    private long _growthAckSample;

    // RFC 9438 §5.8: the epoch is frozen while the sender is not cwnd-limited.
    private bool _appLimitedFrozen;
    private Instant _appLimitedSince;

    /// <summary>Creates a controller in slow start with the initial window for <paramref name="maxDatagramSize"/>.</summary>
    /// <param name="maxDatagramSize">The path's max_datagram_size.</param>
    /// <param name="hyStart">Whether the initial slow start uses HyStart++ (RFC 9406).</param>
    /// <param name="fastConvergence">Whether fast convergence (RFC 9438 §4.7) lowers W_max after successive losses.</param>
    /// <param name="paced">Whether the sender paces (<see cref="Pacer"/>); when not, slow start grows by at most
    /// L = 8 segments per ACK frame (RFC 9406 §4.2).</param>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 1200 bytes.</exception>
    public Cubic(int maxDatagramSize = RecoveryConstants.MinimumMaxDatagramSize, bool hyStart = true, bool fastConvergence = true, bool paced = true)
    {
        Paced = paced;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDatagramSize, RecoveryConstants.MinimumMaxDatagramSize);
        MaxDatagramSize = maxDatagramSize;
        FastConvergence = fastConvergence;
        _hyStart = hyStart ? new HyStartPlusPlus() : null;
        _window = InitialWindow;
        SlowStartThreshold = long.MaxValue;
    }

    /// <inheritdoc/>
    public long CongestionWindow => _window;

    /// <inheritdoc/>
    public long BytesInFlight => _bytesInFlight;

    /// <inheritdoc/>
    public int MaxDatagramSize { get; private set; }

    /// <inheritdoc/>
    public bool IsAppLimited { get; set; }

    /// <summary>Whether the sender paces; when not, slow start is limited to L segments per ACK frame.</summary>
    public bool Paced { get; }

    /// <summary>Whether fast convergence (RFC 9438 §4.7) is on.</summary>
    public bool FastConvergence { get; }

    /// <summary>ssthresh: slow start below it, congestion avoidance at or above (infinite at first).</summary>
    public long SlowStartThreshold { get; private set; }

    /// <summary>The initial window, as NewReno: min(10 · mds, max(14 720, 2 · mds)) (RFC 9002 §7.2).</summary>
    public long InitialWindow => Math.Min(10L * MaxDatagramSize, Math.Max(14720L, 2L * MaxDatagramSize));

    /// <summary>kMinimumWindow (RFC 9002 §7.2): 2 · max_datagram_size.</summary>
    public long MinimumWindow => 2L * MaxDatagramSize;

    /// <summary>Whether the window is below ssthresh.</summary>
    public bool InSlowStart => _window < SlowStartThreshold;

    /// <summary>HyStart++'s phase: <see cref="SlowStartPhase.Done"/> once the initial slow start is over or when disabled.</summary>
    public SlowStartPhase SlowStartPhase => _hyStart?.Phase ?? SlowStartPhase.Done;

    /// <summary>W_max in bytes: the window just before the last reduction (lowered by fast convergence).</summary>
    public double MaxWindowBeforeReduction => _wMax;

    /// <summary>K in seconds: when W_cubic returns to W_max in the current epoch (0 before any).</summary>
    public double K => _k;

    /// <summary>The Reno-friendly estimate W_est in bytes (RFC 9438 §4.3).</summary>
    public double RenoFriendlyWindow => _wEst;

    /// <summary>When the current congestion avoidance epoch started (shifted by app-limited periods), or null.</summary>
    public Instant? EpochStart => _inEpoch ? _epochStart : null;

    /// <summary>When the current recovery period began, or null.</summary>
    public Instant? RecoveryStartTime => _inRecoveryEpoch ? _recoveryStart : null;

    /// <summary>
    /// W_cubic(t) = C·(t − K)³ + W_max (RFC 9438 §4.2), all in segments and seconds.
    /// </summary>
    public static double CubicWindow(double t, double k, double wMax) => (CubicC * (t - k) * (t - k) * (t - k)) + wMax;

    /// <summary>K = ∛((W_max − cwnd_epoch)/C) (RFC 9438 §4.2), in seconds, from segments.</summary>
    public static double ComputeK(double wMax, double cwndEpoch) => wMax <= cwndEpoch ? 0 : Math.Cbrt((wMax - cwndEpoch) / CubicC);

    /// <inheritdoc/>
    public bool CanSend(int bytes) => _bytesInFlight + bytes <= _window;

    /// <inheritdoc/>
    public void OnPacketSent(Instant now, in SentPacket packet)
    {
        if (!packet.InFlight)
        {
            return;
        }

        _bytesInFlight += packet.Size;
        if (_hyStart is not null && InSlowStart)
        {
            _hyStart.OnPacketSent(packet.PacketNumber);
        }
    }

    /// <inheritdoc/>
    public void OnPacketAcked(Instant now, in SentPacket packet, RttEstimator rtt)
    {
        ArgumentNullException.ThrowIfNull(rtt);
        if (!packet.InFlight)
        {
            return;
        }

        RemoveFromFlight(packet.Size);

        // RFC 9002 §7.3.2: no growth for packets sent before the recovery period began.
        if (InCongestionRecovery(packet.TimeSent))
        {
            return;
        }

        bool slowStart = InSlowStart;
        bool leaveSlowStart = false;
        if (slowStart && _hyStart is not null)
        {
            // RFC 9406 §4.2: round and RTT tracking go on even when the window may not grow.
            leaveSlowStart = _hyStart.OnPacketAcked(now, packet.PacketNumber, rtt.LatestRtt, rtt.SampleCount);
        }

        if (IsAppLimited)
        {
            // RFC 9438 §5.8 and RFC 9002 §7.8: no growth, and the epoch's clock stops.
            if (!_appLimitedFrozen)
            {
                _appLimitedFrozen = true;
                _appLimitedSince = now;
            }

            return;
        }

        if (_appLimitedFrozen)
        {
            _appLimitedFrozen = false;
            if (_inEpoch && now > _appLimitedSince)
            {
                _epochStart += now - _appLimitedSince;
            }
        }

        if (slowStart)
        {
            SlowStartGrowth(now, rtt.SampleCount, packet.Size);
            if (leaveSlowStart)
            {
                // RFC 9406 §4.2: CSS_ROUNDS done; congestion avoidance from the current window.
                SlowStartThreshold = _window;
            }

            return;
        }

        CongestionAvoidance(now, packet.Size, rtt);
    }

    /// <inheritdoc/>
    public void OnPacketLost(Instant now, in SentPacket packet)
    {
        if (packet.InFlight)
        {
            RemoveFromFlight(packet.Size);
        }
    }

    /// <inheritdoc/>
    public void OnCongestionEvent(Instant now, Instant sentTime)
    {
        // RFC 9002 §7.3.2: one reduction per recovery period (loss and ECN-CE alike).
        if (InCongestionRecovery(sentTime))
        {
            return;
        }

        _inRecoveryEpoch = true;
        _recoveryStart = now;
        _hyStart?.Finish();

        // RFC 9438 §4.7: fast convergence releases bandwidth when the maximum keeps falling.
        _cwndPrior = _window;
        _wMax = FastConvergence && _window < _wMax ? _window * (1 + BetaCubic) / 2 : _window;

        // RFC 9438 §4.6: multiplicative decrease by β_cubic, never below the minimum window.
        SlowStartThreshold = Math.Max((long)(_window * BetaCubic), MinimumWindow);
        _window = SlowStartThreshold;

        // The next epoch starts with the first acknowledgment in congestion avoidance.
        _inEpoch = false;
        _pendingGrowth = 0;
        _appLimitedFrozen = false;
    }

    /// <inheritdoc/>
    public void OnPersistentCongestion(Instant now)
    {
        // RFC 9002 §7.6.2: collapse to the minimum window; RFC 9438 §4.8: the epoch restarts.
        // ssthresh (set by the congestion event that precedes this call) and W_max stay, so
        // slow start climbs back to ssthresh and CUBIC aims again at the last maximum.
        _window = MinimumWindow;
        _inRecoveryEpoch = false;
        _inEpoch = false;
        _pendingGrowth = 0;
        _cssRemainder = 0;
        _appLimitedFrozen = false;
        _hyStart?.Finish();
    }

    /// <inheritdoc/>
    public void OnPacketDiscarded(in SentPacket packet)
    {
        if (packet.InFlight)
        {
            RemoveFromFlight(packet.Size);
        }
    }

    /// <inheritdoc/>
    public void OnMaxDatagramSizeChanged(int maxDatagramSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDatagramSize, RecoveryConstants.MinimumMaxDatagramSize);
        MaxDatagramSize = maxDatagramSize;
        if (_window < MinimumWindow)
        {
            _window = MinimumWindow;
        }

        // K was computed in the old segment size: recompute it at the next acknowledgment.
        _inEpoch = false;
    }

    private void SlowStartGrowth(Instant now, long rttSample, int ackedBytes)
    {
        // RFC 9406 §4.2: cwnd += min(N, L · SMSS) per ACK; L is infinite for a paced sender.
        if (!Paced)
        {
            // A new instant or a new RTT sample (one per ACK frame, RFC 9002 §5.1) is a new ACK frame.
            if (now != _growthAckTime || rttSample != _growthAckSample)
            {
                _growthAckTime = now;
                _growthAckSample = rttSample;
                _growthThisAck = 0;
            }

            long limit = (long)UnpacedAckGrowthSegments * MaxDatagramSize;
            ackedBytes = (int)Math.Min(ackedBytes, Math.Max(0, limit - _growthThisAck));
            _growthThisAck += ackedBytes;
        }

        if (_hyStart?.Phase == SlowStartPhase.ConservativeSlowStart)
        {
            // RFC 9406 §4.2: growth divided by CSS_GROWTH_DIVISOR, remainder carried over.
            _cssRemainder += ackedBytes;
            long growth = _cssRemainder / HyStartPlusPlus.CssGrowthDivisor;
            _cssRemainder -= growth * HyStartPlusPlus.CssGrowthDivisor;
            _window += growth;
            return;
        }

        // RFC 9002 §7.3.1: slow start grows by the bytes acknowledged.
        _window += ackedBytes;
    }

    private void CongestionAvoidance(Instant now, int ackedBytes, RttEstimator rtt)
    {
        double segment = MaxDatagramSize;
        if (!_inEpoch)
        {
            StartEpoch(now, segment);
        }

        double cwnd = _window;
        double t = (now - _epochStart).TotalSeconds;

        // RFC 9438 §4.3: W_est grows by α_cubic segments per window acknowledged, and by one
        // (Reno's rate) once it has passed the window before the last reduction.
        double alpha = _wEst >= _cwndPrior ? 1.0 : AlphaCubic;
        _wEst += alpha * segment * ackedBytes / cwnd;

        double wMaxSegments = _wMax / segment;
        double cubicNow = CubicWindow(t, _k, wMaxSegments) * segment;
        double growth;
        if (cubicNow < _wEst)
        {
            // RFC 9438 §4.3: the Reno-friendly region: cwnd follows W_est.
            growth = _wEst - cwnd;
        }
        else
        {
            // RFC 9438 §4.4, §4.5: aim at W_cubic one RTT ahead, bounded to [cwnd, 1.5 cwnd],
            // and close (target − cwnd)/cwnd of the gap per segment acknowledged.
            double rttSeconds = rtt.SmoothedRtt.TotalSeconds;
            double target = CubicWindow(t + rttSeconds, _k, wMaxSegments) * segment;
            target = Math.Clamp(target, cwnd, MaxGrowthPerRtt * cwnd);
            growth = (target - cwnd) * ackedBytes / cwnd;
        }

        if (growth <= 0)
        {
            return;
        }

        _pendingGrowth += growth;
        long whole = (long)_pendingGrowth;
        _window += whole;
        _pendingGrowth -= whole;
    }

    private void StartEpoch(Instant now, double segment)
    {
        _inEpoch = true;
        _epochStart = now;
        _pendingGrowth = 0;
        if (_window < _wMax)
        {
            _k = ComputeK(_wMax / segment, _window / segment);
        }
        else
        {
            // RFC 9438 §4.2: entered without a reduction below W_max (slow start ended by
            // HyStart++, or the window already past it): start on the convex side.
            _k = 0;
            _wMax = _window;
        }

        _wEst = _window;
    }

    private bool InCongestionRecovery(Instant sentTime) => _inRecoveryEpoch && sentTime <= _recoveryStart;

    private void RemoveFromFlight(int bytes)
    {
        // Never below zero, even if the caller's accounting slipped.
        _bytesInFlight = Math.Max(0, _bytesInFlight - bytes);
    }
}
