namespace SharpQuic.Http3;

/// <summary>
/// WebTransport over HTTP/3 on an <see cref="Http3Server"/> (draft-ietf-webtrans-http3). Setting
/// <see cref="Http3ServerOptions.WebTransport"/> makes every connection advertise it (SETTINGS and the
/// QUIC max_datagram_frame_size); sessions are then served by
/// <see cref="Http3RouteTable.MapWebTransport(string, WebTransportSessionHandler)"/>.
/// </summary>
public sealed class WebTransportServerOptions
{
    /// <summary>Sessions one connection may have at once; more CONNECTs are reset with H3_REQUEST_REJECTED (§5.2).</summary>
    public int MaxSessionsPerConnection { get; set; } = 16;

    /// <summary>Streams of each direction a client may have open per session (§5.5); more closes the session with WT_FLOW_CONTROL_ERROR.</summary>
    public int MaxStreamsPerSession { get; set; } = 100;

    /// <summary>
    /// Stream Body bytes a client may send on one session beyond what the handler has read
    /// (SETTINGS_WT_INITIAL_MAX_DATA and WT_MAX_DATA, §5.4); more closes the session with WT_FLOW_CONTROL_ERROR.
    /// Applies when the client enables flow control too (§5.1).
    /// </summary>
    public long SessionDataWindow { get; set; } = WebTransportNegotiation.DefaultSessionDataWindow;

    /// <summary>The largest datagram accepted, advertised in max_datagram_frame_size (RFC 9221 §3).</summary>
    public int MaxDatagramReceiveSize { get; set; } = 1500;

    /// <summary>Received datagrams queued per session before the oldest is dropped.</summary>
    public int DatagramQueueLength { get; set; } = 128;

    /// <summary>
    /// Chooses the session's application protocol from those the client offered in <c>wt-available-protocols</c>
    /// (§3.3; called only when it offered some): the choice must be one of them, and is sent as <c>wt-protocol</c>;
    /// null chooses none. Null (the default) never chooses.
    /// </summary>
    public Func<Http3Request, IReadOnlyList<string>, string?>? ProtocolSelector { get; set; }

    /// <summary>Refuse a session (status 400) when no application protocol was chosen (§3.3 allows it).</summary>
    public bool RequireApplicationProtocol { get; set; }

    /// <summary>Checks the CONNECT request's origin field (null when absent); false answers 403 (§3.2). Null allows every origin.</summary>
    public Func<string?, bool>? OriginValidator { get; set; }

    internal WebTransportLimits ToLimits()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSessionsPerConnection, 1, nameof(MaxSessionsPerConnection));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxStreamsPerSession, 1, nameof(MaxStreamsPerSession));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDatagramReceiveSize, 1, nameof(MaxDatagramReceiveSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(SessionDataWindow, 1, nameof(SessionDataWindow));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SessionDataWindow, 1L << 60, nameof(SessionDataWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(DatagramQueueLength, 1, nameof(DatagramQueueLength));
        return new WebTransportLimits
        {
            MaxSessions = MaxSessionsPerConnection,
            MaxStreamsPerSession = MaxStreamsPerSession,
            SessionDataWindow = SessionDataWindow,
            MaxDatagramReceiveSize = MaxDatagramReceiveSize,
            DatagramQueueLength = DatagramQueueLength,
            OriginValidator = OriginValidator,
            ProtocolSelector = ProtocolSelector,
            RequireApplicationProtocol = RequireApplicationProtocol,
        };
    }
}

/// <summary>
/// Serves one WebTransport session. The session stays open while the handler runs and is closed
/// (code 0) when it returns; <paramref name="cancellationToken"/> is cancelled when the session ends.
/// </summary>
public delegate Task WebTransportSessionHandler(WebTransportSession session, CancellationToken cancellationToken);
