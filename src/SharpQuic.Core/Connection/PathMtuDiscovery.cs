using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Connection;

/// <summary>The DPLPMTUD states (RFC 8899 §5.2) as QUIC uses them (RFC 9000 §14.3).</summary>
internal enum PathMtuState
{
    /// <summary>Not started (handshake not confirmed) or turned off: the maximum datagram size never changes.</summary>
    Disabled,

    /// <summary>Confirming that BASE_PLPMTU (1,200) still gets through, after a black hole was detected.</summary>
    Base,

    /// <summary>Probing for a larger size.</summary>
    Searching,

    /// <summary>The search converged; the raise timer restarts it later (RFC 8899 §5.1.1 PMTU_RAISE_TIMER).</summary>
    SearchComplete,

    /// <summary>Even BASE_PLPMTU probes were lost (RFC 8899 §5.2): size stays at 1,200; BASE is retried later.</summary>
    Error,
}

/// <summary>
/// DPLPMTUD (RFC 8899) for one path, as RFC 9000 §14.3 adapts it: the decisions only, no packets and no clock. The
/// connection asks <see cref="TryGetProbeSize"/> before building a datagram, sends a PADDING+PING probe of that size,
/// reports it with <see cref="OnProbeSent"/>, and forwards acknowledgments and losses of 1-RTT packets; it applies
/// <see cref="MaxDatagramSize"/> whenever a call says it changed.
/// </summary>
/// <remarks>
/// <para>Search: the first probe of a search is the cap itself (the usual case, a 1,500-byte Ethernet path under the
/// default 1,452 cap, converges with one probe and one round trip); after a failure, a binary search between the
/// largest acknowledged size and the smallest failed one, until they are within <see cref="SearchGranularity"/>. A
/// binary search bounds the number of failed sizes (each costs <see cref="MaxProbes"/> losses) to
/// ⌈log2(range / granularity)⌉ whatever the cap, where a fixed step list would walk a 9,000-byte range slowly.</para>
/// <para>One probe is outstanding at a time, so probes are at least one round trip apart (RFC 8899 §3 item 7).
/// A probe fails when loss detection declares it lost or when the probe timer (one PTO, given to <see cref="OnProbeSent"/>) passes without an ACK (probes
/// are not in flight, so the PTO does not watch them); a size fails after <see cref="MaxProbes"/> failed probes
/// (RFC 8899 §5.1.2 MAX_PROBES), so a random loss does not end the search.</para>
/// <para>Black holes (RFC 8899 §4.3): more than <see cref="BlackHoleThreshold"/> packets larger than 1,200 bytes lost
/// with no packet at least as large as the smallest of them acknowledged since, or <see cref="BlackHolePtoCount"/>
/// consecutive PTOs (a path that drops every full-size packet in both directions produces no ACK at all, hence no
/// declared loss), fall back to 1,200 and search again from BASE.</para>
/// </remarks>
internal sealed class PathMtuDiscovery
{
    /// <summary>BASE_PLPMTU = MIN_PLPMTU: QUIC's smallest allowed maximum datagram size (RFC 9000 §14.3).</summary>
    public const int BasePlpmtu = RecoveryConstants.MinimumMaxDatagramSize;

    /// <summary>MAX_PROBES (RFC 8899 §5.1.2): failed probes of one size before the size is given up.</summary>
    public const int MaxProbes = 3;

    /// <summary>The search stops when the largest good and the smallest failed size are this close.</summary>
    public const int SearchGranularity = 16;

    /// <summary>Lost packets above BASE with no large packet acknowledged since, beyond which the path is a black hole.</summary>
    public const int BlackHoleThreshold = 5;

    /// <summary>Consecutive PTOs (no ACK at all) after which large packets are suspected.</summary>
    public const int BlackHolePtoCount = 3;

    private readonly TimeSpan _raiseInterval;
    private int _cap;
    private int _low;
    private int _high;
    private int _failures;
    private ulong _probePn;
    private int _probeSize;
    private bool _probeOutstanding;
    private bool _hasProbe;
    private Instant? _probeDeadline;
    private Instant? _raiseAt;
    private int _lostLarge;
    private int _smallestLostLarge = int.MaxValue;
    private bool _settlePending;

    /// <summary>Creates a detector at <paramref name="current"/> (the size in use), not yet started.</summary>
    public PathMtuDiscovery(int current, TimeSpan raiseInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(current, BasePlpmtu);
        MaxDatagramSize = current;
        _raiseInterval = raiseInterval;
    }

    /// <summary>The state.</summary>
    public PathMtuState State { get; private set; }

    /// <summary>The size data packets may use now (the PLPMTU, RFC 8899 §2).</summary>
    public int MaxDatagramSize { get; private set; }

    /// <summary>The largest size searched for: our option and the peer's max_udp_payload_size, whichever is smaller.</summary>
    public int Cap => _cap;

    /// <summary>When the current search started (at confirmation, a black hole or the raise timer).</summary>
    public Instant SearchStartedAt { get; private set; }

    /// <summary>When the last search completed; null while none has.</summary>
    public Instant? SearchCompletedAt { get; private set; }

    /// <summary>Probes sent, acknowledged, and failed (statistics).</summary>
    public int ProbesSent { get; private set; }

    /// <inheritdoc cref="ProbesSent"/>
    public int ProbesAcked { get; private set; }

    /// <inheritdoc cref="ProbesSent"/>
    public int ProbesLost { get; private set; }

    /// <summary>Black holes detected (each one a fall back to 1,200).</summary>
    public int BlackHolesDetected { get; private set; }

    /// <summary>The earliest of the probe timer and the raise timer; null for none.</summary>
    public Instant? NextTimeout => _probeDeadline is Instant p && (_raiseAt is not Instant r || p <= r) ? p : _raiseAt;

    /// <summary>
    /// Starts the search once the handshake is confirmed (RFC 9000 §14.3.1). The handshake carried 1,200-byte
    /// datagrams both ways (§14.1), which confirms BASE, so this goes straight to SEARCHING. A cap not above the
    /// current size leaves the detector disabled.
    /// </summary>
    public void Start(int cap, Instant now)
    {
        if (State != PathMtuState.Disabled)
        {
            return;
        }

        _cap = cap;
        if (cap <= MaxDatagramSize)
        {
            return;
        }

        BeginSearch(now);
    }

    /// <summary>
    /// Whether a probe is due now, and its size. <paramref name="ptoCount"/> is loss detection's consecutive PTO
    /// count. Returns true with <paramref name="sizeChanged"/> set when a black hole made <see cref="MaxDatagramSize"/>
    /// fall back to BASE (a probe may then be due as well).
    /// </summary>
    public bool TryGetProbeSize(Instant now, int ptoCount, out int size, out bool sizeChanged)
    {
        size = 0;
        sizeChanged = false;
        if (State == PathMtuState.Disabled)
        {
            return false;
        }

        Settle(now);
        if (MaxDatagramSize > BasePlpmtu && (_lostLarge > BlackHoleThreshold || ptoCount >= BlackHolePtoCount))
        {
            FallBackToBase(now);
            sizeChanged = true;
        }

        if (_probeOutstanding || State is PathMtuState.SearchComplete or PathMtuState.Error)
        {
            return false;
        }

        size = State == PathMtuState.Base ? BasePlpmtu : NextCandidate();
        return true;
    }

    /// <summary>A probe of <paramref name="size"/> bytes went out as packet <paramref name="packetNumber"/>.</summary>
    public void OnProbeSent(ulong packetNumber, int size, Instant now, TimeSpan probeTimeout)
    {
        _probePn = packetNumber;
        _probeSize = size;
        _hasProbe = true;
        _probeOutstanding = true;
        _probeDeadline = now + probeTimeout;
        ProbesSent++;
    }

    private bool IsLatestProbe(ulong packetNumber) => _hasProbe && packetNumber == _probePn;

    /// <summary>
    /// A 1-RTT packet was acknowledged; <paramref name="isProbe"/> says it was a probe, this one or an earlier one.
    /// Returns true when <see cref="MaxDatagramSize"/> grew. Loss detection's verdicts carry no time: what needs one
    /// (the completion instant, the raise timer) is settled at the next poll.
    /// </summary>
    public bool OnPacketAcked(in SentPacket packet, bool isProbe)
    {
        if (State == PathMtuState.Disabled)
        {
            return false;
        }

        if (isProbe)
        {
            // A late ACK (after the probe timer gave up on it, even after a later probe) still proves the size.
            if (IsLatestProbe(packet.PacketNumber))
            {
                _probeOutstanding = false;
                _probeDeadline = null;
                _hasProbe = false;
            }

            ProbesAcked++;
            return OnProbeSucceeded(packet.Size);
        }

        if (packet.Size >= _smallestLostLarge)
        {
            // RFC 8899 §4.3: a packet as large as those lost got through: they were ordinary losses.
            ResetBlackHoleCount();
        }

        return false;
    }

    /// <summary>A 1-RTT packet was declared lost; <paramref name="isProbe"/> says it was a probe.</summary>
    public void OnPacketLost(in SentPacket packet, bool isProbe)
    {
        if (State == PathMtuState.Disabled)
        {
            return;
        }

        if (isProbe)
        {
            if (IsLatestProbe(packet.PacketNumber) && _probeOutstanding)
            {
                OnProbeFailed();
            }

            return;
        }

        if (packet.Size > BasePlpmtu && packet.Size <= MaxDatagramSize)
        {
            _lostLarge++;
            _smallestLostLarge = Math.Min(_smallestLostLarge, packet.Size);
        }
    }

    /// <summary>The probe timer or the raise timer fired.</summary>
    public void OnTimeout(Instant now)
    {
        if (_probeDeadline is Instant p && p <= now)
        {
            _probeDeadline = null;
            OnProbeFailed();
        }

        Settle(now);

        if (_raiseAt is Instant r && r <= now)
        {
            _raiseAt = null;
            if (State == PathMtuState.Error)
            {
                // RFC 8899 §5.2: ERROR retries BASE from time to time.
                State = PathMtuState.Base;
                _failures = 0;
                SearchStartedAt = now;
            }
            else if (State == PathMtuState.SearchComplete && _cap > MaxDatagramSize)
            {
                // PMTU_RAISE_TIMER: the path may carry more now; search above what we have.
                BeginSearch(now);
            }
        }
    }

    private int NextCandidate()
    {
        // First probe of a search: the cap; then halve the interval between the largest good and smallest bad size.
        return _high > _cap ? _cap : _low + ((_high - _low) / 2);
    }

    private bool OnProbeSucceeded(int size)
    {
        if (State == PathMtuState.Base)
        {
            // BASE confirmed: search again from it.
            BeginSearch(SearchStartedAt);
            return false;
        }

        if (State != PathMtuState.Searching || size <= MaxDatagramSize)
        {
            return false;
        }

        _low = size;
        _failures = 0;
        MaxDatagramSize = size;
        if (_high > _cap || _high <= _low)
        {
            // The cap passed, or a size given up on was acknowledged late: nothing above is left to try.
            _high = _low == _cap ? _cap + 1 : Math.Max(_high, _low + 1);
        }

        CompleteIfConverged();
        return true;
    }

    private void OnProbeFailed()
    {
        _probeOutstanding = false;
        _probeDeadline = null;
        ProbesLost++;
        if (++_failures < MaxProbes)
        {
            return;
        }

        _failures = 0;
        if (State == PathMtuState.Base)
        {
            // RFC 8899 §5.2: the path does not carry BASE_PLPMTU. QUIC cannot go lower (RFC 9000 §14); the idle
            // timeout ends a connection whose path is gone, a path that recovers is found by the retry.
            State = PathMtuState.Error;
            _settlePending = true;
            return;
        }

        _high = _probeSize;
        CompleteIfConverged();
    }

    private void CompleteIfConverged()
    {
        if (_high - _low > SearchGranularity && _low < _cap)
        {
            return;
        }

        State = PathMtuState.SearchComplete;
        _settlePending = true;
    }

    /// <summary>Dates what the last verdicts decided: the completion and the raise (or ERROR retry) timer.</summary>
    private void Settle(Instant now)
    {
        if (!_settlePending)
        {
            return;
        }

        _settlePending = false;
        if (State == PathMtuState.SearchComplete)
        {
            SearchCompletedAt = now;
        }

        if (State is PathMtuState.SearchComplete or PathMtuState.Error)
        {
            _raiseAt = now + _raiseInterval;
        }
    }

    private void BeginSearch(Instant now)
    {
        State = PathMtuState.Searching;
        SearchStartedAt = now;
        _low = MaxDatagramSize;
        _high = _cap + 2; // above the cap: the first probe is the cap itself.
        _failures = 0;
        _raiseAt = null;
        _settlePending = false;
        ResetBlackHoleCount();
    }

    private void FallBackToBase(Instant now)
    {
        BlackHolesDetected++;
        MaxDatagramSize = BasePlpmtu;
        State = PathMtuState.Base;
        SearchStartedAt = now;
        _failures = 0;
        _raiseAt = null;
        _probeOutstanding = false;
        _probeDeadline = null;
        _hasProbe = false;
        ResetBlackHoleCount();
    }

    private void ResetBlackHoleCount()
    {
        _lostLarge = 0;
        _smallestLostLarge = int.MaxValue;
    }
}
