using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// The server side of an HTTP/3 connection: each request stream the client opens is handed to the
/// request callback; <see cref="ShutdownAsync"/> sends GOAWAY (RFC 9114 §5.2), refuses newer
/// streams with H3_REQUEST_REJECTED so the client can retry them, lets in-flight requests finish,
/// then closes with H3_NO_ERROR.
/// </summary>
internal sealed class Http3ServerConnection : Http3Connection
{
    private readonly Func<Http3ServerConnection, Http3RequestStream, Task> _onRequest;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly Dictionary<long, Http3RequestStream> _active = [];
    private readonly Dictionary<long, Http3Priority> _earlyPriorityUpdates = [];
    private long _nextRequestId;
    private long _goAwayId = -1;
    private int _inFlight;

    private const int EarlyPriorityUpdateLimit = 256;

    public Http3ServerConnection(QuicConnection quic, Http3ConnectionSettings settings, Func<Http3ServerConnection, Http3RequestStream, Task> onRequest)
        : base(quic, isClient: false, settings)
    {
        _onRequest = onRequest;
    }

    /// <summary>Requests being served now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Whether GOAWAY has been sent.</summary>
    public bool IsDraining => Interlocked.Read(ref _goAwayId) >= 0;

    /// <summary>Opens our control and QPACK streams and starts serving.</summary>
    public Task StartAsync() => StartAsync(Closing);

    /// <summary>
    /// Graceful shutdown: GOAWAY with the first request stream ID we will not serve, wait up to
    /// <paramref name="timeout"/> for in-flight requests, then close with H3_NO_ERROR.
    /// </summary>
    public async Task ShutdownAsync(TimeSpan timeout)
    {
        long goAway;
        lock (_lock)
        {
            if (_goAwayId < 0)
            {
                _goAwayId = _nextRequestId;
            }

            goAway = _goAwayId;
            if (_inFlight == 0)
            {
                _drained.TrySetResult();
            }
        }

        try
        {
            byte[] frame = new byte[16];
            Http3FrameWriter.TryWriteGoAway(frame, (ulong)goAway, out int n);
            await SendControlFrameAsync(frame.AsMemory(0, n), CancellationToken.None).ConfigureAwait(false);

            // draft-ietf-webtrans-http3 §4.6: our GOAWAY asks our own sessions' handlers to wind down too.
            WebTransport?.DrainAll();
            await _drained.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or QuicException or InvalidOperationException or ObjectDisposedException)
        {
        }

        Abort(Http3ErrorCode.NoError);
    }

    /// <inheritdoc/>
    protected override void OnPeerBidirectionalStream(QuicStream stream)
    {
        bool afterGoAway;
        lock (_lock)
        {
            afterGoAway = _goAwayId >= 0 && stream.Id >= _goAwayId;
            if (afterGoAway && WebTransport is not { SessionCount: > 0 })
            {
                // §5.2: after GOAWAY, newer requests are refused unprocessed so the client may retry them.
                TryAbort(stream, QuicAbortDirection.Both, Http3ErrorCode.RequestRejected);
                _ = stream.DisposeAsync();
                return;
            }

            _nextRequestId = Math.Max(_nextRequestId, stream.Id + 4);
            _inFlight++;
        }

        // With WebTransport sessions open, a newer stream may be one of theirs (draft-ietf-webtrans-http3 §4.7:
        // sessions outlive GOAWAY): it is read far enough to tell, and refused only if it is a request.
        var request = new Http3RequestStream(this, stream) { ArrivedAfterGoAway = afterGoAway };
        lock (_lock)
        {
            _active[stream.Id] = request;
        }

        _ = ServeAsync(request);
    }

    /// <summary>
    /// Applies the request's priority (RFC 9218 §4: the priority field, u=3 non-incremental when
    /// absent) to its stream; a PRIORITY_UPDATE that arrived first wins over the field (§7).
    /// </summary>
    public void ApplyRequestPriority(Http3RequestStream request, string? priorityField)
    {
        Http3Priority priority = priorityField is null ? Http3Priority.Default : Http3Priority.Parse(priorityField);
        lock (_lock)
        {
            if (_earlyPriorityUpdates.Remove(request.StreamId, out Http3Priority update))
            {
                priority = update;
            }

            request.Priority = priority;
        }

        request.QuicStream.SetPriority(priority.Urgency, priority.Incremental);
    }

    /// <inheritdoc/>
    protected override void OnPriorityUpdate(ulong streamId, ReadOnlySpan<byte> priorityFieldValue)
    {
        // RFC 9218 §7.1: only client-initiated bidirectional streams can be prioritized this way.
        if (streamId % 4 != 0)
        {
            Abort(Http3ErrorCode.IdError);
            return;
        }

        Span<char> chars = stackalloc char[priorityFieldValue.Length];
        int n = System.Text.Encoding.Latin1.GetChars(priorityFieldValue, chars);
        Http3Priority priority = Http3Priority.Parse(chars[..n]);
        Http3RequestStream? target;
        lock (_lock)
        {
            if (!_active.TryGetValue((long)streamId, out target))
            {
                // §7.1: an update may precede its stream; keep a bounded number for streams not yet open.
                if ((long)streamId >= _nextRequestId && _earlyPriorityUpdates.Count < EarlyPriorityUpdateLimit)
                {
                    _earlyPriorityUpdates[(long)streamId] = priority;
                }

                return;
            }

            target.Priority = priority;
        }

        target.QuicStream.SetPriority(priority.Urgency, priority.Incremental);
    }

    /// <inheritdoc/>
    protected override void OnGoAway(ulong id)
    {
        // A client's GOAWAY names a push ID (we never push): nothing to stop, but its WebTransport sessions drain (§4.6).
        WebTransport?.DrainAll();
    }

    private async Task ServeAsync(Http3RequestStream request)
    {
        try
        {
            await _onRequest(this, request).ConfigureAwait(false);

            // The request counts as in flight until the client acknowledged the whole response, so a
            // graceful shutdown never closes the connection over unacknowledged response bytes.
            // WritesClosed ends with the connection too, so no token is needed (and none allocated).
            await request.QuicStream.WritesClosed.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuicException or OperationCanceledException)
        {
            // Reset by either side, or the connection closed: nothing more to wait for.
        }
        finally
        {
            await request.DisposeAsync().ConfigureAwait(false);
            lock (_lock)
            {
                _active.Remove(request.StreamId);
                if (--_inFlight == 0 && _goAwayId >= 0)
                {
                    _drained.TrySetResult();
                }
            }
        }
    }
}
