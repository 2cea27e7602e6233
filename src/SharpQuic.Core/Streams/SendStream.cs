namespace SharpQuic.Core.Streams;

/// <summary>
/// The sending part of a stream (RFC 9000 §3.1): the send buffer, the peer's stream-level
/// flow control credit, and the state machine Ready → Send → DataSent → DataRecvd, or
/// → ResetSent → ResetRecvd when abandoned.
/// </summary>
/// <remarks>
/// Driven by <see cref="StreamManager"/>: the application writes, the scheduler takes ranges
/// (<see cref="SendBuffer.TryGetNextRange"/>) and reports them here (<see cref="OnRangeSent"/>),
/// the connection reports acknowledgments and losses of the frames.
/// </remarks>
internal sealed class SendStream
{
    private SendCredit _credit;
    private bool _resetAtAwaitsData; // RESET_STREAM_AT goes once every byte below its final size was sent
    private bool _resetAtAcked;

    /// <summary>Creates the sending part with the peer's initial stream credit.</summary>
    public SendStream(StreamId id, ChunkPool pool, int bufferLimit, ulong peerInitialMaxStreamData)
    {
        Id = id;
        Buffer = new SendBuffer(pool, bufferLimit);
        _credit = new SendCredit(peerInitialMaxStreamData);
    }

    /// <summary>The stream.</summary>
    public StreamId Id { get; }

    /// <summary>The data and its range states.</summary>
    public SendBuffer Buffer { get; }

    /// <summary>The current state.</summary>
    public SendStreamState State { get; private set; }

    /// <summary>The peer's MAX_STREAM_DATA limit.</summary>
    public ulong MaxStreamData => _credit.Limit;

    /// <summary>The error code of our RESET_STREAM when reset.</summary>
    public ulong ResetErrorCode { get; private set; }

    /// <summary>The final size our RESET_STREAM carries: the bytes sent so far (RFC 9000 §4.5).</summary>
    public ulong ResetFinalSize { get; private set; }

    /// <summary>
    /// The reliable size of our RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset): the bytes below it are still
    /// sent and retransmitted; 0 after a plain RESET_STREAM.
    /// </summary>
    public ulong ReliableSize { get; private set; }

    /// <summary>Reset with RESET_STREAM_AT and the reliable prefix not yet all acknowledged: its data still goes out.</summary>
    public bool IsSendingReliablePrefix => State == SendStreamState.ResetSent && ReliableSize > 0;

    /// <summary>A RESET_STREAM (or RESET_STREAM_AT) waits to be sent (again, after loss).</summary>
    public bool ResetPending { get; set; }

    /// <summary>A STREAM_DATA_BLOCKED waits to be sent.</summary>
    public bool BlockedPending { get; set; }

    /// <summary>The limit the pending STREAM_DATA_BLOCKED reports.</summary>
    public ulong BlockedLimit { get; private set; }

    /// <summary>The application saw a short write; tell it when space frees (writable event).</summary>
    public bool WantsWritable { get; set; }

    /// <summary>True in a terminal state (DataRecvd or ResetRecvd).</summary>
    public bool IsTerminal => State is SendStreamState.DataRecvd or SendStreamState.ResetRecvd;

    /// <summary>True once reset (ResetSent or ResetRecvd).</summary>
    public bool IsReset => State is SendStreamState.ResetSent or SendStreamState.ResetRecvd;

    /// <summary>The limit below which new data may go, from stream credit alone.</summary>
    public ulong StreamDataLimit => _credit.Limit;

    /// <summary>True when unsent data waits and the stream's own credit is used up.</summary>
    public bool IsStreamBlocked => Buffer.Unsent > 0 && Buffer.SentEnd >= _credit.Limit;

    /// <summary>Applies MAX_STREAM_DATA; true when the limit grew (RFC 9000 §4.1: smaller values are ignored).</summary>
    public bool OnMaxStreamData(ulong limit) => _credit.Raise(limit);

    /// <summary>
    /// 0-RTT was rejected (RFC 9001 §4.6.2): the server saw none of this stream, so all of it is new data again under
    /// the server's new initial limit <paramref name="limit"/> (RFC 9000 §7.4.1), which may be lower than the
    /// remembered one. False when the stream cannot be rewound (something was acknowledged, or it was reset).
    /// </summary>
    public bool TryRewindForRejectedEarlyData(ulong limit)
    {
        if (IsReset || !Buffer.TryRewindUnacknowledged())
        {
            return false;
        }

        _credit = new SendCredit(limit);
        BlockedPending = false;
        State = SendStreamState.Ready;
        return true;
    }

    /// <summary>Writes application data; returns the bytes accepted (0 once finished or reset).</summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        if (IsReset || Buffer.FinRequested)
        {
            return 0;
        }

        int n = Buffer.Write(data);
        if (n < data.Length)
        {
            WantsWritable = true;
        }

        return n;
    }

    /// <summary>The application ends the stream cleanly (FIN after the written data).</summary>
    public void Finish()
    {
        if (!IsReset)
        {
            Buffer.Finish();
        }
    }

    /// <summary>A range taken from the buffer went into a frame.</summary>
    public void OnRangeSent(ulong newBytes, bool fin)
    {
        _credit.Consume(newBytes);
        if (State == SendStreamState.Ready)
        {
            State = SendStreamState.Send;
        }

        if (fin && State == SendStreamState.Send)
        {
            State = SendStreamState.DataSent;
        }
    }

    /// <summary>
    /// Records a STREAM_DATA_BLOCKED to send when blocked at a limit not yet reported (RFC 9000
    /// §4.1); true when one was queued.
    /// </summary>
    public bool TryReportBlocked()
    {
        if (!IsStreamBlocked || !_credit.TryReportBlocked())
        {
            return false;
        }

        BlockedPending = true;
        BlockedLimit = _credit.Limit;
        return true;
    }

    /// <summary>True while still blocked at <paramref name="limit"/>.</summary>
    public bool IsBlockedAt(ulong limit) => IsStreamBlocked && _credit.Limit == limit;

    /// <summary>A frame's data (and FIN) was acknowledged; returns true when the stream just became fully acknowledged.</summary>
    public bool OnAcked(ulong offset, ulong length, bool fin)
    {
        if (IsSendingReliablePrefix)
        {
            Buffer.OnRangeAcked(offset, length, fin: false);
            TryCompleteResetAt();
            return false;
        }

        if (IsReset)
        {
            return false;
        }

        Buffer.OnRangeAcked(offset, length, fin);
        if (State == SendStreamState.DataSent && Buffer.IsFullyAcked)
        {
            // RFC 9000 §3.1: all data acknowledged → "Data Recvd"; the memory is gone already.
            State = SendStreamState.DataRecvd;
            Buffer.Discard();
            return true;
        }

        return false;
    }

    /// <summary>A frame's data (and FIN) was declared lost: re-queue the ranges, unless reset.</summary>
    public void OnLost(ulong offset, ulong length, bool fin)
    {
        // After RESET_STREAM_AT the buffer takes back only the part below the reliable size.
        if (!IsReset || IsSendingReliablePrefix)
        {
            Buffer.OnRangeLost(offset, length, fin);
        }
    }

    /// <summary>
    /// Abandons sending (RFC 9000 §3.1, §19.4): data is dropped and never retransmitted, a
    /// RESET_STREAM with <paramref name="errorCode"/> and the bytes sent as final size is queued.
    /// Returns false in DataRecvd or once reset (nothing to do).
    /// </summary>
    public bool Reset(ulong errorCode)
    {
        if (IsSendingReliablePrefix)
        {
            // draft-ietf-quic-reliable-stream-reset §5.2: RESET_STREAM after RESET_STREAM_AT lowers the reliable size to
            // zero; the error code and final size stay those already sent. A RESET_STREAM_AT still waiting for its
            // prefix to go out committed nothing yet: the final size is then what was sent (within flow control).
            if (_resetAtAwaitsData)
            {
                ResetFinalSize = Buffer.SentEnd;
            }

            ReliableSize = 0;
            _resetAtAwaitsData = false;
            ResetPending = true;
            Buffer.Discard();
            return true;
        }

        if (IsReset || State == SendStreamState.DataRecvd)
        {
            return false;
        }

        ResetErrorCode = errorCode;
        ResetFinalSize = Buffer.SentEnd;
        State = SendStreamState.ResetSent;
        ResetPending = true;
        BlockedPending = false;
        WantsWritable = false;
        Buffer.Discard();
        return true;
    }

    /// <summary>
    /// Abandons sending with RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset §5): the first
    /// <paramref name="reliableSize"/> bytes (at most what was written) are still delivered — unsent ones are sent,
    /// lost ones retransmitted — and everything after them is dropped. The frame goes once those bytes were all sent
    /// (its final size then fits flow control, §4). A second call may only lower the reliable size (§5.2); a reliable
    /// size of zero is a plain <see cref="Reset"/>. Returns false when nothing changed.
    /// </summary>
    public bool ResetAt(ulong errorCode, ulong reliableSize)
    {
        if (IsReset)
        {
            if (!IsSendingReliablePrefix || reliableSize >= ReliableSize)
            {
                return false;
            }

            if (reliableSize == 0)
            {
                return Reset(ResetErrorCode);
            }

            // Same error code and final size (the data up to it still goes out once, so the frame's final size stays
            // within flow control); the smaller reliable size is the one to retransmit and acknowledge.
            ReliableSize = reliableSize;
            Buffer.LowerRetransmitEnd(reliableSize);
            _resetAtAcked = false;
            ResetPending = !_resetAtAwaitsData;
            return true;
        }

        if (State == SendStreamState.DataRecvd)
        {
            return false;
        }

        reliableSize = Math.Min(reliableSize, Buffer.WrittenEnd);
        if (reliableSize == 0)
        {
            return Reset(errorCode);
        }

        ResetErrorCode = errorCode;
        ReliableSize = reliableSize;
        ResetFinalSize = Buffer.LimitToReliable(reliableSize);
        State = SendStreamState.ResetSent;
        BlockedPending = false;
        WantsWritable = false;
        _resetAtAwaitsData = true;
        TryQueueResetAt();
        return true;
    }

    /// <summary>Queues the RESET_STREAM_AT once every byte below its final size has been sent; true when it just was.</summary>
    public bool TryQueueResetAt()
    {
        if (!_resetAtAwaitsData || !IsSendingReliablePrefix || Buffer.SentEnd < ResetFinalSize)
        {
            return false;
        }

        _resetAtAwaitsData = false;
        ResetPending = true;
        return true;
    }

    /// <summary>A RESET_STREAM_AT was acknowledged; it counts when it carried the current (smallest) reliable size.</summary>
    public void OnResetAtAcked(ulong reliableSize)
    {
        if (IsSendingReliablePrefix && reliableSize == ReliableSize)
        {
            _resetAtAcked = true;
            ResetPending = false;
            TryCompleteResetAt();
        }
    }

    /// <summary>A RESET_STREAM_AT was lost: send it again unless a smaller reliable size replaced it or it was acknowledged.</summary>
    public void OnResetAtLost(ulong reliableSize)
    {
        if (IsSendingReliablePrefix && reliableSize == ReliableSize && !_resetAtAcked)
        {
            ResetPending = true;
        }
    }

    /// <summary>§5.3: the frame with the smallest reliable size and every byte below it acknowledged → "Data Recvd" (terminal).</summary>
    private void TryCompleteResetAt()
    {
        if (_resetAtAcked && Buffer.AckedPrefix >= ReliableSize)
        {
            State = SendStreamState.ResetRecvd;
            ResetPending = false;
            Buffer.Discard();
        }
    }

    /// <summary>The RESET_STREAM was acknowledged (RFC 9000 §3.1: "Reset Recvd").</summary>
    public void OnResetAcked()
    {
        if (State == SendStreamState.ResetSent && ReliableSize == 0)
        {
            State = SendStreamState.ResetRecvd;
            ResetPending = false;
        }
    }

    /// <summary>The RESET_STREAM was lost: send it again while not acknowledged.</summary>
    public void OnResetLost()
    {
        if (State == SendStreamState.ResetSent && ReliableSize == 0)
        {
            ResetPending = true;
        }
    }
}
