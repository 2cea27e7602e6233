namespace SharpQuic.Http3;

/// <summary>
/// What one HTTP/3 connection allows of WebTransport (draft-ietf-webtrans-http3): sessions at once,
/// streams the peer may open per session (advertised as SETTINGS_WT_INITIAL_MAX_STREAMS_*, §5.5, and
/// replenished with WT_MAX_STREAMS capsules), the datagrams queued per session, and the peer streams
/// held while their session is not (yet) known (§4.6).
/// </summary>
internal sealed record WebTransportLimits
{
    /// <summary>Sessions at once on one connection; a server refuses more with H3_REQUEST_REJECTED (§5.2).</summary>
    public int MaxSessions { get; init; } = 16;

    /// <summary>Streams of each direction the peer may have open per session.</summary>
    public int MaxStreamsPerSession { get; init; } = 100;

    /// <summary>
    /// Whether we enable WebTransport flow control (§5.1) by sending non-zero SETTINGS_WT_INITIAL_*; without it (on
    /// either side) a connection carries one session at a time.
    /// </summary>
    public bool FlowControl { get; init; } = true;

    /// <summary>
    /// Stream Body bytes the peer may send on one session beyond what the application has read: the
    /// SETTINGS_WT_INITIAL_MAX_DATA we advertise and the window WT_MAX_DATA keeps open (§5.4, §5.6.4).
    /// </summary>
    public long SessionDataWindow { get; init; } = WebTransportNegotiation.DefaultSessionDataWindow;

    /// <summary>The largest datagram we accept: the QUIC max_datagram_frame_size we advertise (RFC 9221 §3) is built from it.</summary>
    public int MaxDatagramReceiveSize { get; init; } = 1500;

    /// <summary>Received datagrams queued per session before the oldest is dropped.</summary>
    public int DatagramQueueLength { get; init; } = 128;

    /// <summary>Peer streams held while their session is unknown; more are reset with WT_BUFFERED_STREAM_REJECTED (§4.6).</summary>
    public int MaxBufferedStreams { get; init; } = 16;

    /// <summary>On a server: decides from the request's origin field whether a session may open (403 otherwise, §3.2).</summary>
    public Func<string?, bool>? OriginValidator { get; init; }

    /// <summary>On a server: chooses the application protocol from the client's offer (§3.3).</summary>
    public Func<Http3Request, IReadOnlyList<string>, string?>? ProtocolSelector { get; init; }

    /// <summary>On a server: refuse sessions without an application protocol.</summary>
    public bool RequireApplicationProtocol { get; init; }

    /// <summary>How long such a stream is held before it is reset.</summary>
    public TimeSpan BufferedStreamTimeout { get; init; } = TimeSpan.FromSeconds(2);
}
