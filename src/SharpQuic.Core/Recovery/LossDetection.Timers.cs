namespace SharpQuic.Core.Recovery;

/// <summary>The loss detection timer: time-threshold loss or PTO (RFC 9002 §6.2, Appendix A.8).</summary>
public sealed partial class LossDetection
{
    /// <summary>Backoff beyond 2^20 PTO periods is meaningless; the idle timeout ends the connection first.</summary>
    private const int MaxBackoffShift = 20;

    /// <summary>SetLossDetectionTimer (Appendix A.8).</summary>
    private void SetLossDetectionTimer(Instant now)
    {
        if (TryGetEarliestLossTime(out Instant lossTime, out _))
        {
            // §6.2.1: no PTO while a time-threshold loss timer is set.
            _timer = lossTime;
            return;
        }

        if (_amplificationLimited)
        {
            // §6.2.2.1: a server that cannot send must not arm the PTO.
            _timer = null;
            return;
        }

        if (!AnyAckElicitingInFlight() && PeerCompletedAddressValidation)
        {
            // Nothing to detect as lost; only a client not yet known to be validated keeps a
            // timer, to unblock a server held by its amplification limit.
            _timer = null;
            return;
        }

        GetPtoTimeAndSpace(now, out Instant timeout, out _);
        _timer = timeout == Instant.Infinite ? null : timeout;
    }

    /// <summary>GetLossTimeAndSpace (Appendix A.8): the earliest loss_time over the spaces.</summary>
    private bool TryGetEarliestLossTime(out Instant time, out PacketNumberSpace space)
    {
        time = Instant.Infinite;
        space = PacketNumberSpace.Initial;
        bool found = false;
        for (int s = 0; s < Spaces; s++)
        {
            if (_lossTime[s] is Instant t && (!found || t < time))
            {
                time = t;
                space = (PacketNumberSpace)s;
                found = true;
            }
        }

        return found;
    }

    /// <summary>
    /// GetPtoTimeAndSpace (Appendix A.8): the earliest PTO over the spaces with ack-eliciting
    /// packets in flight, ApplicationData only once the handshake is confirmed (§6.2.1), with the
    /// backoff shared by all spaces; the anti-deadlock timer counts from now.
    /// </summary>
    private void GetPtoTimeAndSpace(Instant now, out Instant timeout, out PacketNumberSpace space)
    {
        TimeSpan duration = Backoff(Rtt.ProbeTimeout(includeMaxAckDelay: false));
        if (!AnyAckElicitingInFlight())
        {
            timeout = now + duration;
            space = _hasHandshakeKeys ? PacketNumberSpace.Handshake : PacketNumberSpace.Initial;
            return;
        }

        timeout = Instant.Infinite;
        space = PacketNumberSpace.Initial;
        for (int s = 0; s < Spaces; s++)
        {
            if (_ackElicitingInFlight[s] == 0 || _timeOfLastAckEliciting[s] is not Instant last)
            {
                continue;
            }

            if (s == (int)PacketNumberSpace.ApplicationData)
            {
                if (!_handshakeConfirmed)
                {
                    return;
                }

                duration = SaturatingAdd(duration, Backoff(Rtt.MaxAckDelay));
            }

            Instant t = last + duration;
            if (t < timeout)
            {
                timeout = t;
                space = (PacketNumberSpace)s;
            }
        }
    }

    private TimeSpan Backoff(TimeSpan period)
    {
        int shift = Math.Min(PtoCount, MaxBackoffShift);
        long ticks = period.Ticks;
        return ticks > (TimeSpan.MaxValue.Ticks >> shift) ? TimeSpan.MaxValue : TimeSpan.FromTicks(ticks << shift);
    }

    private static TimeSpan SaturatingAdd(TimeSpan a, TimeSpan b) =>
        a.Ticks > TimeSpan.MaxValue.Ticks - b.Ticks ? TimeSpan.MaxValue : a + b;

    private bool AnyAckElicitingInFlight()
    {
        for (int s = 0; s < Spaces; s++)
        {
            if (_ackElicitingInFlight[s] > 0)
            {
                return true;
            }
        }

        return false;
    }
}
