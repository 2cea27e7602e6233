using SharpQuic.Core.Wire;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// The session's streams (draft-ietf-webtrans-http3 §4.2, §4.3) and their flow control (§5): when both
/// endpoints enabled it by SETTINGS (§5.5), the peer may open as many streams of each kind as we
/// granted — more closes the session with WT_FLOW_CONTROL_ERROR (§5.6.2) — and as its streams end we
/// grant more with WT_MAX_STREAMS capsules; our own opens wait for the peer's grant.
/// </summary>
public sealed partial class WebTransportSession
{
    private readonly Lock _streamLock = new();
    private readonly HashSet<WebTransportStream> _streams = [];
    private bool _flowControl;
    private int _window;

    // What the peer may open (cumulative, §5.6.2), how many it did and how many of those ended; per direction: [0] bidi, [1] uni.
    private readonly long[] _localMax = new long[2];
    private readonly long[] _peerOpened = new long[2];
    private readonly long[] _peerEnded = new long[2];

    // What we may open and how many we did.
    private readonly long[] _peerMax = new long[2];
    private readonly long[] _opened = new long[2];
    private TaskCompletionSource? _creditWaiter;

    /// <summary>Opens a bidirectional stream in this session: the WT_STREAM signal and session ID go first (§4.3).</summary>
    public ValueTask<WebTransportStream> OpenBidirectionalStreamAsync(CancellationToken cancellationToken = default) =>
        OpenStreamAsync(bidirectional: true, cancellationToken);

    /// <summary>Opens a unidirectional stream in this session: stream type 0x54 and the session ID go first (§4.2).</summary>
    public ValueTask<WebTransportStream> OpenUnidirectionalStreamAsync(CancellationToken cancellationToken = default) =>
        OpenStreamAsync(bidirectional: false, cancellationToken);

    /// <summary>A stream of the peer's that names this session (bytes after the signal or preamble in <paramref name="prefix"/>).</summary>
    /// <returns>The wrapped stream, or null when it was refused.</returns>
    internal WebTransportStream? OnPeerStream(QuicStream stream, byte[]? prefix)
    {
        int kind = stream.Type == QuicStreamType.Bidirectional ? 0 : 1;
        WebTransportStream? wrapped = null;
        bool overLimit = false;
        lock (_streamLock)
        {
            if (!IsClosed)
            {
                _peerOpened[kind]++;
                overLimit = _flowControl && _peerOpened[kind] > _localMax[kind];
                if (!overLimit)
                {
                    wrapped = new WebTransportStream(stream, this, isLocal: false, prefix);
                    _streams.Add(wrapped);
                }
            }
        }

        if (wrapped is null)
        {
            Http3Connection.TryAbort(stream, kind == 0 ? QuicAbortDirection.Both : QuicAbortDirection.Read, Http3ErrorCode.WebTransportSessionGone);
            if (overLimit)
            {
                // §5.6.2: more streams than MAX_STREAMS allowed closes the session with WT_FLOW_CONTROL_ERROR.
                AbortSession(Http3ErrorCode.WebTransportFlowControlError, "The peer opened more streams than allowed.");
            }

            return null;
        }

        _ = TrackPeerStreamAsync(wrapped, kind);
        if (!_incoming.Writer.TryWrite(wrapped))
        {
            wrapped.AbortRaw(QuicAbortDirection.Both, (long)Http3ErrorCode.WebTransportSessionGone);
        }

        return wrapped;
    }

    /// <summary>The application disposed a stream: it no longer needs resetting when the session ends.</summary>
    internal void OnStreamDisposed(WebTransportStream stream)
    {
        lock (_streamLock)
        {
            _streams.Remove(stream);
        }
    }

    private void InitFlowControl(WebTransportManager manager)
    {
        _window = manager.Limits.MaxStreamsPerSession;
        _localMax[0] = _localMax[1] = _window;
        _grantSent[0] = _grantSent[1] = _window;
        _peerMax[0] = _peerMax[1] = long.MaxValue;
        Http3Settings? peer = manager.PeerSettingsOrNull;
        if (manager.Limits.FlowControl && peer is not null && WebTransportNegotiation.PeerEnablesFlowControl(peer))
        {
            // §5.1: on when both endpoints enable it.
            _flowControl = true;
            _peerMax[0] = (long)Math.Min(peer.WebTransportInitialMaxStreamsBidi, MaxStreamCount);
            _peerMax[1] = (long)Math.Min(peer.WebTransportInitialMaxStreamsUni, MaxStreamCount);
        }

        InitDataFlowControl(manager, peer);
    }

    private async ValueTask<WebTransportStream> OpenStreamAsync(bool bidirectional, CancellationToken cancellationToken)
    {
        ThrowIfClosed();
        int kind = bidirectional ? 0 : 1;
        await WaitForCreditAsync(kind, cancellationToken).ConfigureAwait(false);
        QuicStream stream;
        try
        {
            stream = await _manager.Connection.Quic.OpenOutboundStreamAsync(
                bidirectional ? QuicStreamType.Bidirectional : QuicStreamType.Unidirectional, cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw new WebTransportException("No stream could be opened: " + ex.Message, ex.ApplicationErrorCode, innerException: ex);
        }

        var wrapped = new WebTransportStream(stream, this, isLocal: true, prefix: null);
        lock (_streamLock)
        {
            if (!IsClosed)
            {
                _streams.Add(wrapped);
            }
        }

        if (IsClosed)
        {
            wrapped.AbortRaw(QuicAbortDirection.Both, (long)Http3ErrorCode.WebTransportSessionGone);
            await stream.DisposeAsync().ConfigureAwait(false);
            throw SessionGone();
        }

        // §4.2 / §4.3: the stream type (or signal) and the session ID, then application data.
        byte[] header = new byte[16];
        ulong type = bidirectional ? (ulong)Http3FrameType.WebTransportStream : (ulong)Http3StreamType.WebTransport;
        VarInt.TryWrite(header, type, out int n1);
        VarInt.TryWrite(header.AsSpan(n1), (ulong)SessionId, out int n2);
        await wrapped.WriteHeaderAsync(header.AsMemory(0, n1 + n2), cancellationToken).ConfigureAwait(false);
        return wrapped;
    }

    private async ValueTask WaitForCreditAsync(int kind, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_streamLock)
            {
                if (IsClosed)
                {
                    throw SessionGone();
                }

                if (_opened[kind] < _peerMax[kind])
                {
                    _opened[kind]++;
                    return;
                }

                _creditWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _creditWaiter.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The peer's WT_MAX_STREAMS (§5.6.2); false when it broke the rules and the session was aborted.</summary>
    private bool OnMaxStreams(bool bidirectional, ulong value)
    {
        int kind = bidirectional ? 0 : 1;
        TaskCompletionSource? waiter = null;
        bool valid = true;
        lock (_streamLock)
        {
            if (!_flowControl)
            {
                // §5.1: without flow control the capsules are ignored (they may have crossed our SETTINGS).
                return true;
            }

            // §5.6.2: above 2^60, or not above the previous limit, is WT_FLOW_CONTROL_ERROR (capsules arrive in order).
            if (value > MaxStreamCount || value <= (ulong)_peerMax[kind])
            {
                valid = false;
            }
            else
            {
                _peerMax[kind] = (long)value;
                waiter = _creditWaiter;
                _creditWaiter = null;
            }
        }

        if (!valid)
        {
            AbortSession(Http3ErrorCode.WebTransportFlowControlError, "The peer's WT_MAX_STREAMS was invalid or did not increase the limit.");
            return false;
        }

        waiter?.TrySetResult();
        return true;
    }

    private void FailCreditWaiters()
    {
        TaskCompletionSource? waiter;
        lock (_streamLock)
        {
            waiter = _creditWaiter;
            _creditWaiter = null;
        }

        waiter?.TrySetResult(); // the waiter loops and sees the session closed
        FailDataWaiters();
    }

    private WebTransportStream[] TakeStreams()
    {
        lock (_streamLock)
        {
            WebTransportStream[] all = [.. _streams];
            _streams.Clear();
            return all;
        }
    }

    /// <summary>When a peer stream has ended both ways, grant the peer another (§5.6.2), in batches of half the window.</summary>
    private async Task TrackPeerStreamAsync(WebTransportStream stream, int kind)
    {
        QuicStream quic = stream.QuicStream;
        try
        {
            await quic.ReadsClosed.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is QuicException or OperationCanceledException)
        {
        }

        if (kind == 0)
        {
            try
            {
                await quic.WritesClosed.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is QuicException or OperationCanceledException)
            {
            }
        }

        bool grant = false;
        lock (_streamLock)
        {
            _streams.Remove(stream);
            _peerEnded[kind]++;
            _localMax[kind] = _peerEnded[kind] + _window;
            grant = _flowControl && !IsClosed && _localMax[kind] - _grantSent[kind] >= Math.Max(1, _window / 2);
        }

        if (grant)
        {
            await SendGrantAsync(kind).ConfigureAwait(false);
        }
    }
}
