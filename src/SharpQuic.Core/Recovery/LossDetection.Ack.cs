using SharpQuic.Core.Wire.Frames;
using SlotState = SharpQuic.Core.Recovery.SentPacketRecords.SlotState;

namespace SharpQuic.Core.Recovery;

/// <summary>ACK processing and acknowledgment-based loss detection (RFC 9002 §5.1, §6.1, §7.6).</summary>
public sealed partial class LossDetection
{
    private AckResult ProcessAck(PacketNumberSpace space, ref RangeCursor ranges, ulong largest, TimeSpan ackDelay, EcnCounts? ecn, Instant now, IRecoveryObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        int s = (int)space;
        if (_discarded[s])
        {
            // Keys are gone: such an ACK cannot have been decrypted; nothing to do.
            return default;
        }

        SentPacketRecords records = _sent[s];
        if (AcknowledgesUnsent(records, largest, ranges))
        {
            return new AckResult(unsent: true, 0, 0, rtt: false, ecnCongestion: false, persistent: false, 0);
        }

        bool largestIncreased = _largestAcked[s] is not ulong previous || largest > previous;
        _largestAcked[s] = largestIncreased ? largest : _largestAcked[s];
        if (space == PacketNumberSpace.Handshake)
        {
            // The server processed a Handshake packet, so it has validated our address (§6.2.2.1).
            _receivedHandshakeAck = true;
        }

        // Newly acknowledged packets, largest first: ranges come largest first and each range is
        // walked downwards. Only numbers inside the window can still be outstanding.
        _ackedCount = 0;
        _lostCount = 0;
        int spurious = 0;
        bool ackElicitingAcked = false;
        ulong windowStart = records.WindowStart;
        ulong windowEnd = records.WindowEnd;
        while (ranges.MoveNext())
        {
            AckRange range = ranges.Current;
            if (range.Largest < windowStart || range.Smallest >= windowEnd)
            {
                continue;
            }

            ulong low = Math.Max(range.Smallest, windowStart);
            for (ulong pn = Math.Min(range.Largest, windowEnd - 1); ; pn--)
            {
                ref SentPacketRecords.Slot slot = ref records.SlotAt(pn);
                if (slot.State == SlotState.Outstanding)
                {
                    records.SetState(pn, SlotState.Acked);
                    Append(ref _acked, ref _ackedCount, slot.Packet);
                    ackElicitingAcked |= slot.Packet.AckEliciting;
                }
                else if (slot.State == SlotState.Lost)
                {
                    // Declared lost, yet it arrived: the loss was spurious (§6.1).
                    slot.State = SlotState.Acked;
                    spurious++;
                }

                if (pn == low)
                {
                    break;
                }
            }
        }

        if (_ackedCount == 0)
        {
            return new AckResult(unsent: false, 0, 0, rtt: false, ecnCongestion: false, persistent: false, spurious);
        }

        // §5.1: a sample only when the largest acknowledged is newly acknowledged and at least
        // one newly acknowledged packet was ack-eliciting.
        bool rttUpdated = false;
        ref readonly SentPacket newest = ref _acked[0];
        if (newest.PacketNumber == largest)
        {
            _largestAckedSentTime[s] = newest.TimeSent;
            if (ackElicitingAcked)
            {
                // §5.3: Initial packets are acknowledged without delay; ignore the field there.
                TimeSpan delay = space == PacketNumberSpace.Initial ? TimeSpan.Zero : ackDelay;
                Rtt.Update(now, now - newest.TimeSent, delay, _handshakeConfirmed);
                rttUpdated = true;
            }
        }

        // §7.1, Appendix B.7: a CE count increase is a congestion event dated by the send time
        // of the largest acknowledged packet; in the application space only once the counts are
        // validated (RFC 9000 §13.4.2.1), elsewhere unless validation failed.
        bool ecnCongestion;
        if (space == PacketNumberSpace.ApplicationData)
        {
            int newlyAckedEct0 = 0;
            for (int i = 0; i < _ackedCount; i++)
            {
                newlyAckedEct0 += _acked[i].Ecn == EcnCodepoint.Ect0 ? 1 : 0;
            }

            ecnCongestion = Ecn.OnAckReceived(newlyAckedEct0, largestIncreased, ecn);
        }
        else
        {
            ecnCongestion = ecn is EcnCounts counts && counts.Ce > _ecnCe[s] && Ecn.State != EcnValidationState.Failed;
            if (ecn is EcnCounts seen && seen.Ce > _ecnCe[s])
            {
                _ecnCe[s] = seen.Ce;
            }
        }

        if (ecnCongestion)
        {
            Controller.OnCongestionEvent(now, _largestAckedSentTime[s] ?? now);
        }

        bool persistent = DetectLostPackets(space, now);
        int lost = _lostCount;
        ReportLost(space, now, persistent, observer);
        int acked = _ackedCount;
        ReportAcked(space, now, observer);
        records.Trim(LostRetentionHorizon(now));

        // §6.2.1: the backoff is reset by an acknowledgment, except at a client that does not
        // yet know the server validated its address.
        if (PeerCompletedAddressValidation)
        {
            PtoCount = 0;
        }

        SetLossDetectionTimer(now);
        return new AckResult(unsent: false, acked, lost, rttUpdated, ecnCongestion, persistent, spurious);
    }

    /// <summary>RFC 9000 §13.1: an acknowledgment for a packet never sent is a protocol violation.</summary>
    private static bool AcknowledgesUnsent(SentPacketRecords records, ulong largest, RangeCursor ranges)
    {
        if (records.LargestSent is not ulong largestSent || largest > largestSent)
        {
            return true;
        }

        if (!records.HasSkippedInWindow)
        {
            return false;
        }

        // Skipped numbers are only known inside the window: look there (ranges is a copy).
        ulong windowStart = records.WindowStart;
        ulong windowEnd = records.WindowEnd;
        while (ranges.MoveNext())
        {
            AckRange range = ranges.Current;
            if (range.Largest < windowStart || range.Smallest >= windowEnd)
            {
                continue;
            }

            ulong high = Math.Min(range.Largest, windowEnd - 1);
            for (ulong pn = Math.Max(range.Smallest, windowStart); pn <= high; pn++)
            {
                if (records.StateOf(pn) == SlotState.NotSent)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// DetectAndRemoveLostPackets (Appendix A.10) into the lost scratch list, and whether the
    /// losses establish persistent congestion (§7.6.2). Persistent congestion is judged within
    /// this space only (which §7.6.2 allows): a run of lost ack-eliciting packets, all sent after
    /// the first RTT sample, with no acknowledged packet between them, whose first and last send
    /// times are at least the persistent congestion duration apart.
    /// </summary>
    private bool DetectLostPackets(PacketNumberSpace space, Instant now)
    {
        int s = (int)space;
        _lossTime[s] = null;
        _lostCount = 0;
        if (_largestAcked[s] is not ulong largestAcked)
        {
            return false;
        }

        SentPacketRecords records = _sent[s];
        TimeSpan lossDelay = Rtt.LossDelay;
        Instant lostSendTime = now - lossDelay;
        Instant? firstSample = Rtt.FirstSampleTime;
        TimeSpan congestionPeriod = Rtt.PersistentCongestionDuration;
        bool persistent = false;
        bool runStarted = false;
        Instant runStart = default;

        ulong end = Math.Min(largestAcked + 1, records.WindowEnd);
        for (ulong pn = records.WindowStart; pn < end; pn++)
        {
            ref SentPacketRecords.Slot slot = ref records.SlotAt(pn);
            if (slot.State == SlotState.Acked)
            {
                // An acknowledged packet between two losses breaks the run (§7.6.2).
                runStarted = false;
                continue;
            }

            if (slot.State != SlotState.Outstanding)
            {
                continue;
            }

            ref readonly SentPacket packet = ref slot.Packet;
            if (packet.TimeSent <= lostSendTime || largestAcked >= pn + RecoveryConstants.PacketThreshold)
            {
                records.SetState(pn, SlotState.Lost);
                Append(ref _lost, ref _lostCount, packet);
                if (packet.AckEliciting && firstSample is Instant sample && packet.TimeSent > sample)
                {
                    if (!runStarted)
                    {
                        runStarted = true;
                        runStart = packet.TimeSent;
                    }
                    else if (packet.TimeSent - runStart >= congestionPeriod)
                    {
                        persistent = true;
                    }
                }
            }
            else
            {
                Instant when = packet.TimeSent + lossDelay;
                _lossTime[s] = _lossTime[s] is Instant current ? Instant.Min(current, when) : when;
            }
        }

        return persistent;
    }

    /// <summary>OnPacketsLost (Appendix B.8) for the lost scratch list, then the observer.</summary>
    private void ReportLost(PacketNumberSpace space, Instant now, bool persistent, IRecoveryObserver observer)
    {
        int s = (int)space;
        bool anyInFlight = false;
        Instant lastLossSent = default;
        for (int i = 0; i < _lostCount; i++)
        {
            ref readonly SentPacket packet = ref _lost[i];
            if (packet.InFlight)
            {
                if (packet.AckEliciting)
                {
                    _ackElicitingInFlight[s]--;
                }

                Controller.OnPacketLost(now, packet);
                lastLossSent = anyInFlight ? Instant.Max(lastLossSent, packet.TimeSent) : packet.TimeSent;
                anyInFlight = true;
            }
        }

        if (anyInFlight)
        {
            Controller.OnCongestionEvent(now, lastLossSent);
        }

        if (persistent)
        {
            Controller.OnPersistentCongestion(now);
            Rtt.ResetMinRtt();
        }

        for (int i = 0; i < _lostCount; i++)
        {
            if (space == PacketNumberSpace.ApplicationData)
            {
                Ecn.OnPacketLost(_lost[i]);
            }

            observer.OnPacketLost(space, _lost[i]);
        }

        _lostCount = 0;
    }

    /// <summary>OnPacketsAcked (Appendix B.5) for the acked scratch list, then the observer.</summary>
    private void ReportAcked(PacketNumberSpace space, Instant now, IRecoveryObserver observer)
    {
        int s = (int)space;
        for (int i = 0; i < _ackedCount; i++)
        {
            ref readonly SentPacket packet = ref _acked[i];
            if (packet.InFlight)
            {
                if (packet.AckEliciting)
                {
                    _ackElicitingInFlight[s]--;
                }

                Controller.OnPacketAcked(now, packet, Rtt);
            }

            observer.OnPacketAcked(space, packet);
        }

        _ackedCount = 0;
    }

    /// <summary>Lost packets sent after this are kept to recognise spurious losses: about three PTOs.</summary>
    private Instant LostRetentionHorizon(Instant now) => now - Rtt.PersistentCongestionDuration;

    private static void Append(ref SentPacket[] list, ref int count, in SentPacket packet)
    {
        if (count == list.Length)
        {
            // Grows only until it holds the largest window seen; reused afterwards.
            Array.Resize(ref list, list.Length * 2);
        }

        list[count++] = packet;
    }

    /// <summary>Ranges largest first, from a parsed frame or a span.</summary>
    private ref struct RangeCursor
    {
        private readonly ReadOnlySpan<AckRange> _span;
        private readonly bool _fromFrame;
        private AckRangeEnumerator _frame;
        private int _index;

        public RangeCursor(in AckFrame frame)
        {
            _frame = frame.GetEnumerator();
            _fromFrame = true;
            _span = default;
            _index = -1;
            Current = default;
        }

        public RangeCursor(ReadOnlySpan<AckRange> ranges)
        {
            _span = ranges;
            _fromFrame = false;
            _frame = default;
            _index = -1;
            Current = default;
        }

        public AckRange Current { get; private set; }

        public bool MoveNext()
        {
            if (_fromFrame)
            {
                if (!_frame.MoveNext())
                {
                    return false;
                }

                Current = _frame.Current;
                return true;
            }

            if (++_index >= _span.Length)
            {
                return false;
            }

            Current = _span[_index];
            return true;
        }
    }
}
