namespace SharpQuic.Core.Recovery;

/// <summary>
/// The NewReno congestion controller of RFC 9002 §7 and Appendix B: slow start, a recovery
/// period entered on loss or ECN-CE that halves the window once per round trip, additive
/// increase of one max_datagram_size per window acknowledged, and collapse to the minimum
/// window on persistent congestion.
/// </summary>
public sealed class NewReno : ICongestionController
{
    /// <summary>kLossReductionFactor = 1/2 (RFC 9002 §7.3.2), as a divisor.</summary>
    private const int LossReductionDivisor = 2;

    private long _window;
    private long _bytesInFlight;
    private long _ackedInAvoidance;
    private bool _inRecoveryEpoch;
    private Instant _recoveryStart;

    /// <summary>Creates a controller in slow start with the initial window for <paramref name="maxDatagramSize"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is below 1200 bytes.</exception>
    public NewReno(int maxDatagramSize = RecoveryConstants.MinimumMaxDatagramSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDatagramSize, RecoveryConstants.MinimumMaxDatagramSize);
        MaxDatagramSize = maxDatagramSize;
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

    /// <summary>ssthresh: slow start below it, congestion avoidance at or above (infinite at first).</summary>
    public long SlowStartThreshold { get; private set; }

    /// <summary>
    /// kInitialWindow (RFC 9002 §7.2): min(10 · max_datagram_size, max(14 720, 2 · max_datagram_size)).
    /// </summary>
    public long InitialWindow => Math.Min(10L * MaxDatagramSize, Math.Max(14720L, 2L * MaxDatagramSize));

    /// <summary>kMinimumWindow (RFC 9002 §7.2): 2 · max_datagram_size.</summary>
    public long MinimumWindow => 2L * MaxDatagramSize;

    /// <summary>When the current recovery period began, or null when none has (or after persistent congestion).</summary>
    public Instant? RecoveryStartTime => _inRecoveryEpoch ? _recoveryStart : null;

    /// <summary>Whether the window is below ssthresh (RFC 9002 §7.3.1).</summary>
    public bool InSlowStart => _window < SlowStartThreshold;

    /// <inheritdoc/>
    public bool CanSend(int bytes) => _bytesInFlight + bytes <= _window;

    /// <inheritdoc/>
    public void OnPacketSent(Instant now, in SentPacket packet)
    {
        if (packet.InFlight)
        {
            _bytesInFlight += packet.Size;
        }
    }

    /// <inheritdoc/>
    public void OnPacketAcked(Instant now, in SentPacket packet, RttEstimator rtt)
    {
        if (!packet.InFlight)
        {
            return;
        }

        RemoveFromFlight(packet.Size);

        // §7.8: an underused window says nothing about the path's capacity.
        if (IsAppLimited)
        {
            return;
        }

        // §7.3.2: no growth for packets sent before the recovery period began.
        if (InCongestionRecovery(packet.TimeSent))
        {
            return;
        }

        if (_window < SlowStartThreshold)
        {
            // §7.3.1: slow start grows by the bytes acknowledged.
            _window += packet.Size;
            return;
        }

        // §7.3.3: at most one max_datagram_size per window acknowledged; counted in bytes
        // (RFC 3465 §2.1) so integer division does not lose growth.
        _ackedInAvoidance += packet.Size;
        if (_ackedInAvoidance >= _window)
        {
            _ackedInAvoidance -= _window;
            _window += MaxDatagramSize;
        }
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
        // §7.3.2: one reduction per recovery period.
        if (InCongestionRecovery(sentTime))
        {
            return;
        }

        _inRecoveryEpoch = true;
        _recoveryStart = now;
        SlowStartThreshold = _window / LossReductionDivisor;
        _window = Math.Max(SlowStartThreshold, MinimumWindow);
        _ackedInAvoidance = 0;
    }

    /// <inheritdoc/>
    public void OnPersistentCongestion(Instant now)
    {
        // §7.6.2 and Appendix B.8: minimum window, and a fresh start (ssthresh stays, so this
        // re-enters slow start, §7.3.1).
        _window = MinimumWindow;
        _inRecoveryEpoch = false;
        _ackedInAvoidance = 0;
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
    }

    private bool InCongestionRecovery(Instant sentTime) => _inRecoveryEpoch && sentTime <= _recoveryStart;

    private void RemoveFromFlight(int bytes)
    {
        // Never below zero, even if the caller's accounting slipped.
        _bytesInFlight = Math.Max(0, _bytesInFlight - bytes);
    }
}
