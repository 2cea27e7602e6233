using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Streams;

/// <summary>Outputs: control frames and stream data for the packet builder, and the acknowledgment/loss feedback.</summary>
public sealed partial class StreamManager
{
    private bool _maxDataPending;
    private bool _dataBlockedPending;
    private ulong _dataBlockedLimit;
    private bool _maxStreamsBidiPending;
    private bool _maxStreamsUniPending;
    private bool _streamsBlockedBidiPending;
    private bool _streamsBlockedUniPending;

    /// <summary>
    /// Writes one pending control frame (MAX_DATA, MAX_STREAMS, DATA_BLOCKED, STREAMS_BLOCKED,
    /// then per stream RESET_STREAM, STOP_SENDING, MAX_STREAM_DATA, STREAM_DATA_BLOCKED) into
    /// <paramref name="writer"/>. False when none is pending or the next one does not fit; call
    /// until false. Limits are written with their latest value, so a frame re-queued after loss
    /// never carries a stale one (RFC 9000 §13.3).
    /// </summary>
    public bool TryWriteControlFrame(ref QuicWriter writer, out SentControlFrame sent)
    {
        sent = default;
        if (_maxDataPending)
        {
            var frame = new MaxDataFrame(_connectionReceive.Limit);
            if (!frame.TryWrite(ref writer))
            {
                return false;
            }

            _maxDataPending = false;
            sent = new SentControlFrame(FrameType.MaxData, default, frame.MaximumData);
            return true;
        }

        if (_maxStreamsBidiPending || _maxStreamsUniPending)
        {
            bool bidi = _maxStreamsBidiPending;
            var frame = new MaxStreamsFrame(bidi, (bidi ? _remoteBidi : _remoteUni).MaxStreams);
            if (!frame.TryWrite(ref writer))
            {
                return false;
            }

            if (bidi)
            {
                _maxStreamsBidiPending = false;
            }
            else
            {
                _maxStreamsUniPending = false;
            }

            sent = new SentControlFrame(frame.Type, default, frame.MaximumStreams);
            return true;
        }

        if (_dataBlockedPending)
        {
            var frame = new DataBlockedFrame(_dataBlockedLimit);
            if (!frame.TryWrite(ref writer))
            {
                return false;
            }

            _dataBlockedPending = false;
            sent = new SentControlFrame(FrameType.DataBlocked, default, frame.MaximumData);
            return true;
        }

        if (_streamsBlockedBidiPending || _streamsBlockedUniPending)
        {
            bool bidi = _streamsBlockedBidiPending;
            var frame = new StreamsBlockedFrame(bidi, (bidi ? _localBidi : _localUni).PeerMax);
            if (!frame.TryWrite(ref writer))
            {
                return false;
            }

            if (bidi)
            {
                _streamsBlockedBidiPending = false;
            }
            else
            {
                _streamsBlockedUniPending = false;
            }

            sent = new SentControlFrame(frame.Type, default, frame.MaximumStreams);
            return true;
        }

        while (_controlQueue.TryPeek(out StreamRecord? record))
        {
            if (record.Released || !record.HasControlPending)
            {
                record.InControlQueue = false;
                _controlQueue.Dequeue();
                continue;
            }

            if (!TryWriteStreamControl(record, ref writer, out sent))
            {
                return false;
            }

            if (!record.HasControlPending)
            {
                record.InControlQueue = false;
                _controlQueue.Dequeue();
            }

            return true;
        }

        return false;
    }

    /// <summary>
    /// Writes one STREAM frame (with a Length field) from the stream whose turn it is in RFC 9218 order
    /// (<see cref="StreamSendScheduler"/>): lost ranges first, then new data within the stream and connection flow
    /// control limits. False when no stream has anything sendable or the next frame does not fit (the stream keeps
    /// its turn for the next packet); streams found blocked by flow control leave the schedule, queue
    /// STREAM_DATA_BLOCKED / DATA_BLOCKED (once per limit, RFC 9000 §4.1) and wait for MAX_STREAM_DATA / MAX_DATA,
    /// so a blocked urgent stream never holds back less urgent ones.
    /// </summary>
    public bool TryWriteStreamFrame(ref QuicWriter writer, out SentStreamFrame sent)
    {
        sent = default;

        // Each turn of the loop either returns or removes the head, so it ends.
        while (_sendQueue.TryPeek(out StreamRecord record))
        {
            if (record.Released || record.Send is not { } send || (send.IsReset && !send.IsSendingReliablePrefix))
            {
                _sendQueue.RemoveHead();
                continue;
            }

            SendBuffer buffer = send.Buffer;
            ulong newDataLimit = Math.Min(send.StreamDataLimit, buffer.SentEnd + _connectionSend.Available);
            if (!buffer.TryPeekNextOffset(newDataLimit, out ulong offset))
            {
                _sendQueue.RemoveHead();
                NoteBlocked(record, send);
                continue;
            }

            int maxLength = StreamFrame.MaxDataLength(record.Id.Value, offset, writer.Remaining, withLength: true);
            if (maxLength < 0 ||
                !buffer.TryGetNextRange(maxLength, newDataLimit, out offset, out int length, out bool fin, out ulong newBytes))
            {
                // Does not fit this packet; the stream keeps its turn for the next one.
                return false;
            }

            send.OnRangeSent(newBytes, fin);
            _connectionSend.Consume(newBytes);
            if (send.TryQueueResetAt())
            {
                // The reliable prefix has all been sent once: its RESET_STREAM_AT can follow.
                EnqueueControl(record);
            }

            var frame = new StreamFrame(record.Id.Value, offset, buffer.GetData(offset, length), fin);
            if (!frame.TryWrite(ref writer))
            {
                throw new InvalidOperationException("A STREAM frame sized by MaxDataLength did not fit.");
            }

            sent = new SentStreamFrame(record.Id, offset, length, fin);
            newDataLimit = Math.Min(send.StreamDataLimit, buffer.SentEnd + _connectionSend.Available);
            if (buffer.HasSendable(newDataLimit))
            {
                _sendQueue.AfterFrame();
            }
            else
            {
                _sendQueue.RemoveHead();
                NoteBlocked(record, send);
            }

            return true;
        }

        return false;
    }

    /// <summary>A packet carrying this STREAM frame was acknowledged.</summary>
    public void OnStreamFrameAcked(in SentStreamFrame frame)
    {
        if (!_streams.TryGetValue(frame.StreamId.Value, out StreamRecord? record) || record.Send is not { } send)
        {
            return;
        }

        if (send.OnAcked(frame.Offset, (ulong)frame.Length, frame.Fin))
        {
            Emit(StreamEventKind.Finished, record.Id);
        }

        if (send.WantsWritable && send.Buffer.Writable > 0)
        {
            send.WantsWritable = false;
            Emit(StreamEventKind.Writable, record.Id);
        }

        TryRelease(record);
    }

    /// <summary>A packet carrying this STREAM frame was declared lost: its ranges are queued again.</summary>
    public void OnStreamFrameLost(in SentStreamFrame frame)
    {
        if (!_streams.TryGetValue(frame.StreamId.Value, out StreamRecord? record) || record.Send is not { } send
            || (send.IsReset && !send.IsSendingReliablePrefix))
        {
            return;
        }

        send.OnLost(frame.Offset, (ulong)frame.Length, frame.Fin);
        if (send.Buffer.HasLost)
        {
            EnqueueSend(record);
        }
    }

    /// <summary>A packet carrying this control frame was acknowledged (a RESET_STREAM moves to "Reset Recvd").</summary>
    public void OnControlFrameAcked(in SentControlFrame frame)
    {
        if (frame.Type is FrameType.ResetStream or FrameType.ResetStreamAt &&
            _streams.TryGetValue(frame.StreamId.Value, out StreamRecord? record) && record.Send is { } send)
        {
            if (frame.Type == FrameType.ResetStream)
            {
                send.OnResetAcked();
            }
            else
            {
                send.OnResetAtAcked(frame.Value);
            }

            TryRelease(record);
        }
    }

    /// <summary>
    /// A packet carrying this control frame was declared lost: queue it again when what it said
    /// still matters (RFC 9000 §13.3) — the latest limit when it is still the current one, a reset
    /// until acknowledged, a blocked signal while still blocked at that limit.
    /// </summary>
    public void OnControlFrameLost(in SentControlFrame frame)
    {
        switch (frame.Type)
        {
            case FrameType.MaxData:
                _maxDataPending |= frame.Value == _connectionReceive.Limit;
                return;
            case FrameType.MaxStreamsBidi:
                _maxStreamsBidiPending |= frame.Value == _remoteBidi.MaxStreams;
                return;
            case FrameType.MaxStreamsUni:
                _maxStreamsUniPending |= frame.Value == _remoteUni.MaxStreams;
                return;
            case FrameType.DataBlocked:
                if (_connectionSend.IsBlockedAt(frame.Value))
                {
                    _dataBlockedPending = true;
                    _dataBlockedLimit = frame.Value;
                }

                return;
            case FrameType.StreamsBlockedBidi:
                _streamsBlockedBidiPending |= _localBidi.IsBlockedAt(frame.Value);
                return;
            case FrameType.StreamsBlockedUni:
                _streamsBlockedUniPending |= _localUni.IsBlockedAt(frame.Value);
                return;
        }

        if (!_streams.TryGetValue(frame.StreamId.Value, out StreamRecord? record))
        {
            return;
        }

        switch (frame.Type)
        {
            case FrameType.ResetStream when record.Send is { } send:
                send.OnResetLost();
                break;
            case FrameType.ResetStreamAt when record.Send is { } send:
                send.OnResetAtLost(frame.Value);
                break;
            case FrameType.StopSending when record.Receive is { } receive:
                receive.StopSendingPending |= receive.IsReadAborted && receive.WantsStopSending;
                break;
            case FrameType.MaxStreamData when record.Receive is { } receive:
                receive.MaxStreamDataPending |= receive.WantsMaxStreamData && frame.Value == receive.MaxStreamData;
                break;
            case FrameType.StreamDataBlocked when record.Send is { } send:
                send.BlockedPending |= send.IsBlockedAt(frame.Value);
                break;
        }

        if (record.HasControlPending)
        {
            EnqueueControl(record);
        }
    }

    private bool TryWriteStreamControl(StreamRecord record, ref QuicWriter writer, out SentControlFrame sent)
    {
        ulong id = record.Id.Value;
        if (record.Send is { ResetPending: true, ReliableSize: > 0 } reliable)
        {
            // draft-ietf-quic-reliable-stream-reset §4; the record keeps the reliable size to match acks and losses.
            var frame = new ResetStreamAtFrame(id, reliable.ResetErrorCode, reliable.ResetFinalSize, reliable.ReliableSize);
            sent = new SentControlFrame(FrameType.ResetStreamAt, record.Id, reliable.ReliableSize);
            reliable.ResetPending = !frame.TryWrite(ref writer);
            return !reliable.ResetPending;
        }

        if (record.Send is { ResetPending: true } send)
        {
            var frame = new ResetStreamFrame(id, send.ResetErrorCode, send.ResetFinalSize);
            sent = new SentControlFrame(FrameType.ResetStream, record.Id, send.ResetErrorCode);
            send.ResetPending = !frame.TryWrite(ref writer);
            return !send.ResetPending;
        }

        if (record.Receive is { StopSendingPending: true } receive)
        {
            var frame = new StopSendingFrame(id, receive.StopSendingErrorCode);
            sent = new SentControlFrame(FrameType.StopSending, record.Id, receive.StopSendingErrorCode);
            receive.StopSendingPending = !frame.TryWrite(ref writer);
            return !receive.StopSendingPending;
        }

        if (record.Receive is { MaxStreamDataPending: true } updated)
        {
            var frame = new MaxStreamDataFrame(id, updated.MaxStreamData);
            sent = new SentControlFrame(FrameType.MaxStreamData, record.Id, updated.MaxStreamData);
            updated.MaxStreamDataPending = !frame.TryWrite(ref writer);
            return !updated.MaxStreamDataPending;
        }

        if (record.Send is { BlockedPending: true } blocked)
        {
            var frame = new StreamDataBlockedFrame(id, blocked.BlockedLimit);
            sent = new SentControlFrame(FrameType.StreamDataBlocked, record.Id, blocked.BlockedLimit);
            blocked.BlockedPending = !frame.TryWrite(ref writer);
            return !blocked.BlockedPending;
        }

        sent = default;
        return false;
    }

    /// <summary>A stream has unsent data but no credit: report the block once per limit and park it.</summary>
    private void NoteBlocked(StreamRecord record, SendStream send)
    {
        SendBuffer buffer = send.Buffer;
        if (buffer.Unsent == 0 || buffer.HasLost)
        {
            return;
        }

        if (send.IsStreamBlocked)
        {
            // Waits for MAX_STREAM_DATA, which re-queues it.
            if (send.TryReportBlocked())
            {
                EnqueueControl(record);
            }

            return;
        }

        if (_connectionSend.Available == 0)
        {
            if (!record.InConnectionBlocked)
            {
                record.InConnectionBlocked = true;
                _connectionBlocked.Add(record);
            }

            if (_connectionSend.TryReportBlocked())
            {
                _dataBlockedPending = true;
                _dataBlockedLimit = _connectionSend.Limit;
            }
        }
    }
}
