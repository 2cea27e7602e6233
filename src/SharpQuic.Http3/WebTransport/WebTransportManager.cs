using SharpQuic.Core.Wire;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// The WebTransport side of one HTTP/3 connection (draft-ietf-webtrans-http3): its sessions by ID,
/// the routing of the peer's WebTransport streams (§4.2, §4.3) and of datagrams by Quarter Stream
/// ID (RFC 9297 §2.1) to them, and the streams held briefly while their session is unknown (§4.6).
/// </summary>
internal sealed class WebTransportManager
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, WebTransportSession> _sessions = [];
    private bool _draining;
    private readonly List<PendingStream> _pending = [];
    private long _datagramsDropped;
    private long _streamsRejected;
    private bool _closed;

    public WebTransportManager(Http3Connection connection, WebTransportLimits limits)
    {
        Connection = connection;
        Limits = limits;
    }

    public Http3Connection Connection { get; }

    public WebTransportLimits Limits { get; }

    /// <summary>The peer's SETTINGS once they arrived.</summary>
    public Http3Settings? PeerSettingsOrNull => Connection.PeerSettings.IsCompletedSuccessfully ? Connection.PeerSettings.Result : null;

    /// <summary>Which WebTransport draft the peer's SETTINGS show (None before they arrive).</summary>
    public WebTransportVariant PeerVariant => PeerSettingsOrNull is Http3Settings s ? WebTransportNegotiation.GetVariant(s) : WebTransportVariant.None;

    /// <summary>Whether the peer takes HTTP Datagrams (its SETTINGS_H3_DATAGRAM).</summary>
    public bool PeerSupportsDatagrams => PeerSettingsOrNull is Http3Settings s && WebTransportNegotiation.PeerSupportsDatagrams(s);

    /// <summary>Datagrams dropped: for no open session (RFC 9297 §2.1 allows it) or a full session queue.</summary>
    public long DatagramsDropped => Interlocked.Read(ref _datagramsDropped);

    /// <summary>Peer streams reset because their session never became known (WT_BUFFERED_STREAM_REJECTED).</summary>
    public long StreamsRejected => Interlocked.Read(ref _streamsRejected);

    /// <summary>Sessions open now.</summary>
    public int SessionCount
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Starts routing the connection's datagrams.</summary>
    public void Start() => _ = ReceiveDatagramsAsync();

    public void CountDroppedDatagram() => Interlocked.Increment(ref _datagramsDropped);

    /// <summary>Registers a session unless the connection has <see cref="WebTransportLimits.MaxSessions"/> already; hands it any streams held for it.</summary>
    public bool TryAddSession(WebTransportSession session) => TryAddSession(session, Limits.MaxSessions);

    /// <summary>As <see cref="TryAddSession(WebTransportSession)"/> with a lower limit for this one.</summary>
    public bool TryAddSession(WebTransportSession session, int limit)
    {
        List<PendingStream>? claimed = null;
        lock (_lock)
        {
            if (_closed || _sessions.Count >= Math.Min(limit, Limits.MaxSessions))
            {
                return false;
            }

            _sessions.Add(session.SessionId, session);
            if (_draining)
            {
                // A session accepted after our GOAWAY (its CONNECT was already under way) drains from the start.
                session.OnDrain();
            }

            for (int i = _pending.Count - 1; i >= 0; i--)
            {
                if (_pending[i].SessionId == session.SessionId)
                {
                    (claimed ??= []).Insert(0, _pending[i]);
                    _pending.RemoveAt(i);
                }
            }
        }

        if (claimed is not null)
        {
            foreach (PendingStream p in claimed)
            {
                Deliver(session, p.Stream, p.Prefix, p.Finished);
            }
        }

        return true;
    }

    public void RemoveSession(WebTransportSession session)
    {
        lock (_lock)
        {
            if (_sessions.TryGetValue(session.SessionId, out WebTransportSession? current) && current == session)
            {
                _sessions.Remove(session.SessionId);
            }
        }
    }

    /// <summary>A peer unidirectional stream of type 0x54 (§4.2) with its session ID and the bytes read after it.</summary>
    public void OnPeerUnidirectionalStream(QuicStream stream, ulong sessionId, byte[] prefix) => Route(stream, sessionId, prefix, finished: null);

    /// <summary>
    /// A peer bidirectional stream that began with the WT_STREAM signal (§4.3). The returned task
    /// completes when the stream is over, so the request machinery that found it keeps it until then.
    /// </summary>
    public Task OnPeerBidirectionalStream(QuicStream stream, ulong sessionId, byte[] prefix)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Route(stream, sessionId, prefix, finished);
        return finished.Task;
    }

    /// <summary>
    /// A bidirectional stream the server opened (client side): it must start with the WT_STREAM
    /// signal (§4.3); anything else is H3_STREAM_CREATION_ERROR (RFC 9114 §6.1).
    /// </summary>
    public async Task OnServerBidirectionalStreamAsync(QuicStream stream)
    {
        byte[] buffer = new byte[64];
        int have = 0;
        try
        {
            while (true)
            {
                int read = await stream.ReadAsync(buffer.AsMemory(have), Connection.Closing).ConfigureAwait(false);
                if (read == 0)
                {
                    Http3Connection.TryAbort(stream, QuicAbortDirection.Both, Http3ErrorCode.StreamCreationError);
                    return;
                }

                have += read;
                if (!VarInt.TryRead(buffer.AsSpan(0, have), out ulong type, out int n1))
                {
                    continue;
                }

                if (type != (ulong)Http3FrameType.WebTransportStream)
                {
                    Http3Connection.TryAbort(stream, QuicAbortDirection.Both, Http3ErrorCode.StreamCreationError);
                    Connection.Abort(Http3ErrorCode.StreamCreationError);
                    return;
                }

                if (!VarInt.TryRead(buffer.AsSpan(n1, have - n1), out ulong sessionId, out int n2))
                {
                    continue;
                }

                Route(stream, sessionId, buffer.AsSpan(n1 + n2, have - n1 - n2).ToArray(), finished: null);
                return;
            }
        }
        catch (Exception ex) when (ex is QuicException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>A GOAWAY was sent or received (§4.6): every session is asked to wind down.</summary>
    public void DrainAll()
    {
        WebTransportSession[] sessions;
        lock (_lock)
        {
            _draining = true;
            sessions = [.. _sessions.Values];
        }

        foreach (WebTransportSession s in sessions)
        {
            s.OnDrain();
        }
    }

    /// <summary>Whether a GOAWAY was sent or received: a client opens no new session here (§4.6).</summary>
    public bool IsDraining
    {
        get
        {
            lock (_lock)
            {
                return _draining;
            }
        }
    }

    /// <summary>The connection closed: every session ends, held streams are dropped.</summary>
    public void OnConnectionClosed()
    {
        WebTransportSession[] sessions;
        PendingStream[] pending;
        lock (_lock)
        {
            _closed = true;
            sessions = [.. _sessions.Values];
            pending = [.. _pending];
            _sessions.Clear();
            _pending.Clear();
        }

        foreach (PendingStream p in pending)
        {
            p.Finished?.TrySetResult();
        }

        foreach (WebTransportSession s in sessions)
        {
            s.OnConnectionClosed();
        }
    }

    private void Route(QuicStream stream, ulong sessionId, byte[] prefix, TaskCompletionSource? finished)
    {
        // §4.5: a session ID is always a client-initiated bidirectional stream ID.
        if (sessionId % 4 != 0)
        {
            Http3Connection.TryAbort(stream, QuicAbortDirection.Both, Http3ErrorCode.IdError);
            finished?.TrySetResult();
            Connection.Abort(Http3ErrorCode.IdError);
            return;
        }

        WebTransportSession? session;
        PendingStream? held = null;
        lock (_lock)
        {
            if (!_sessions.TryGetValue((long)sessionId, out session) && !_closed && _pending.Count < Limits.MaxBufferedStreams)
            {
                // §4.6: the CONNECT may still be on its way (or its 2xx, on the client): hold the stream a while.
                held = new PendingStream(stream, (long)sessionId, prefix, finished);
                _pending.Add(held);
            }
        }

        if (session is not null)
        {
            Deliver(session, stream, prefix, finished);
        }
        else if (held is not null)
        {
            _ = ExpireAsync(held);
        }
        else
        {
            Reject(stream, finished);
        }
    }

    private static void Deliver(WebTransportSession session, QuicStream stream, byte[] prefix, TaskCompletionSource? finished)
    {
        WebTransportStream? wrapped = session.OnPeerStream(stream, prefix);
        if (finished is not null)
        {
            if (wrapped is null)
            {
                finished.TrySetResult();
            }
            else
            {
                _ = CompleteWhenOverAsync(stream, finished);
            }
        }
    }

    private static async Task CompleteWhenOverAsync(QuicStream stream, TaskCompletionSource finished)
    {
        try
        {
            await stream.ReadsClosed.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuicException or OperationCanceledException)
        {
        }

        try
        {
            await stream.WritesClosed.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuicException or OperationCanceledException)
        {
        }

        finished.TrySetResult();
    }

    private async Task ExpireAsync(PendingStream held)
    {
        await Task.Delay(Limits.BufferedStreamTimeout).ConfigureAwait(false);
        bool expired;
        lock (_lock)
        {
            expired = _pending.Remove(held);
        }

        if (expired)
        {
            Reject(held.Stream, held.Finished);
        }
    }

    private void Reject(QuicStream stream, TaskCompletionSource? finished)
    {
        // §4.6: a stream that cannot be buffered is refused with WT_BUFFERED_STREAM_REJECTED.
        Interlocked.Increment(ref _streamsRejected);
        Http3Connection.TryAbort(stream, stream.Type == QuicStreamType.Bidirectional ? QuicAbortDirection.Both : QuicAbortDirection.Read,
            Http3ErrorCode.WebTransportBufferedStreamRejected);
        finished?.TrySetResult();
    }

    /// <summary>Reads the connection's QUIC datagrams and routes each by its Quarter Stream ID (RFC 9297 §2.1).</summary>
    private async Task ReceiveDatagramsAsync()
    {
        // The largest datagram QUIC can deliver fits; one buffer for the connection's lifetime.
        byte[] buffer = new byte[65536];
        try
        {
            while (!Connection.Closing.IsCancellationRequested)
            {
                int length = await Connection.Quic.ReceiveDatagramAsync(buffer, Connection.Closing).ConfigureAwait(false);
                if (!OnDatagram(buffer.AsSpan(0, length)))
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is QuicException or OperationCanceledException or ObjectDisposedException or ArgumentException)
        {
        }
        catch (InvalidOperationException)
        {
            // Datagrams are off in this connection's QUIC options (MaxDatagramReceiveSize 0): nothing to route.
        }
    }

    /// <summary>Routes one datagram; false after a connection error.</summary>
    internal bool OnDatagram(ReadOnlySpan<byte> datagram)
    {
        if (!HttpDatagram.TryParse(datagram, out ulong streamId, out ReadOnlySpan<byte> payload, out Http3ErrorCode error))
        {
            // RFC 9297 §2.1: a Quarter Stream ID that cannot be a stream is H3_DATAGRAM_ERROR.
            Connection.Abort(error);
            return false;
        }

        WebTransportSession? session;
        lock (_lock)
        {
            _sessions.TryGetValue((long)streamId, out session);
        }

        if (session is null || session.IsClosed)
        {
            // RFC 9297 §2.1: a datagram for a stream that is not (or no longer) a session is dropped, never an error.
            Interlocked.Increment(ref _datagramsDropped);
            return true;
        }

        session.DeliverDatagram(payload);
        return true;
    }

    private sealed record PendingStream(QuicStream Stream, long SessionId, byte[] Prefix, TaskCompletionSource? Finished);
}
