using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Streams;

/// <summary>
/// All streams of one connection: stream limits (RFC 9000 §4.6), connection and stream flow
/// control (§4), the stream state machines (§3), the RFC 9218 scheduler of stream data, the
/// control frames to send and the events for the application. Stream data is sent in RFC 9218 priority order
/// (<see cref="StreamSendScheduler"/>, <see cref="SetPriority"/>). Sans-IO and single-threaded.
/// </summary>
/// <remarks>
/// <para>Method families, in the order the connection uses them:</para>
/// <list type="number">
/// <item><description>Setup: construct with our <see cref="StreamManagerOptions"/> (what our
/// transport parameters advertise); call <see cref="SetPeerLimits"/> once the peer's transport
/// parameters are known (before opening streams), and set <see cref="SmoothedRtt"/> whenever
/// the RTT estimate changes (window auto-tuning uses it).</description></item>
/// <item><description>Inputs, per received frame: <see cref="TryHandleFrame"/> dispatches every
/// stream-related frame type, or call <c>Handle…</c> directly. A result other than NoError is the
/// transport error to close the connection with.</description></item>
/// <item><description>Outputs, per packet being built: first <see cref="TryWriteControlFrame"/> until
/// it returns false (flow control updates, resets, blocked signals go before data), then
/// <see cref="TryWriteStreamFrame"/> until it returns false. Store each returned
/// <see cref="SentControlFrame"/> / <see cref="SentStreamFrame"/> with the packet.</description></item>
/// <item><description>Recovery feedback: when a packet is acknowledged or declared lost, hand back its
/// records to <see cref="OnStreamFrameAcked"/>/<see cref="OnStreamFrameLost"/> and
/// <see cref="OnControlFrameAcked"/>/<see cref="OnControlFrameLost"/>. Loss re-queues what must
/// be said again (ranges, the latest limits, a reset), never old bytes.</description></item>
/// <item><description>Application: <see cref="TryOpenStream"/>, <see cref="Write"/>,
/// <see cref="FinishWrites"/>, <see cref="Read"/>, <see cref="AbortWrite(StreamId, ulong)"/>,
/// <see cref="AbortRead"/>; and <see cref="PollEvent"/> until false after each batch of inputs.</description></item>
/// </list>
/// <para>Streams whose both parts are terminal are released; frames arriving later for them are
/// ignored (RFC 9000 §3.2, §19.8: retransmissions may arrive after a stream is closed).</para>
/// </remarks>
public sealed partial class StreamManager
{
    private readonly bool _isClient;
    private readonly StreamInitiator _us;
    private readonly StreamInitiator _them;
    private StreamManagerOptions _options;
    private readonly ChunkPool _pool;
    private readonly Dictionary<ulong, StreamRecord> _streams = [];
    private readonly LocalStreamLimit _localBidi;
    private readonly LocalStreamLimit _localUni;
    private RemoteStreamLimit _remoteBidi;
    private RemoteStreamLimit _remoteUni;
    private readonly StreamSendScheduler _sendQueue = new();
    private readonly Queue<StreamRecord> _controlQueue = new();
    private readonly List<StreamRecord> _connectionBlocked = [];
    private readonly Queue<StreamEvent> _events = new();
    private SendCredit _connectionSend;
    private ReceiveWindow _connectionReceive;
    private PeerStreamLimits _peer;

    /// <summary>
    /// Creates the streams state of a connection. The peer's limits start at zero (nothing may be
    /// sent or opened) until <see cref="SetPeerLimits"/>. <paramref name="pool"/> may be shared by
    /// the connections of one worker.
    /// </summary>
    public StreamManager(bool isClient, StreamManagerOptions options, ChunkPool? pool = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _isClient = isClient;
        _us = isClient ? StreamInitiator.Client : StreamInitiator.Server;
        _them = isClient ? StreamInitiator.Server : StreamInitiator.Client;
        _options = options;
        // Keep as many free chunks as flow control lets the connection hold at once (received data up to the
        // connection window, plus the send buffer): a transfer that oscillates between full and drained buffers then
        // reuses chunks instead of allocating new ones (no per-packet allocation in the steady state).
        _pool = pool ?? new ChunkPool(ChunkPool.DefaultChunkSize, (int)Math.Min(1 << 16, ((options.MaxDataWindowLimit + (ulong)options.SendBufferSize) / ChunkPool.DefaultChunkSize) + 1));
        _localBidi = new LocalStreamLimit(_us, StreamDirection.Bidirectional, 0);
        _localUni = new LocalStreamLimit(_us, StreamDirection.Unidirectional, 0);
        _remoteBidi = new RemoteStreamLimit(options.MaxStreamsBidi);
        _remoteUni = new RemoteStreamLimit(options.MaxStreamsUni);
        _connectionSend = new SendCredit(0);
        _connectionReceive = new ReceiveWindow(options.MaxData, options.MaxDataWindowLimit);
    }

    /// <summary>
    /// Replaces our limits and windows before anything happened on any stream: a server learns the application's
    /// per-connection settings only after the ClientHello, before it sends its transport parameters.
    /// </summary>
    public void ReplaceLocalOptions(StreamManagerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (_streams.Count > 0 || _connectionReceive.Received > 0)
        {
            throw new InvalidOperationException("Stream limits can be replaced only before any stream exists.");
        }

        _options = options;
        _remoteBidi = new RemoteStreamLimit(options.MaxStreamsBidi);
        _remoteUni = new RemoteStreamLimit(options.MaxStreamsUni);
        _connectionReceive = new ReceiveWindow(options.MaxData, options.MaxDataWindowLimit);
    }

    /// <summary>The latest smoothed RTT (RFC 9002 §5.3), set by the connection; drives window auto-tuning.</summary>
    public TimeSpan SmoothedRtt { get; set; }

    /// <summary>Streams currently held (not yet released).</summary>
    public int StreamCount => _streams.Count;

    /// <summary>
    /// True when control frames or stream data may wait to be sent. It can be true while the
    /// queued streams turn out to be blocked by flow control; the write calls then return false.
    /// </summary>
    public bool HasPendingSend =>
        _sendQueue.Count > 0 || _controlQueue.Count > 0 || _maxDataPending || _dataBlockedPending ||
        _maxStreamsBidiPending || _maxStreamsUniPending || _streamsBlockedBidiPending || _streamsBlockedUniPending;

    /// <summary>The connection credit the peer granted (MAX_DATA) and how much is left.</summary>
    public ulong ConnectionSendAvailable => _connectionSend.Available;

    /// <summary>Stream bytes sent, connection-wide (counted against the peer's MAX_DATA).</summary>
    public ulong ConnectionBytesSent => _connectionSend.Used;

    /// <summary>The peer's connection limit (its latest MAX_DATA or initial_max_data).</summary>
    public ulong ConnectionSendLimit => _connectionSend.Limit;

    /// <summary>The highest connection-wide stream offset received (counted against our MAX_DATA).</summary>
    public ulong ConnectionBytesReceived => _connectionReceive.Received;

    /// <summary>Our advertised connection limit (the last MAX_DATA value).</summary>
    public ulong ConnectionReceiveLimit => _connectionReceive.Limit;

    /// <summary>Our current connection receive window (grows with auto-tuning).</summary>
    public ulong ConnectionReceiveWindow => _connectionReceive.Window;

    /// <summary>The pool the stream buffers use.</summary>
    public ChunkPool Pool => _pool;

    /// <summary>
    /// Applies the peer's transport parameters (RFC 9000 §7.4, §18.2). Limits only grow: calling
    /// again with smaller values changes nothing.
    /// </summary>
    public void SetPeerLimits(in PeerStreamLimits limits)
    {
        _peer = new PeerStreamLimits(
            Math.Max(_peer.MaxData, limits.MaxData),
            Math.Max(_peer.MaxStreamDataBidiLocal, limits.MaxStreamDataBidiLocal),
            Math.Max(_peer.MaxStreamDataBidiRemote, limits.MaxStreamDataBidiRemote),
            Math.Max(_peer.MaxStreamDataUni, limits.MaxStreamDataUni),
            Math.Max(_peer.MaxStreamsBidi, limits.MaxStreamsBidi),
            Math.Max(_peer.MaxStreamsUni, limits.MaxStreamsUni));
        _connectionSend.Raise(_peer.MaxData);
        _localBidi.Raise(_peer.MaxStreamsBidi);
        _localUni.Raise(_peer.MaxStreamsUni);
        foreach (StreamRecord record in _streams.Values)
        {
            if (record.Send is { } send && send.OnMaxStreamData(PeerInitialCredit(record.Id)))
            {
                EnqueueSend(record);
            }
        }

        UnparkConnectionBlocked();
    }

    /// <summary>
    /// Client, after the server rejected 0-RTT (RFC 9001 §4.6.2, RFC 9000 §7.4.1): the server's new transport
    /// parameters replace the remembered ones even where they are lower, and everything sent in 0-RTT counts as never
    /// sent (the server discarded it), so it is sent again as new data under the new connection and stream limits and
    /// never beyond them. Call before any 1-RTT stream data is sent.
    /// </summary>
    public void ReplacePeerLimitsAfterRejectedEarlyData(in PeerStreamLimits limits)
    {
        _peer = limits;
        _connectionSend = new SendCredit(limits.MaxData);
        _localBidi.Replace(limits.MaxStreamsBidi);
        _localUni.Replace(limits.MaxStreamsUni);
        foreach (StreamRecord record in _streams.Values)
        {
            if (record.Send is { } send && send.TryRewindForRejectedEarlyData(PeerInitialCredit(record.Id)))
            {
                EnqueueSend(record);
            }
        }

        UnparkConnectionBlocked();
    }

    /// <summary>
    /// Opens our next stream of a direction. False when the peer's stream limit is reached: a
    /// STREAMS_BLOCKED is queued (once per limit, RFC 9000 §4.6) and a
    /// <see cref="StreamEventKind.StreamsAvailable"/> event follows when MAX_STREAMS raises it.
    /// </summary>
    public bool TryOpenStream(StreamDirection direction, out StreamId id)
    {
        LocalStreamLimit limit = direction == StreamDirection.Bidirectional ? _localBidi : _localUni;
        if (!limit.TryOpen(out id))
        {
            if (limit.TryReportBlocked())
            {
                if (direction == StreamDirection.Bidirectional)
                {
                    _streamsBlockedBidiPending = true;
                }
                else
                {
                    _streamsBlockedUniPending = true;
                }
            }

            return false;
        }

        CreateStream(id);
        return true;
    }

    /// <summary>
    /// Writes application data to a stream we can send on; returns the bytes accepted, fewer than
    /// offered when the send buffer is full (a <see cref="StreamEventKind.Writable"/> event
    /// follows), 0 after the stream was finished or reset. <paramref name="fin"/> ends the
    /// stream after these bytes when all of them were accepted.
    /// </summary>
    public int Write(StreamId id, ReadOnlySpan<byte> data, bool fin = false)
    {
        SendStream send = GetSend(id, out StreamRecord? record);
        if (record is null)
        {
            return 0;
        }

        int n = send.Write(data);
        if (fin && n == data.Length)
        {
            send.Finish();
        }

        if (n > 0 || fin)
        {
            EnqueueSend(record);
        }

        return n;
    }

    /// <summary>Bytes a <see cref="Write"/> would accept now (0 when the stream is gone, finished or reset).</summary>
    public int GetWritable(StreamId id)
    {
        SendStream send = GetSend(id, out StreamRecord? record);
        return record is null || send.IsReset ? 0 : send.Buffer.Writable;
    }

    /// <summary>Ends the stream cleanly after the data written so far (a FIN, RFC 9000 §3.1).</summary>
    public void FinishWrites(StreamId id)
    {
        SendStream send = GetSend(id, out StreamRecord? record);
        if (record is not null && !send.IsReset)
        {
            send.Finish();
            EnqueueSend(record);
        }
    }

    /// <summary>
    /// Abandons sending (RFC 9000 §3.1): queues RESET_STREAM with <paramref name="errorCode"/> and
    /// the bytes sent so far as final size; buffered data is dropped.
    /// </summary>
    public void AbortWrite(StreamId id, ulong errorCode)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(errorCode, StreamId.MaxValue);
        SendStream send = GetSend(id, out StreamRecord? record);
        if (record is not null && send.Reset(errorCode))
        {
            EnqueueControl(record);
        }
    }

    /// <summary>
    /// Abandons sending with RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset): the first
    /// <paramref name="reliableSize"/> bytes (at most what was written) still reach the peer's application. Without
    /// the peer's reset_stream_at transport parameter (<see cref="PeerAcceptsResetStreamAt"/>), or with a reliable size
    /// of zero, this is <see cref="AbortWrite(StreamId, ulong)"/>.
    /// </summary>
    public void AbortWrite(StreamId id, ulong errorCode, ulong reliableSize)
    {
        if (reliableSize == 0 || !PeerAcceptsResetStreamAt)
        {
            AbortWrite(id, errorCode);
            return;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(errorCode, StreamId.MaxValue);
        SendStream send = GetSend(id, out StreamRecord? record);
        if (record is null || !send.ResetAt(errorCode, reliableSize))
        {
            return;
        }

        if (send.IsSendingReliablePrefix)
        {
            EnqueueSend(record);
        }

        if (send.ResetPending)
        {
            EnqueueControl(record);
        }

        TryRelease(record);
    }

    /// <summary>The peer sent the reset_stream_at transport parameter: it accepts RESET_STREAM_AT frames.</summary>
    public bool PeerAcceptsResetStreamAt { get; set; }

    /// <summary>
    /// Stops reading (RFC 9000 §3.5): queues STOP_SENDING with <paramref name="errorCode"/>;
    /// buffered and later data is dropped but still counted for flow control.
    /// </summary>
    public void AbortRead(StreamId id, ulong errorCode, Instant now)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(errorCode, StreamId.MaxValue);
        ReceiveStream receive = GetReceive(id, out StreamRecord? record);
        if (record is null)
        {
            return;
        }

        ulong unread = receive.AbortRead(errorCode);
        ConsumeConnection(unread, now);
        if (receive.StopSendingPending)
        {
            EnqueueControl(record);
        }

        TryRelease(record);
    }

    /// <summary>
    /// Reads in-order data into <paramref name="destination"/>. Reading frees flow control credit
    /// (MAX_STREAM_DATA / MAX_DATA are queued past half a window). Read until
    /// <see cref="StreamReadStatus.WouldBlock"/>: the next <see cref="StreamEventKind.Readable"/>
    /// event comes only after new data arrives following a read.
    /// </summary>
    public StreamReadResult Read(StreamId id, Span<byte> destination, Instant now)
    {
        ReceiveStream receive = GetReceive(id, out StreamRecord? record);
        if (record is null || receive.IsReadAborted)
        {
            return new StreamReadResult(0, StreamReadStatus.Closed);
        }

        if (receive.State is ReceiveStreamState.ResetRecvd)
        {
            receive.OnResetDelivered();
            ulong code = receive.ResetErrorCode;
            ulong finalSize = receive.FinalSize;
            TryRelease(record);
            return new StreamReadResult(0, StreamReadStatus.Reset, code, finalSize);
        }

        int n = receive.Read(destination, now, SmoothedRtt, out bool finished, out bool windowUpdate, out ulong released);
        receive.ReadableSignalled = false;
        if (n > 0 || released > 0)
        {
            ConsumeConnection((ulong)n + released, now);
        }

        if (windowUpdate)
        {
            receive.MaxStreamDataPending = true;
            EnqueueControl(record);
        }

        if (finished)
        {
            ulong finalSize = receive.FinalSize;
            TryRelease(record);
            return new StreamReadResult(n, StreamReadStatus.Finished, 0, finalSize);
        }

        return new StreamReadResult(n, n > 0 ? StreamReadStatus.Data : StreamReadStatus.WouldBlock);
    }

    /// <summary>
    /// Sets the sending priority of a held stream (RFC 9218 §4: <paramref name="urgency"/> 0 is sent first, 7 last;
    /// <paramref name="incremental"/> streams of one urgency share the connection round robin, the others are sent
    /// one at a time in stream-ID order). Takes effect from the next STREAM frame. A stream that never had a priority
    /// set is urgency 3, incremental. False when the stream is not held (never opened or already released).
    /// </summary>
    public bool SetPriority(StreamId id, byte urgency, bool incremental)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(urgency, (byte)StreamSendScheduler.UrgencyLevels);
        if (!_streams.TryGetValue(id.Value, out StreamRecord? record))
        {
            return false;
        }

        _sendQueue.SetPriority(record, urgency, incremental);
        return true;
    }

    /// <summary>The priority of a held stream (RFC 9218 §4); false when the stream is not held.</summary>
    public bool TryGetPriority(StreamId id, out byte urgency, out bool incremental)
    {
        if (_streams.TryGetValue(id.Value, out StreamRecord? record))
        {
            urgency = record.Urgency;
            incremental = record.Incremental;
            return true;
        }

        urgency = StreamRecord.DefaultUrgency;
        incremental = true;
        return false;
    }

    /// <summary>Takes the next event; false when none is waiting. Allocation-free.</summary>
    public bool PollEvent(out StreamEvent streamEvent) => _events.TryDequeue(out streamEvent);

    /// <summary>True while the stream is held (opened and not yet released).</summary>
    public bool IsOpen(StreamId id) => _streams.ContainsKey(id.Value);

    /// <summary>The sending state of a held stream we can send on.</summary>
    public bool TryGetSendState(StreamId id, out SendStreamState state)
    {
        state = default;
        if (_streams.TryGetValue(id.Value, out StreamRecord? record) && record.Send is { } send)
        {
            state = send.State;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Our sending part was reset (by us, or answering the peer's STOP_SENDING): its error code and the final size
    /// (RFC 9000 §4.5) the RESET_STREAM or RESET_STREAM_AT declared. False otherwise, or when the stream is not held.
    /// </summary>
    public bool TryGetSendReset(StreamId id, out ulong errorCode, out ulong finalSize)
    {
        errorCode = 0;
        finalSize = 0;
        if (_streams.TryGetValue(id.Value, out StreamRecord? record) && record.Send is { IsReset: true } send)
        {
            errorCode = send.ResetErrorCode;
            finalSize = send.ResetFinalSize;
            return true;
        }

        return false;
    }

    /// <summary>The final size of the receiving part once known (FIN, RESET_STREAM or RESET_STREAM_AT arrived).</summary>
    public bool TryGetReceiveFinalSize(StreamId id, out ulong finalSize)
    {
        finalSize = 0;
        if (_streams.TryGetValue(id.Value, out StreamRecord? record) && record.Receive is { FinalSizeKnown: true } receive)
        {
            finalSize = receive.FinalSize;
            return true;
        }

        return false;
    }

    /// <summary>The receiving state of a held stream we can receive on.</summary>
    public bool TryGetReceiveState(StreamId id, out ReceiveStreamState state)
    {
        state = default;
        if (_streams.TryGetValue(id.Value, out StreamRecord? record) && record.Receive is { } receive)
        {
            state = receive.State;
            return true;
        }

        return false;
    }

    internal StreamRecord? Find(StreamId id) => _streams.TryGetValue(id.Value, out StreamRecord? record) ? record : null;

    private SendStream GetSend(StreamId id, out StreamRecord? record)
    {
        if (!id.CanSend(_isClient))
        {
            throw new InvalidOperationException($"Stream {id} is receive-only for this endpoint.");
        }

        if (!_streams.TryGetValue(id.Value, out record))
        {
            record = null;
            return null!;
        }

        return record.Send!;
    }

    private ReceiveStream GetReceive(StreamId id, out StreamRecord? record)
    {
        if (!id.CanReceive(_isClient))
        {
            throw new InvalidOperationException($"Stream {id} is send-only for this endpoint.");
        }

        if (!_streams.TryGetValue(id.Value, out record))
        {
            record = null;
            return null!;
        }

        return record.Receive!;
    }

    private StreamRecord CreateStream(StreamId id)
    {
        bool local = id.IsLocal(_isClient);
        SendStream? send = id.CanSend(_isClient) ? new SendStream(id, _pool, _options.SendBufferSize, PeerInitialCredit(id)) : null;
        ReceiveStream? receive = null;
        if (id.CanReceive(_isClient))
        {
            ulong window = id.IsUnidirectional ? _options.MaxStreamDataUni
                : local ? _options.MaxStreamDataBidiLocal : _options.MaxStreamDataBidiRemote;
            receive = new ReceiveStream(id, _pool, window, Math.Max(window, _options.MaxStreamWindowLimit));
        }

        var record = new StreamRecord(id, send, receive);
        _streams.Add(id.Value, record);
        return record;
    }

    /// <summary>The peer's initial MAX_STREAM_DATA for a stream we send on (RFC 9000 §18.2, from the peer's point of view).</summary>
    private ulong PeerInitialCredit(StreamId id) =>
        id.IsUnidirectional ? _peer.MaxStreamDataUni
        : id.IsLocal(_isClient) ? _peer.MaxStreamDataBidiRemote : _peer.MaxStreamDataBidiLocal;

    private void ConsumeConnection(ulong bytes, Instant now)
    {
        if (bytes > 0 && _connectionReceive.OnConsumed(bytes, now, SmoothedRtt))
        {
            _maxDataPending = true;
        }
    }

    private void EnqueueSend(StreamRecord record)
    {
        // A stream parked on connection credit may still have lost data to resend, which needs
        // no credit: it can be queued again; it parks itself again if only new data remains.
        if (!record.Released)
        {
            _sendQueue.Enqueue(record);
        }
    }

    private void EnqueueControl(StreamRecord record)
    {
        if (!record.InControlQueue && !record.Released)
        {
            record.InControlQueue = true;
            _controlQueue.Enqueue(record);
        }
    }

    private void Emit(StreamEventKind kind, StreamId id, ulong errorCode = 0) => _events.Enqueue(new StreamEvent(kind, id, errorCode));

    /// <summary>The first time a stream's final size is known: tell the application (<see cref="StreamEventKind.FinalSizeKnown"/>).</summary>
    private void EmitFinalSizeOnce(ReceiveStream receive, bool wasKnown)
    {
        if (!wasKnown && receive.FinalSizeKnown)
        {
            _events.Enqueue(new StreamEvent(StreamEventKind.FinalSizeKnown, receive.Id, 0, receive.FinalSize));
        }
    }

    /// <summary>Releases a stream whose both parts are terminal; a closed peer stream raises MAX_STREAMS (RFC 9000 §4.6).</summary>
    private void TryRelease(StreamRecord record)
    {
        if (record.Released || !record.IsTerminal)
        {
            return;
        }

        record.Released = true;
        _streams.Remove(record.Id.Value);
        record.Send?.Buffer.Discard();
        if (!record.Id.IsLocal(_isClient))
        {
            if (record.Id.IsBidirectional)
            {
                _maxStreamsBidiPending |= _remoteBidi.OnClosed();
            }
            else
            {
                _maxStreamsUniPending |= _remoteUni.OnClosed();
            }
        }
    }
}
