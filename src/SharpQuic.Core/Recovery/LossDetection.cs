using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Recovery;

/// <summary>
/// Loss detection for one connection (RFC 9002 §6, Appendix A): the sent packets of the three
/// packet number spaces, the RTT estimate and the loss detection / PTO timer. It drives an
/// <see cref="ICongestionController"/> and reports verdicts on packets to an
/// <see cref="IRecoveryObserver"/>.
/// </summary>
/// <remarks>
/// <para>Inputs (each takes the current <see cref="Instant"/>; none reads a clock):</para>
/// <list type="bullet">
/// <item><see cref="OnPacketSent"/> after each packet is sent (ACK-only packets too: they are
/// not in flight but their numbers must be known).</item>
/// <item><see cref="OnAckReceived(PacketNumberSpace, in AckFrame, TimeSpan, Instant, IRecoveryObserver)"/>
/// for each ACK frame, with the ACK Delay already scaled by the peer's ack_delay_exponent.</item>
/// <item><see cref="OnTimeout"/> when <see cref="NextTimeout"/> is reached.</item>
/// <item><see cref="OnPacketNumberSpaceDiscarded"/> when Initial or Handshake keys are dropped.</item>
/// <item><see cref="OnHandshakeKeysAvailable"/>, <see cref="OnHandshakeConfirmed"/>,
/// <see cref="SetAmplificationLimited"/> (server, RFC 9000 §8.1), <see cref="SetPeerMaxAckDelay"/>.</item>
/// </list>
/// <para>Queries: <see cref="NextTimeout"/>, <see cref="ProbesPending"/>, <see cref="PtoCount"/>,
/// <see cref="Rtt"/>, <see cref="Controller"/>, <see cref="LargestAcked"/>.</para>
/// <para>After any input, the driver re-reads <see cref="NextTimeout"/>; if it is not later than
/// now (e.g. after a server is unblocked by a datagram), it calls <see cref="OnTimeout"/> at once
/// (RFC 9002 §6.2.2.1). When <see cref="ProbesPending"/> is non-zero for a space, the connection
/// sends that many ack-eliciting packets there, new data first, else retransmitted data, else a
/// PING, coalescing data from other spaces with data in flight (§6.2.4).</para>
/// </remarks>
public sealed partial class LossDetection
{
    private const int Spaces = RecoveryConstants.SpaceCount;

    private readonly bool _isServer;
    private readonly SentPacketRecords[] _sent = new SentPacketRecords[Spaces];
    private readonly Instant?[] _timeOfLastAckEliciting = new Instant?[Spaces];
    private readonly ulong?[] _largestAcked = new ulong?[Spaces];
    private readonly Instant?[] _largestAckedSentTime = new Instant?[Spaces];
    private readonly Instant?[] _lossTime = new Instant?[Spaces];
    private readonly int[] _ackElicitingInFlight = new int[Spaces];
    private readonly ulong[] _ecnCe = new ulong[Spaces];
    private readonly int[] _probes = new int[Spaces];
    private readonly bool[] _discarded = new bool[Spaces];

    // Per-call scratch, grown with the largest window seen and then reused.
    private SentPacket[] _acked = new SentPacket[16];
    private SentPacket[] _lost = new SentPacket[16];
    private int _ackedCount;
    private int _lostCount;

    private bool _handshakeConfirmed;
    private bool _hasHandshakeKeys;
    private bool _receivedHandshakeAck;
    private bool _amplificationLimited;
    private Instant? _timer;

    /// <summary>Creates loss detection for one side of a connection.</summary>
    /// <param name="isServer">Whether this endpoint is the server (servers never arm the anti-deadlock PTO).</param>
    /// <param name="controller">The congestion controller to drive.</param>
    /// <param name="rtt">The RTT estimator (a new one with kInitialRtt when null).</param>
    /// <param name="maxTrackedPackets">The most packets each space may have outstanding (see <see cref="SentPacketRecords"/>).</param>
    public LossDetection(bool isServer, ICongestionController controller, RttEstimator? rtt = null, int maxTrackedPackets = 1 << 16)
    {
        ArgumentNullException.ThrowIfNull(controller);
        _isServer = isServer;
        Controller = controller;
        Rtt = rtt ?? new RttEstimator();
        for (int i = 0; i < Spaces; i++)
        {
            _sent[i] = new SentPacketRecords(maxTrackedPackets);
        }
    }

    /// <summary>The path's RTT estimate.</summary>
    public RttEstimator Rtt { get; }

    /// <summary>The congestion controller (replaced on a new path, <see cref="ResetForNewPath"/>).</summary>
    public ICongestionController Controller { get; private set; }

    /// <summary>ECN validation of the path, fed with the application data space's packets (RFC 9000 §13.4.2).</summary>
    public EcnValidator Ecn { get; } = new();

    /// <summary>pto_count: PTOs since the last acknowledgment that reset it (RFC 9002 §6.2.1).</summary>
    public int PtoCount { get; private set; }

    /// <summary>Whether the handshake is confirmed (RFC 9001 §4.1.2).</summary>
    public bool HandshakeConfirmed => _handshakeConfirmed;

    /// <summary>
    /// PeerCompletedAddressValidation (Appendix A.6): always for a server; for a client, once a
    /// Handshake ACK arrived or the handshake is confirmed.
    /// </summary>
    public bool PeerCompletedAddressValidation => _isServer || _receivedHandshakeAck || _handshakeConfirmed;

    /// <summary>When <see cref="OnTimeout"/> must next be called, or null when no timer is set.</summary>
    public Instant? NextTimeout() => _timer;

    /// <summary>Ack-eliciting probe packets the space owes after a PTO (0–2); each ack-eliciting packet sent there counts one.</summary>
    public int ProbesPending(PacketNumberSpace space) => _probes[(int)space];

    /// <summary>The largest packet number the peer acknowledged in the space, or null.</summary>
    public ulong? LargestAcked(PacketNumberSpace space) => _largestAcked[(int)space];

    /// <summary>The outstanding packets of a space.</summary>
    public SentPacketRecords SentPackets(PacketNumberSpace space) => _sent[(int)space];

    /// <summary>Whether ack-eliciting packets of the space are in flight.</summary>
    public bool HasAckElicitingInFlight(PacketNumberSpace space) => _ackElicitingInFlight[(int)space] > 0;

    /// <summary>Whether the space's keys were discarded.</summary>
    public bool IsDiscarded(PacketNumberSpace space) => _discarded[(int)space];

    /// <summary>
    /// Records a sent packet (Appendix A.5 OnPacketSent); now is <see cref="SentPacket.TimeSent"/>.
    /// Returns false, recording nothing, for a discarded space, a packet number not above the
    /// previous one, or a full window.
    /// </summary>
    public bool OnPacketSent(PacketNumberSpace space, in SentPacket packet)
    {
        int s = (int)space;
        if (_discarded[s] || !_sent[s].TryAdd(packet))
        {
            return false;
        }

        if (packet.InFlight)
        {
            if (packet.AckEliciting)
            {
                _timeOfLastAckEliciting[s] = packet.TimeSent;
                _ackElicitingInFlight[s]++;
                if (_probes[s] > 0)
                {
                    _probes[s]--;
                }
            }

            Controller.OnPacketSent(packet.TimeSent, packet);
            SetLossDetectionTimer(packet.TimeSent);
        }

        if (space == PacketNumberSpace.ApplicationData)
        {
            Ecn.OnPacketSent(packet);
        }

        return true;
    }

    /// <summary>
    /// Processes an ACK frame (Appendix A.7 OnAckReceived). <paramref name="ackDelay"/> is the
    /// frame's ACK Delay scaled by the peer's ack_delay_exponent. Verdicts go to
    /// <paramref name="observer"/> (losses first, then acknowledgments) before this returns.
    /// </summary>
    public AckResult OnAckReceived(PacketNumberSpace space, in AckFrame frame, TimeSpan ackDelay, Instant now, IRecoveryObserver observer)
    {
        var ranges = new RangeCursor(frame);
        return ProcessAck(space, ref ranges, frame.LargestAcknowledged, ackDelay, frame.Ecn, now, observer);
    }

    /// <summary>
    /// Processes acknowledged <paramref name="ranges"/>, largest first (as an ACK frame lists
    /// them), with the same rules as the <see cref="AckFrame"/> overload.
    /// </summary>
    /// <exception cref="ArgumentException">The ranges are empty or a range has Smallest above Largest.</exception>
    public AckResult OnAckReceived(PacketNumberSpace space, ReadOnlySpan<AckRange> ranges, TimeSpan ackDelay, EcnCounts? ecn, Instant now, IRecoveryObserver observer)
    {
        if (ranges.IsEmpty)
        {
            throw new ArgumentException("An ACK needs at least one range.", nameof(ranges));
        }

        ulong largest = 0;
        foreach (AckRange r in ranges)
        {
            if (r.Smallest > r.Largest)
            {
                throw new ArgumentException("Each range must have Smallest ≤ Largest.", nameof(ranges));
            }

            largest = Math.Max(largest, r.Largest);
        }

        var cursor = new RangeCursor(ranges);
        return ProcessAck(space, ref cursor, largest, ackDelay, ecn, now, observer);
    }

    /// <summary>
    /// The loss detection timer fired (Appendix A.9 OnLossDetectionTimeout). Does nothing when
    /// called before <see cref="NextTimeout"/>.
    /// </summary>
    public LossTimeoutKind OnTimeout(Instant now, IRecoveryObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (!_timer.HasValue || now < _timer.Value)
        {
            return LossTimeoutKind.None;
        }

        if (TryGetEarliestLossTime(out _, out PacketNumberSpace lossSpace))
        {
            // Time-threshold loss detection (§6.1.2).
            _ackedCount = 0;
            bool persistent = DetectLostPackets(lossSpace, now);
            ReportLost(lossSpace, now, persistent, observer);
            _sent[(int)lossSpace].Trim(LostRetentionHorizon(now));
            SetLossDetectionTimer(now);
            return LossTimeoutKind.PacketsLost;
        }

        if (!AnyAckElicitingInFlight())
        {
            // Anti-deadlock (§6.2.2.1): the client proves its address with a Handshake packet
            // when it can, else a padded Initial (the connection pads it to 1200 bytes).
            _probes[(int)(_hasHandshakeKeys ? PacketNumberSpace.Handshake : PacketNumberSpace.Initial)] = 1;
        }
        else
        {
            // §6.2.4: one or two ack-eliciting packets; two guard against a single lost probe.
            GetPtoTimeAndSpace(now, out _, out PacketNumberSpace ptoSpace);
            _probes[(int)ptoSpace] = 2;
        }

        PtoCount++;
        SetLossDetectionTimer(now);
        return LossTimeoutKind.Probe;
    }

    /// <summary>
    /// Initial or Handshake keys were discarded (§6.4, Appendix A.11): the space's packets leave
    /// bytes in flight (reported through <see cref="IRecoveryObserver.OnPacketDiscarded"/>),
    /// its timers are cleared and pto_count is reset.
    /// </summary>
    /// <exception cref="ArgumentException">The space is ApplicationData, whose keys are never discarded this way.</exception>
    public void OnPacketNumberSpaceDiscarded(PacketNumberSpace space, Instant now, IRecoveryObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        if (space == PacketNumberSpace.ApplicationData)
        {
            throw new ArgumentException("Only Initial and Handshake keys are discarded.", nameof(space));
        }

        int s = (int)space;
        if (_discarded[s])
        {
            return;
        }

        SentPacketRecords records = _sent[s];
        for (ulong pn = records.WindowStart; pn < records.WindowEnd; pn++)
        {
            ref SentPacketRecords.Slot slot = ref records.SlotAt(pn);
            if (slot.State == SentPacketRecords.SlotState.Outstanding)
            {
                Controller.OnPacketDiscarded(slot.Packet);
                observer.OnPacketDiscarded(space, slot.Packet);
            }
        }

        records.Clear();
        _discarded[s] = true;
        _timeOfLastAckEliciting[s] = null;
        _lossTime[s] = null;
        _ackElicitingInFlight[s] = 0;
        _probes[s] = 0;
        PtoCount = 0;
        SetLossDetectionTimer(now);
    }

    /// <summary>
    /// The connection moved to a new path (RFC 9000 §9.4): a fresh congestion controller and RTT estimate. Packets
    /// still outstanding from the old path are handed to the new controller as in flight, so that bytes in flight stay
    /// consistent when they are acknowledged or lost; pto_count restarts.
    /// </summary>
    public void ResetForNewPath(ICongestionController controller, Instant now)
    {
        ArgumentNullException.ThrowIfNull(controller);
        Controller = controller;
        for (int s = 0; s < Spaces; s++)
        {
            SentPacketRecords records = _sent[s];
            for (ulong pn = records.WindowStart; pn < records.WindowEnd; pn++)
            {
                ref SentPacketRecords.Slot slot = ref records.SlotAt(pn);
                if (slot.State == SentPacketRecords.SlotState.Outstanding && slot.Packet.InFlight)
                {
                    controller.OnPacketSent(slot.Packet.TimeSent, slot.Packet);
                }
            }
        }

        Rtt.Reset();
        PtoCount = 0;
        SetLossDetectionTimer(now);
    }

    /// <summary>The client now has Handshake keys: its anti-deadlock probe becomes a Handshake packet (§6.2.2.1).</summary>
    public void OnHandshakeKeysAvailable(Instant now)
    {
        _hasHandshakeKeys = true;
        SetLossDetectionTimer(now);
    }

    /// <summary>
    /// The handshake is confirmed (RFC 9001 §4.1.2): max_ack_delay now caps ack delays (§5.3)
    /// and ApplicationData gets a PTO (§6.2.1).
    /// </summary>
    public void OnHandshakeConfirmed(Instant now)
    {
        _handshakeConfirmed = true;
        SetLossDetectionTimer(now);
    }

    /// <summary>
    /// The server's anti-amplification state (RFC 9000 §8.1): while it can send nothing more, no
    /// PTO is armed (§6.2.2.1). When a datagram lifts the limit, call with false, then check
    /// <see cref="NextTimeout"/>: a timer already in the past must fire at once.
    /// </summary>
    public void SetAmplificationLimited(bool limited, Instant now)
    {
        _amplificationLimited = limited;
        SetLossDetectionTimer(now);
    }

    /// <summary>The peer's max_ack_delay transport parameter arrived (RFC 9000 §18.2).</summary>
    public void SetPeerMaxAckDelay(TimeSpan maxAckDelay, Instant now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAckDelay, TimeSpan.Zero);
        Rtt.MaxAckDelay = maxAckDelay;
        SetLossDetectionTimer(now);
    }
}
