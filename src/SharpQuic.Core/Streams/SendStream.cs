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

    /// <summary>A RESET_STREAM waits to be sent (again, after loss).</summary>
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
        if (!IsReset)
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

    /// <summary>The RESET_STREAM was acknowledged (RFC 9000 §3.1: "Reset Recvd").</summary>
    public void OnResetAcked()
    {
        if (State == SendStreamState.ResetSent)
        {
            State = SendStreamState.ResetRecvd;
            ResetPending = false;
        }
    }

    /// <summary>The RESET_STREAM was lost: send it again while not acknowledged.</summary>
    public void OnResetLost()
    {
        if (State == SendStreamState.ResetSent)
        {
            ResetPending = true;
        }
    }
}
