namespace SharpQuic.Core.Streams;

/// <summary>
/// The receiving part of a stream (RFC 9000 §3.2): reassembly, our stream-level flow control
/// window, the final size rules (§4.5) and the state machine Recv → SizeKnown → DataRecvd →
/// DataRead, or → ResetRecvd → ResetRead.
/// </summary>
/// <remarks>
/// Frame inputs (<see cref="OnStreamFrame"/>, <see cref="OnReset"/>) return the connection error
/// to close with, and report through <c>newlyReceived</c> how far the stream's highest offset
/// advanced, which the caller adds to the connection-level flow control sum (RFC 9000 §4.1).
/// The caller checks the connection limit with that value before accepting the frame.
/// </remarks>
internal sealed class ReceiveStream
{
    private readonly ReceiveBuffer _buffer;
    private ReceiveWindow _window;
    private ulong _finalSize;

    // draft-ietf-quic-reliable-stream-reset §5: a RESET_STREAM_AT arrived; bytes below _reliableSize are
    // still delivered, then the application learns of the reset.
    private bool _resetAtPending;
    private ulong _reliableSize;

    /// <summary>Creates the receiving part with our initial stream window.</summary>
    public ReceiveStream(StreamId id, ChunkPool pool, ulong initialWindow, ulong maxWindow)
    {
        Id = id;
        _window = new ReceiveWindow(initialWindow, maxWindow);

        // The buffer must hold the largest window we may ever advertise; holes are bounded to
        // one per 64 bytes of that window, generous for loss and hostile to fragmentation.
        ulong capacity = Math.Max(initialWindow, _window.MaxWindow);
        _buffer = new ReceiveBuffer(pool, Math.Max(1UL, capacity), (int)Math.Clamp(capacity / 64, 64UL, 1UL << 20));
    }

    /// <summary>The stream.</summary>
    public StreamId Id { get; }

    /// <summary>The current state.</summary>
    public ReceiveStreamState State { get; private set; }

    /// <summary>True once the final size is known (FIN or RESET_STREAM seen).</summary>
    public bool FinalSizeKnown { get; private set; }

    /// <summary>The final size, valid when <see cref="FinalSizeKnown"/>.</summary>
    public ulong FinalSize => _finalSize;

    /// <summary>The highest offset received (the stream's flow control consumption, RFC 9000 §4.5).</summary>
    public ulong HighestReceived => _window.Received;

    /// <summary>Bytes the application read.</summary>
    public ulong ReadOffset => _buffer.ReadOffset;

    /// <summary>The limit we advertised last (MAX_STREAM_DATA).</summary>
    public ulong MaxStreamData => _window.Limit;

    /// <summary>The current stream window size (grows with auto-tuning).</summary>
    public ulong Window => _window.Window;

    /// <summary>The peer's RESET_STREAM error code, valid in ResetRecvd / ResetRead.</summary>
    public ulong ResetErrorCode { get; private set; }

    /// <summary>Bytes ready to read.</summary>
    public ulong Readable => IsReadAborted ? 0 : _resetAtPending ? Math.Min(_buffer.Readable, _reliableSize - _buffer.ReadOffset) : _buffer.Readable;

    /// <summary>Chunks held (tests check memory stays within the window).</summary>
    public int BufferedChunks => _buffer.ChunkCount;

    /// <summary>The application stopped reading (STOP_SENDING): data is dropped on arrival.</summary>
    public bool IsReadAborted { get; private set; }

    /// <summary>Error code of our STOP_SENDING.</summary>
    public ulong StopSendingErrorCode { get; private set; }

    /// <summary>A MAX_STREAM_DATA waits to be sent.</summary>
    public bool MaxStreamDataPending { get; set; }

    /// <summary>A STOP_SENDING waits to be sent.</summary>
    public bool StopSendingPending { get; set; }

    /// <summary>The application was told data is readable and has not read since (no repeat events).</summary>
    public bool ReadableSignalled { get; set; }

    /// <summary>True in a terminal state.</summary>
    public bool IsTerminal => State is ReceiveStreamState.DataRead or ReceiveStreamState.ResetRead;

    /// <summary>True while more flow control updates are useful: the final size is unknown (RFC 9000 §3.2, §13.3).</summary>
    public bool WantsMaxStreamData => State == ReceiveStreamState.Recv && !IsReadAborted;

    /// <summary>True while a STOP_SENDING is still useful: the peer may still be sending (RFC 9000 §13.3).</summary>
    public bool WantsStopSending => State is ReceiveStreamState.Recv or ReceiveStreamState.SizeKnown;

    /// <summary>
    /// Handles a STREAM frame (RFC 9000 §19.8). Errors: data beyond our MAX_STREAM_DATA is
    /// FLOW_CONTROL_ERROR (§4.1); data beyond a known final size, a FIN that changes it, or a FIN
    /// below data already received is FINAL_SIZE_ERROR (§4.5). <paramref name="newlyReceived"/> is
    /// how much the highest received offset grew (connection flow control consumption);
    /// <paramref name="discarded"/> is how much of that the stream throws away (read aborted or
    /// data after reset), to be counted as consumed at once.
    /// </summary>
    public TransportErrorCode OnStreamFrame(ulong offset, ReadOnlySpan<byte> data, bool fin, out ulong newlyReceived, out ulong discarded)
    {
        newlyReceived = 0;
        discarded = 0;
        ulong end = offset + (ulong)data.Length;
        TransportErrorCode error = CheckFinalSize(end, fin);
        if (error != TransportErrorCode.NoError)
        {
            return error;
        }

        ulong before = _window.Received;
        error = _window.OnReceived(end);
        if (error != TransportErrorCode.NoError)
        {
            return error;
        }

        newlyReceived = _window.Received - before;
        if (IsReadAborted)
        {
            discarded = newlyReceived;
        }

        if (fin && !FinalSizeKnown)
        {
            FinalSizeKnown = true;
            _finalSize = end;
            if (State == ReceiveStreamState.Recv)
            {
                State = ReceiveStreamState.SizeKnown;
            }
        }

        if (State is ReceiveStreamState.Recv or ReceiveStreamState.SizeKnown && !IsReadAborted)
        {
            if (!_buffer.TryInsert(offset, data))
            {
                // Within flow control but beyond the reassembly limits: a fragmentation attack
                // (RFC 9000 §21.7) — closing is one of the allowed reactions (§21.9).
                return TransportErrorCode.ProtocolViolation;
            }

            // After RESET_STREAM_AT the end stays a reset even when every byte arrived (§1: still an abrupt termination).
            if (State == ReceiveStreamState.SizeKnown && !_resetAtPending && _buffer.BufferedEnd == _finalSize && _buffer.Readable == _finalSize - _buffer.ReadOffset)
            {
                State = ReceiveStreamState.DataRecvd;
            }
        }

        CompleteIfAbortedAndFinished();
        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// Handles RESET_STREAM (RFC 9000 §19.4). A final size that differs from a known one or is
    /// below data already received is FINAL_SIZE_ERROR; above our limit FLOW_CONTROL_ERROR (§4.5).
    /// Returns with <paramref name="newlyReceived"/> the flow control consumption added and
    /// <paramref name="unread"/> the bytes the reset frees without being read (to be counted as
    /// consumed at connection level). <paramref name="changed"/> is true when the state moved to
    /// ResetRecvd (the application is to be told).
    /// </summary>
    public TransportErrorCode OnReset(ulong errorCode, ulong finalSize, out ulong newlyReceived, out ulong unread, out bool changed)
    {
        unread = 0;
        changed = false;
        TransportErrorCode error = AcceptResetFinalSize(errorCode, finalSize, checkCode: _resetAtPending, out newlyReceived);
        if (error != TransportErrorCode.NoError)
        {
            return error;
        }

        _resetAtPending = false; // RESET_STREAM is a reliable size of zero (§5.2)

        // RFC 9000 §3.2: a reset in Recv or SizeKnown abandons the data; once all data is here
        // (DataRecvd) we keep delivering it, and a terminal state stays as it is.
        if (State is ReceiveStreamState.Recv or ReceiveStreamState.SizeKnown)
        {
            // Bytes never to be read count as consumed; after AbortRead everything received
            // before was counted already.
            unread = IsReadAborted ? newlyReceived : finalSize - _buffer.ReadOffset;
            _buffer.Discard();
            ResetErrorCode = errorCode;
            State = IsReadAborted ? ReceiveStreamState.ResetRead : ReceiveStreamState.ResetRecvd;
            changed = !IsReadAborted;
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// Handles RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset §4–§5). Final size rules and flow control are
    /// those of RESET_STREAM; a reliable size larger than one received before is ignored, a smaller one replaces it;
    /// a changed error code is STREAM_STATE_ERROR. The receiving part enters "Size Known" and keeps delivering the
    /// bytes below the reliable size; <paramref name="changed"/> is true when the reset is the application's next
    /// news already (everything reliable was read), with <paramref name="unread"/> the bytes it frees.
    /// </summary>
    public TransportErrorCode OnResetAt(ulong errorCode, ulong finalSize, ulong reliableSize, out ulong newlyReceived, out ulong unread, out bool changed)
    {
        unread = 0;
        changed = false;
        bool checkCode = _resetAtPending || State is ReceiveStreamState.ResetRecvd or ReceiveStreamState.ResetRead;
        TransportErrorCode error = AcceptResetFinalSize(errorCode, finalSize, checkCode, out newlyReceived);
        if (error != TransportErrorCode.NoError)
        {
            return error;
        }

        if (State is not (ReceiveStreamState.Recv or ReceiveStreamState.SizeKnown))
        {
            // All data is here (DataRecvd) or the part is finished or reset: nothing changes (RFC 9000 §3.2).
            return TransportErrorCode.NoError;
        }

        if (IsReadAborted)
        {
            // STOP_SENDING went out: nothing is delivered any more; the final size settles the accounting.
            unread = newlyReceived;
            ResetErrorCode = errorCode;
            State = ReceiveStreamState.ResetRead;
            return TransportErrorCode.NoError;
        }

        ResetErrorCode = errorCode;
        State = ReceiveStreamState.SizeKnown;
        _reliableSize = _resetAtPending ? Math.Min(_reliableSize, reliableSize) : reliableSize;
        _resetAtPending = true;
        changed = TrySurfaceResetAt(out unread);
        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// Reads in-order data. <paramref name="finished"/> is true when the end of the stream was
    /// delivered (state DataRead). Returns the bytes copied. <paramref name="windowUpdate"/> is
    /// true when a MAX_STREAM_DATA should go out. The bytes read also count
    /// as consumed for connection flow control (the caller's part).
    /// </summary>
    public int Read(Span<byte> destination, Instant now, TimeSpan smoothedRtt, out bool finished, out bool windowUpdate, out ulong released)
    {
        finished = false;
        windowUpdate = false;
        released = 0;
        if (IsTerminal || IsReadAborted || State == ReceiveStreamState.ResetRecvd)
        {
            finished = State == ReceiveStreamState.DataRead;
            return 0;
        }

        if (_resetAtPending)
        {
            // Only the reliable prefix is delivered; the reset follows it.
            destination = destination[..(int)Math.Min((ulong)destination.Length, _reliableSize - _buffer.ReadOffset)];
        }

        int n = _buffer.Read(destination);
        if (n > 0)
        {
            windowUpdate = _window.OnConsumed((ulong)n, now, smoothedRtt) && WantsMaxStreamData;
        }

        if (_resetAtPending)
        {
            TrySurfaceResetAt(out released);
            return n;
        }

        if (FinalSizeKnown && _buffer.ReadOffset == _finalSize && State is ReceiveStreamState.SizeKnown or ReceiveStreamState.DataRecvd)
        {
            State = ReceiveStreamState.DataRead;
            _buffer.Discard();
            finished = true;
        }

        return n;
    }

    /// <summary>
    /// A reset's final size (RFC 9000 §4.5): one that differs from a known one or is below data already received is
    /// FINAL_SIZE_ERROR, above our limit FLOW_CONTROL_ERROR; with <paramref name="checkCode"/>, a code other than the
    /// earlier reset's is STREAM_STATE_ERROR (draft-ietf-quic-reliable-stream-reset §5.2).
    /// </summary>
    private TransportErrorCode AcceptResetFinalSize(ulong errorCode, ulong finalSize, bool checkCode, out ulong newlyReceived)
    {
        newlyReceived = 0;
        if ((FinalSizeKnown && finalSize != _finalSize) || finalSize < _window.Received)
        {
            return TransportErrorCode.FinalSizeError;
        }

        if (checkCode && errorCode != ResetErrorCode)
        {
            return TransportErrorCode.StreamStateError;
        }

        ulong before = _window.Received;
        TransportErrorCode error = _window.OnReceived(finalSize);
        if (error != TransportErrorCode.NoError)
        {
            return error;
        }

        newlyReceived = _window.Received - before;
        FinalSizeKnown = true;
        _finalSize = finalSize;
        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// Once the reliable prefix of a RESET_STREAM_AT has been read, the rest is dropped and the reset becomes the
    /// application's next news ("Reset Recvd"); <paramref name="unread"/> is what the final size adds beyond the read.
    /// </summary>
    private bool TrySurfaceResetAt(out ulong unread)
    {
        unread = 0;
        if (!_resetAtPending || _buffer.ReadOffset < _reliableSize)
        {
            return false;
        }

        _resetAtPending = false;
        unread = _finalSize - _buffer.ReadOffset;
        _buffer.Discard();
        State = ReceiveStreamState.ResetRecvd;
        return true;
    }

    /// <summary>The application learned of the reset (RFC 9000 §3.2: "Reset Read").</summary>
    public void OnResetDelivered()
    {
        if (State == ReceiveStreamState.ResetRecvd)
        {
            State = ReceiveStreamState.ResetRead;
        }
    }

    /// <summary>
    /// The application stops reading (RFC 9000 §3.5): buffered data is dropped, a STOP_SENDING is
    /// queued unless the peer already finished or reset. Returns the unread bytes received so far
    /// (count them as consumed at connection level).
    /// </summary>
    public ulong AbortRead(ulong errorCode)
    {
        if (IsReadAborted || IsTerminal)
        {
            return 0;
        }

        IsReadAborted = true;
        _resetAtPending = false;
        StopSendingErrorCode = errorCode;
        ulong unread = _window.Received - _buffer.ReadOffset;
        _buffer.Discard();
        if (State == ReceiveStreamState.ResetRecvd)
        {
            State = ReceiveStreamState.ResetRead;
            return 0;
        }

        if (FinalSizeKnown)
        {
            // SizeKnown or DataRecvd: the peer sent everything already and may be done (its
            // data acknowledged), so it might never answer a STOP_SENDING; every byte up to the
            // final size is accounted for. The part is finished now.
            State = ReceiveStreamState.DataRead;
            return unread;
        }

        StopSendingPending = true;
        return unread;
    }

    /// <summary>
    /// After <see cref="AbortRead"/>, data keeps counting against flow control but is dropped;
    /// once the final size is known the part is done (DataRead): every byte up to it is
    /// accounted for, and late frames for the released stream are ignored.
    /// </summary>
    private void CompleteIfAbortedAndFinished()
    {
        if (IsReadAborted && FinalSizeKnown && State is ReceiveStreamState.SizeKnown or ReceiveStreamState.DataRecvd)
        {
            State = ReceiveStreamState.DataRead;
        }
    }

    private TransportErrorCode CheckFinalSize(ulong end, bool fin)
    {
        if (FinalSizeKnown)
        {
            // RFC 9000 §4.5: no data at or beyond the final size; a FIN must not change it.
            if (end > _finalSize || (fin && end != _finalSize))
            {
                return TransportErrorCode.FinalSizeError;
            }
        }
        else if (fin && end < _window.Received)
        {
            // A final size below data already received.
            return TransportErrorCode.FinalSizeError;
        }

        return TransportErrorCode.NoError;
    }
}
