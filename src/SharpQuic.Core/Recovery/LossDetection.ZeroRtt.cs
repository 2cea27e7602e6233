namespace SharpQuic.Core.Recovery;

/// <summary>0-RTT rejection (RFC 9001 §4.6.2, RFC 9002 §6.4).</summary>
public sealed partial class LossDetection
{
    /// <summary>
    /// Client: the server rejected 0-RTT. Every ApplicationData packet still outstanding was a 0-RTT packet (1-RTT
    /// keys come later): each leaves bytes in flight without a congestion signal (RFC 9002 §6.4) and is reported
    /// lost, so that its frames are queued again for 1-RTT. The space itself stays in use.
    /// </summary>
    public void OnZeroRttRejected(Instant now, IRecoveryObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        int s = (int)PacketNumberSpace.ApplicationData;
        SentPacketRecords records = _sent[s];
        for (ulong pn = records.WindowStart; pn < records.WindowEnd; pn++)
        {
            ref SentPacketRecords.Slot slot = ref records.SlotAt(pn);
            if (slot.State == SentPacketRecords.SlotState.Outstanding)
            {
                Controller.OnPacketDiscarded(slot.Packet);
                observer.OnPacketLost(PacketNumberSpace.ApplicationData, slot.Packet);
            }
        }

        records.Clear();
        _timeOfLastAckEliciting[s] = null;
        _lossTime[s] = null;
        _ackElicitingInFlight[s] = 0;
        _probes[s] = 0;
        SetLossDetectionTimer(now);
    }
}
