using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Recovery;

/// <summary>
/// The receive side of one packet number space (RFC 9000 §13.2): which packet numbers arrived,
/// duplicate detection, when an ACK is owed, and the ACK frame itself with ECN counts (§13.4.1).
/// </summary>
/// <remarks>
/// Call order for each packet: <see cref="IsDuplicate"/> before processing its frames (drop it
/// if true), then <see cref="OnPacketReceived"/> once the packet was processed. When building a
/// packet: if <see cref="IsAckDue"/> (or when piggybacking with <see cref="HasPacketsToAcknowledge"/>),
/// call <see cref="TryWriteAckFrame"/>, which also starts a new delay period; remember the
/// largest acknowledged it reports with the packet, and when that packet is acknowledged call
/// <see cref="OnAckOfAckReceived"/> (§13.2.4). <see cref="NextTimeout"/> feeds the connection's
/// timer table.
/// </remarks>
public sealed class ReceivedPacketTracker
{
    /// <summary>The largest ack_delay_exponent a peer may announce (RFC 9000 §18.2).</summary>
    public const int MaxAckDelayExponent = 20;

    private readonly int _ackElicitingThreshold;
    private ulong? _largestAckEliciting;
    private Instant? _ackDeadline;
    private ulong _ect0;
    private ulong _ect1;
    private ulong _ce;

    /// <summary>Creates a tracker for <paramref name="space"/>.</summary>
    /// <param name="space">The packet number space.</param>
    /// <param name="maxAckDelay">Our max_ack_delay (ApplicationData only; Initial and Handshake acknowledge at once).</param>
    /// <param name="maxRanges">The most ACK ranges remembered (see <see cref="AckRanges"/>).</param>
    /// <param name="ackElicitingThreshold">Ack-eliciting packets that make an ACK due at once in ApplicationData (RFC 9000 §13.2.2 recommends 2).</param>
    public ReceivedPacketTracker(PacketNumberSpace space, TimeSpan maxAckDelay, int maxRanges = 64, int ackElicitingThreshold = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAckDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ackElicitingThreshold, 1);
        Space = space;
        MaxAckDelay = space == PacketNumberSpace.ApplicationData ? maxAckDelay : TimeSpan.Zero;
        Ranges = new AckRanges(maxRanges);
        _ackElicitingThreshold = ackElicitingThreshold;
    }

    /// <summary>The packet number space tracked.</summary>
    public PacketNumberSpace Space { get; }

    /// <summary>How long an ACK of an ack-eliciting packet may be delayed.</summary>
    public TimeSpan MaxAckDelay { get; }

    /// <summary>The packet numbers received and not yet known to be acknowledged by the peer.</summary>
    public AckRanges Ranges { get; }

    /// <summary>The largest packet number received (kept even when its range is pruned: RFC 9000 §13.2.3, §17.1).</summary>
    public ulong? LargestReceived { get; private set; }

    /// <summary>When <see cref="LargestReceived"/> arrived (the ACK Delay is measured from it, RFC 9000 §13.2.5).</summary>
    public Instant LargestReceivedTime { get; private set; }

    /// <summary>Ack-eliciting packets received since the last ACK frame was written.</summary>
    public int AckElicitingSinceLastAck { get; private set; }

    /// <summary>Whether any packet was received since the last ACK frame was written (an ACK may ride along).</summary>
    public bool HasPacketsToAcknowledge { get; private set; }

    /// <summary>Whether a rule of RFC 9000 §13.2.1/§13.2.2 asks for an ACK without delay.</summary>
    public bool AckImmediately { get; private set; }

    /// <summary>The ECN counts of the packets received (RFC 9000 §13.4.1).</summary>
    public EcnCounts EcnCounts => new(_ect0, _ect1, _ce);

    /// <summary>When an ACK becomes due: now for an immediate ACK, else the first unacknowledged ack-eliciting packet's arrival plus <see cref="MaxAckDelay"/>; null when none is owed.</summary>
    public Instant? NextTimeout() => _ackDeadline;

    /// <summary>Whether an ACK frame must be sent now.</summary>
    public bool IsAckDue(Instant now) => _ackDeadline is Instant deadline && now >= deadline;

    /// <summary>
    /// Whether <paramref name="packetNumber"/> was already received — or is too old to tell,
    /// being below every range still remembered. Such packets are dropped unprocessed.
    /// </summary>
    public bool IsDuplicate(ulong packetNumber) => packetNumber < Ranges.Floor || Ranges.Contains(packetNumber);

    /// <summary>
    /// Records a processed packet. Duplicates are ignored (and change no ECN count, RFC 9000 §13.4.1).
    /// Returns false for a duplicate.
    /// </summary>
    public bool OnPacketReceived(ulong packetNumber, bool ackEliciting, EcnCodepoint ecn, Instant now)
    {
        if (!Ranges.Insert(packetNumber))
        {
            return false;
        }

        switch (ecn)
        {
            case EcnCodepoint.Ect0:
                _ect0++;
                break;
            case EcnCodepoint.Ect1:
                _ect1++;
                break;
            case EcnCodepoint.Ce:
                _ce++;
                break;
        }

        if (LargestReceived is not ulong largest || packetNumber > largest)
        {
            LargestReceived = packetNumber;
            LargestReceivedTime = now;
        }

        HasPacketsToAcknowledge = true;

        // §13.2.1: a packet that is not ack-eliciting never causes an ACK by itself.
        if (!ackEliciting)
        {
            return true;
        }

        AckElicitingSinceLastAck++;
        if (Space != PacketNumberSpace.ApplicationData                   // §13.2.1: Initial and Handshake at once
            || AckElicitingSinceLastAck >= _ackElicitingThreshold         // §13.2.2: every second one
            || ecn == EcnCodepoint.Ce                                     // §13.2.1: CE-marked
            || IsOutOfOrder(packetNumber))                                // §13.2.1: reordering or a gap
        {
            AckImmediately = true;
            _ackDeadline = now;
        }
        else
        {
            Instant deadline = now + MaxAckDelay;
            _ackDeadline = _ackDeadline is Instant current ? Instant.Min(current, deadline) : deadline;
        }

        if (_largestAckEliciting is not ulong largestAe || packetNumber > largestAe)
        {
            _largestAckEliciting = packetNumber;
        }

        return true;
    }

    /// <summary>
    /// Writes an ACK frame for the remembered ranges (largest first; the smallest are left out if
    /// the space is short, RFC 9000 §13.2.3) with the delay since the largest packet arrived,
    /// encoded with our <paramref name="ackDelayExponent"/>, and ECN counts once any packet
    /// carried an ECN codepoint. On success the delayed-ACK state restarts.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The exponent is outside 0–20.</exception>
    public bool TryWriteAckFrame(ref QuicWriter writer, Instant now, int ackDelayExponent, out ulong largestAcknowledged)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ackDelayExponent);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ackDelayExponent, MaxAckDelayExponent);
        largestAcknowledged = 0;
        if (Ranges.Count == 0)
        {
            return false;
        }

        // §13.2.5: the delay since the largest packet was received, in units of 2^exponent µs.
        long micros = Math.Max(0, now.Microseconds - LargestReceivedTime.Microseconds);
        ulong ackDelay = (ulong)micros >> ackDelayExponent;
        EcnCounts? ecn = (_ect0 | _ect1 | _ce) != 0 ? EcnCounts : null;
        if (!AckFrame.TryWrite(ref writer, Ranges.Ranges, ackDelay, ecn, out _))
        {
            return false;
        }

        largestAcknowledged = Ranges.Ranges[0].Largest;
        AckElicitingSinceLastAck = 0;
        HasPacketsToAcknowledge = false;
        AckImmediately = false;
        _ackDeadline = null;
        return true;
    }

    /// <summary>
    /// A packet of ours carrying an ACK whose Largest Acknowledged was <paramref name="largestAcknowledged"/>
    /// was itself acknowledged: stop acknowledging numbers at or below it (RFC 9000 §13.2.4).
    /// </summary>
    public void OnAckOfAckReceived(ulong largestAcknowledged) => Ranges.RemoveAtOrBelow(largestAcknowledged);

    /// <summary>
    /// §13.2.1: an ack-eliciting packet below the largest ack-eliciting one received, or above it
    /// with packets missing in between (before any, missing packets below it count).
    /// </summary>
    private bool IsOutOfOrder(ulong packetNumber)
    {
        if (_largestAckEliciting is ulong largestAe && packetNumber < largestAe)
        {
            return true;
        }

        // Packets are contiguous up to this one when its range reaches down to the previous
        // largest ack-eliciting packet (or to the floor, before any).
        ulong expectedFrom = _largestAckEliciting is ulong l ? l + 1 : Ranges.Floor;
        return Ranges.TryGetRange(packetNumber, out AckRange range) && range.Smallest > expectedFrom;
    }
}
