namespace SharpQuic.Core.Congestion;

/// <summary>Where HyStart++ stands within the initial slow start (RFC 9406 §4.2).</summary>
public enum SlowStartPhase
{
    /// <summary>Standard slow start, watching the RTT for a delay increase.</summary>
    SlowStart,

    /// <summary>Conservative Slow Start: growth divided by CSS_GROWTH_DIVISOR while the delay increase is confirmed.</summary>
    ConservativeSlowStart,

    /// <summary>HyStart++ no longer applies: slow start ended (delay, CSS rounds or loss); later slow starts are plain.</summary>
    Done,
}

/// <summary>
/// HyStart++ (RFC 9406): detects a rising RTT during the initial slow start and leaves it through
/// Conservative Slow Start before the queue overflows. Rounds are tracked by packet number: a
/// round ends when the largest packet number sent at its start is acknowledged (§4.2, windowEnd).
/// </summary>
/// <remarks>
/// The controller calls <see cref="OnPacketSent"/> for each in-flight packet and
/// <see cref="OnPacketAcked(Instant, ulong, TimeSpan, long)"/> for each newly acknowledged one while in slow start; RTT samples are
/// counted once per ACK frame (acknowledgments processed at the same instant share one sample,
/// since RFC 9002 takes one sample per ACK frame). Packet numbers of different packet number spaces
/// are compared as they come: a round straddling the handshake may end early, which only costs
/// one short round.
/// </remarks>
internal sealed class HyStartPlusPlus
{
    /// <summary>N_RTT_SAMPLE (RFC 9406 §4.3): RTT samples a round needs before its minimum is trusted.</summary>
    internal const int RttSampleThreshold = 8;

    /// <summary>MIN_RTT_DIVISOR (RFC 9406 §4.3).</summary>
    internal const int MinRttDivisor = 8;

    /// <summary>CSS_GROWTH_DIVISOR (RFC 9406 §4.3).</summary>
    internal const int CssGrowthDivisor = 4;

    /// <summary>CSS_ROUNDS (RFC 9406 §4.3).</summary>
    internal const int CssRounds = 5;

    /// <summary>MIN_RTT_THRESH (RFC 9406 §4.3).</summary>
    internal static readonly TimeSpan MinRttThreshold = TimeSpan.FromMilliseconds(4);

    /// <summary>MAX_RTT_THRESH (RFC 9406 §4.3).</summary>
    internal static readonly TimeSpan MaxRttThreshold = TimeSpan.FromMilliseconds(16);

    private static readonly TimeSpan Unknown = TimeSpan.MaxValue;

    private ulong _largestSent;
    private bool _anySent;
    private ulong _roundEnd;
    private bool _roundEndPending = true;
    private TimeSpan _lastRoundMinRtt = Unknown;
    private TimeSpan _currentRoundMinRtt = Unknown;
    private int _sampleCount;
    private TimeSpan _cssBaselineMinRtt = Unknown;
    private int _cssRoundCount;
    private Instant _lastSampleTime;
    private bool _hasSampleTime;
    private long _lastSample;

    /// <summary>The current phase.</summary>
    public SlowStartPhase Phase { get; private set; }

    /// <summary>Rounds completed so far (for tests and diagnostics).</summary>
    public int RoundCount { get; private set; }

    /// <summary>An in-flight packet numbered <paramref name="packetNumber"/> was sent.</summary>
    public void OnPacketSent(ulong packetNumber)
    {
        if (!_anySent || packetNumber > _largestSent)
        {
            _largestSent = packetNumber;
            _anySent = true;
        }

        if (_roundEndPending)
        {
            // §4.2: windowEnd is the last packet sent when the round starts; a round that
            // started with nothing new outstanding ends with the first packet sent in it.
            _roundEnd = packetNumber;
            _roundEndPending = false;
        }
    }

    /// <summary>
    /// A packet was newly acknowledged during slow start; <paramref name="latestRtt"/> is the
    /// latest RTT sample. Returns true when slow start must end now (CSS_ROUNDS rounds of
    /// Conservative Slow Start completed): the controller then sets ssthresh to the window.
    /// </summary>
    public bool OnPacketAcked(Instant now, ulong packetNumber, TimeSpan latestRtt) => OnPacketAcked(now, packetNumber, latestRtt, 0);

    /// <summary>
    /// As <see cref="OnPacketAcked(Instant, ulong, TimeSpan)"/>, with <paramref name="rttSample"/> the
    /// <see cref="Recovery.RttEstimator.SampleCount"/>: acknowledgments at one instant with different
    /// samples come from different ACK frames (a batch of datagrams received together).
    /// </summary>
    public bool OnPacketAcked(Instant now, ulong packetNumber, TimeSpan latestRtt, long rttSample)
    {
        if (Phase == SlowStartPhase.Done)
        {
            return false;
        }

        // One sample per ACK frame: LossDetection reports every packet of a frame at one instant,
        // after taking at most one RTT sample for it (RFC 9002 §5.1).
        if ((!_hasSampleTime || now != _lastSampleTime || rttSample != _lastSample) && latestRtt > TimeSpan.Zero)
        {
            _lastSampleTime = now;
            _lastSample = rttSample;
            _hasSampleTime = true;
            _sampleCount++;
            if (latestRtt < _currentRoundMinRtt)
            {
                _currentRoundMinRtt = latestRtt;
            }
        }

        if (_sampleCount >= RttSampleThreshold && _currentRoundMinRtt != Unknown)
        {
            if (Phase == SlowStartPhase.SlowStart && _lastRoundMinRtt != Unknown)
            {
                // §4.2: RttThresh = clamp(lastRoundMinRTT / 8, 4 ms, 16 ms).
                TimeSpan threshold = _lastRoundMinRtt / MinRttDivisor;
                threshold = threshold < MinRttThreshold ? MinRttThreshold : threshold > MaxRttThreshold ? MaxRttThreshold : threshold;
                if (_currentRoundMinRtt >= _lastRoundMinRtt + threshold)
                {
                    _cssBaselineMinRtt = _currentRoundMinRtt;
                    _cssRoundCount = 0;
                    Phase = SlowStartPhase.ConservativeSlowStart;
                }
            }
            else if (Phase == SlowStartPhase.ConservativeSlowStart && _currentRoundMinRtt < _cssBaselineMinRtt)
            {
                // §4.2: the delay increase was spurious; resume slow start.
                _cssBaselineMinRtt = Unknown;
                Phase = SlowStartPhase.SlowStart;
            }
        }

        if (_roundEndPending || packetNumber < _roundEnd)
        {
            return false;
        }

        // The round is over.
        RoundCount++;
        if (Phase == SlowStartPhase.ConservativeSlowStart && ++_cssRoundCount >= CssRounds)
        {
            // §4.2: after CSS_ROUNDS rounds, enter congestion avoidance (ssthresh = cwnd).
            Phase = SlowStartPhase.Done;
            return true;
        }

        _lastRoundMinRtt = _currentRoundMinRtt;
        _currentRoundMinRtt = Unknown;
        _sampleCount = 0;
        if (_anySent && _largestSent > packetNumber)
        {
            _roundEnd = _largestSent;
        }
        else
        {
            _roundEndPending = true;
        }

        return false;
    }

    /// <summary>Slow start ended for another reason (loss, ECN-CE, persistent congestion): HyStart++ is finished (§4.2, §4.3).</summary>
    public void Finish() => Phase = SlowStartPhase.Done;
}
