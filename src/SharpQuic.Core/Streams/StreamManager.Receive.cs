using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Streams;

/// <summary>Inputs: the stream-related frames the peer sent (RFC 9000 §19.4–§19.5, §19.8–§19.14).</summary>
public sealed partial class StreamManager
{
    /// <summary>
    /// Reads and handles the pending frame of <paramref name="frames"/> when <paramref name="type"/>
    /// is one of the nine stream-related types; returns false (reading nothing) for other types.
    /// <paramref name="error"/> is the parse or handling error to close the connection with.
    /// </summary>
    public bool TryHandleFrame(ref FrameReader frames, FrameType type, Instant now, out TransportErrorCode error)
    {
        switch (type)
        {
            case FrameType.Stream:
                error = frames.ReadStream(out StreamFrame stream);
                error = error == TransportErrorCode.NoError ? HandleStream(stream, now) : error;
                return true;
            case FrameType.ResetStream:
                error = frames.ReadResetStream(out ResetStreamFrame reset);
                error = error == TransportErrorCode.NoError ? HandleResetStream(reset, now) : error;
                return true;
            case FrameType.ResetStreamAt:
                error = frames.ReadResetStreamAt(out ResetStreamAtFrame resetAt);
                error = error == TransportErrorCode.NoError ? HandleResetStreamAt(resetAt, now) : error;
                return true;
            case FrameType.StopSending:
                error = frames.ReadStopSending(out StopSendingFrame stop);
                error = error == TransportErrorCode.NoError ? HandleStopSending(stop, now) : error;
                return true;
            case FrameType.MaxData:
                error = frames.ReadMaxData(out MaxDataFrame maxData);
                error = error == TransportErrorCode.NoError ? HandleMaxData(maxData) : error;
                return true;
            case FrameType.MaxStreamData:
                error = frames.ReadMaxStreamData(out MaxStreamDataFrame maxStreamData);
                error = error == TransportErrorCode.NoError ? HandleMaxStreamData(maxStreamData, now) : error;
                return true;
            case FrameType.MaxStreamsBidi or FrameType.MaxStreamsUni:
                error = frames.ReadMaxStreams(out MaxStreamsFrame maxStreams);
                error = error == TransportErrorCode.NoError ? HandleMaxStreams(maxStreams) : error;
                return true;
            case FrameType.DataBlocked:
                error = frames.ReadDataBlocked(out DataBlockedFrame dataBlocked);
                error = error == TransportErrorCode.NoError ? HandleDataBlocked(dataBlocked) : error;
                return true;
            case FrameType.StreamDataBlocked:
                error = frames.ReadStreamDataBlocked(out StreamDataBlockedFrame streamDataBlocked);
                error = error == TransportErrorCode.NoError ? HandleStreamDataBlocked(streamDataBlocked, now) : error;
                return true;
            case FrameType.StreamsBlockedBidi or FrameType.StreamsBlockedUni:
                error = frames.ReadStreamsBlocked(out StreamsBlockedFrame streamsBlocked);
                error = error == TransportErrorCode.NoError ? HandleStreamsBlocked(streamsBlocked) : error;
                return true;
            default:
                error = TransportErrorCode.NoError;
                return false;
        }
    }

    /// <summary>
    /// STREAM (RFC 9000 §19.8). STREAM_STATE_ERROR for a send-only stream or a local stream not
    /// yet opened; STREAM_LIMIT_ERROR beyond our stream limit; FLOW_CONTROL_ERROR beyond the stream
    /// or connection limit (§4.1); FINAL_SIZE_ERROR on final size violations (§4.5).
    /// </summary>
    public TransportErrorCode HandleStream(StreamFrame frame, Instant now)
    {
        var id = new StreamId(frame.StreamId);
        TransportErrorCode error = ResolveForFrame(id, sendPart: false, out StreamRecord? record);
        if (error != TransportErrorCode.NoError || record is null)
        {
            return error;
        }

        ReceiveStream receive = record.Receive!;
        bool sizeWasKnown = receive.FinalSizeKnown;
        error = receive.OnStreamFrame(frame.Offset, frame.Data, frame.Fin, out ulong newlyReceived, out ulong discarded);
        if (error != TransportErrorCode.NoError)
        {
            return error;
        }

        error = _connectionReceive.OnReceived(_connectionReceive.Received + newlyReceived);
        if (error != TransportErrorCode.NoError)
        {
            return error;
        }

        ConsumeConnection(discarded, now);
        SignalReadable(record, receive);
        EmitFinalSizeOnce(receive, sizeWasKnown);
        TryRelease(record);
        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// RESET_STREAM (RFC 9000 §19.4): STREAM_STATE_ERROR for a send-only stream or a local stream
    /// not yet opened; FINAL_SIZE_ERROR or FLOW_CONTROL_ERROR on a bad final size (§4.5).
    /// </summary>
    public TransportErrorCode HandleResetStream(in ResetStreamFrame frame, Instant now) =>
        HandleReset(frame.StreamId, frame.ApplicationErrorCode, frame.FinalSize, reliableSize: null, now);

    /// <summary>
    /// RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset §4, §5): like RESET_STREAM, but the bytes below the
    /// reliable size are still delivered before the application learns of the reset. A changed error code is
    /// STREAM_STATE_ERROR and a changed final size FINAL_SIZE_ERROR (§5.2); a larger reliable size than before is
    /// ignored (reordering).
    /// </summary>
    public TransportErrorCode HandleResetStreamAt(in ResetStreamAtFrame frame, Instant now) =>
        HandleReset(frame.StreamId, frame.ApplicationErrorCode, frame.FinalSize, frame.ReliableSize, now);

    private TransportErrorCode HandleReset(ulong streamId, ulong errorCode, ulong finalSize, ulong? reliableSize, Instant now)
    {
        var id = new StreamId(streamId);
        TransportErrorCode error = ResolveForFrame(id, sendPart: false, out StreamRecord? record);
        if (error != TransportErrorCode.NoError || record is null)
        {
            return error;
        }

        ReceiveStream receive = record.Receive!;
        bool sizeWasKnown = receive.FinalSizeKnown;
        ulong newlyReceived, unread;
        bool changed;
        error = reliableSize is ulong reliable
            ? receive.OnResetAt(errorCode, finalSize, reliable, out newlyReceived, out unread, out changed)
            : receive.OnReset(errorCode, finalSize, out newlyReceived, out unread, out changed);
        if (error != TransportErrorCode.NoError)
        {
            return error;
        }

        error = _connectionReceive.OnReceived(_connectionReceive.Received + newlyReceived);
        if (error != TransportErrorCode.NoError)
        {
            return error;
        }

        // RFC 9000 §4.5: the final size counts against connection flow control; the bytes that
        // will never be read are consumed now so the connection window keeps moving.
        ConsumeConnection(unread, now);
        if (changed)
        {
            // The reset is the application's next news (for RESET_STREAM_AT: everything reliable was read).
            Emit(StreamEventKind.ResetReceived, id, errorCode);
        }
        else if (reliableSize is not null)
        {
            // The reliable prefix may be readable now.
            SignalReadable(record, receive);
        }

        EmitFinalSizeOnce(receive, sizeWasKnown);
        TryRelease(record);
        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// STOP_SENDING (RFC 9000 §19.5): STREAM_STATE_ERROR for a receive-only stream or a local
    /// stream not yet opened. We answer with RESET_STREAM carrying the peer's code (§3.5).
    /// </summary>
    public TransportErrorCode HandleStopSending(in StopSendingFrame frame, Instant now)
    {
        _ = now;
        var id = new StreamId(frame.StreamId);
        TransportErrorCode error = ResolveForFrame(id, sendPart: true, out StreamRecord? record);
        if (error != TransportErrorCode.NoError || record is null)
        {
            return error;
        }

        SendStream send = record.Send!;
        if (send.Reset(frame.ApplicationErrorCode))
        {
            EnqueueControl(record);
            Emit(StreamEventKind.StopSendingReceived, id, frame.ApplicationErrorCode);
        }

        TryRelease(record);
        return TransportErrorCode.NoError;
    }

    /// <summary>MAX_DATA (RFC 9000 §19.9): a larger connection limit; smaller values are ignored (§4.1).</summary>
    public TransportErrorCode HandleMaxData(in MaxDataFrame frame)
    {
        if (_connectionSend.Raise(frame.MaximumData))
        {
            UnparkConnectionBlocked();
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// MAX_STREAM_DATA (RFC 9000 §19.10): STREAM_STATE_ERROR for a receive-only stream or a local
    /// stream not yet opened; smaller values are ignored (§4.1).
    /// </summary>
    public TransportErrorCode HandleMaxStreamData(in MaxStreamDataFrame frame, Instant now)
    {
        _ = now;
        var id = new StreamId(frame.StreamId);
        TransportErrorCode error = ResolveForFrame(id, sendPart: true, out StreamRecord? record);
        if (error != TransportErrorCode.NoError || record is null)
        {
            return error;
        }

        if (record.Send!.OnMaxStreamData(frame.MaximumStreamData))
        {
            EnqueueSend(record);
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>MAX_STREAMS (RFC 9000 §19.11): a larger limit on the streams we open; limits never decrease.</summary>
    public TransportErrorCode HandleMaxStreams(in MaxStreamsFrame frame)
    {
        LocalStreamLimit limit = frame.Bidirectional ? _localBidi : _localUni;
        if (limit.Raise(frame.MaximumStreams))
        {
            Emit(StreamEventKind.StreamsAvailable, StreamId.Create(_us, frame.Bidirectional ? StreamDirection.Bidirectional : StreamDirection.Unidirectional, limit.Opened));
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// DATA_BLOCKED (RFC 9000 §19.12): informational. When our limit is already above the
    /// reported one, our MAX_DATA may have been lost: send the current value again.
    /// </summary>
    public TransportErrorCode HandleDataBlocked(in DataBlockedFrame frame)
    {
        if (_connectionReceive.Limit > frame.MaximumData)
        {
            _maxDataPending = true;
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// STREAM_DATA_BLOCKED (RFC 9000 §19.13): STREAM_STATE_ERROR for a send-only stream or a local
    /// stream not yet opened; otherwise like DATA_BLOCKED for one stream.
    /// </summary>
    public TransportErrorCode HandleStreamDataBlocked(in StreamDataBlockedFrame frame, Instant now)
    {
        _ = now;
        var id = new StreamId(frame.StreamId);
        TransportErrorCode error = ResolveForFrame(id, sendPart: false, out StreamRecord? record);
        if (error != TransportErrorCode.NoError || record is null)
        {
            return error;
        }

        ReceiveStream receive = record.Receive!;
        if (receive.WantsMaxStreamData && receive.MaxStreamData > frame.MaximumStreamData)
        {
            receive.MaxStreamDataPending = true;
            EnqueueControl(record);
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// STREAMS_BLOCKED (RFC 9000 §19.14): informational. When our limit is already above the
    /// reported one, our MAX_STREAMS may have been lost: send it again.
    /// </summary>
    public TransportErrorCode HandleStreamsBlocked(in StreamsBlockedFrame frame)
    {
        RemoteStreamLimit limit = frame.Bidirectional ? _remoteBidi : _remoteUni;
        if (limit.MaxStreams > frame.MaximumStreams)
        {
            if (frame.Bidirectional)
            {
                _maxStreamsBidiPending = true;
            }
            else
            {
                _maxStreamsUniPending = true;
            }
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// Finds the stream a frame names. Our streams not yet opened are STREAM_STATE_ERROR (RFC 9000
    /// §19.4, §19.5, §19.8, §19.10, §19.13); peer streams beyond our limit STREAM_LIMIT_ERROR
    /// (§4.6); a peer stream id above the highest seen opens it and every lower one of its type
    /// (§3.2). A stream that existed and was released gives a null record: ignore the frame.
    /// </summary>
    private TransportErrorCode ResolveForFrame(StreamId id, bool sendPart, out StreamRecord? record)
    {
        // A frame about our sending part on a receive-only stream, or about our receiving part on
        // a send-only stream, is STREAM_STATE_ERROR (RFC 9000 §19.4, §19.5, §19.8, §19.10, §19.13).
        if (!(sendPart ? id.CanSend(_isClient) : id.CanReceive(_isClient)))
        {
            record = null;
            return TransportErrorCode.StreamStateError;
        }

        if (_streams.TryGetValue(id.Value, out record))
        {
            return TransportErrorCode.NoError;
        }

        record = null;
        if (id.IsLocal(_isClient))
        {
            LocalStreamLimit local = id.IsBidirectional ? _localBidi : _localUni;
            return local.IsOpened(id.Index) ? TransportErrorCode.NoError : TransportErrorCode.StreamStateError;
        }

        RemoteStreamLimit remote = id.IsBidirectional ? _remoteBidi : _remoteUni;
        TransportErrorCode error = remote.TryAccept(id.Index, out ulong firstNew);
        if (error != TransportErrorCode.NoError)
        {
            return error;
        }

        for (ulong index = firstNew; index <= id.Index; index++)
        {
            StreamId opened = StreamId.Create(_them, id.Direction, index);
            StreamRecord created = CreateStream(opened);
            Emit(StreamEventKind.Opened, opened);
            if (index == id.Index)
            {
                record = created;
            }
        }

        return TransportErrorCode.NoError;
    }

    private void SignalReadable(StreamRecord record, ReceiveStream receive)
    {
        bool readable = receive.Readable > 0 || receive.State == ReceiveStreamState.DataRecvd;
        if (readable && !receive.ReadableSignalled && !receive.IsReadAborted)
        {
            receive.ReadableSignalled = true;
            Emit(StreamEventKind.Readable, record.Id);
        }
    }

    private void UnparkConnectionBlocked()
    {
        for (int i = 0; i < _connectionBlocked.Count; i++)
        {
            StreamRecord record = _connectionBlocked[i];
            record.InConnectionBlocked = false;
            EnqueueSend(record);
        }

        _connectionBlocked.Clear();
    }
}
