using System.Net.Security;

namespace SharpQuic.Http3;

/// <summary>How a WebTransport client connects (<see cref="WebTransportSession.ConnectAsync"/>, <see cref="WebTransportClientConnection.ConnectAsync"/>).</summary>
public sealed class WebTransportClientOptions
{
    /// <summary>Validates the server's certificate; null uses the system's validation.</summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidationCallback { get; set; }

    /// <summary>The origin field sent with the CONNECT request (browsers always send one, §3.2); null sends none.</summary>
    public string? Origin { get; set; }

    /// <summary>
    /// Application protocols to offer, most preferred first (the <c>wt-available-protocols</c> field, §3.3); the
    /// server's choice is <see cref="WebTransportSession.ApplicationProtocol"/>. Printable ASCII strings.
    /// </summary>
    public IList<string> ApplicationProtocols { get; } = new List<string>();

    /// <summary>
    /// Refuse a session whose server chose none of <see cref="ApplicationProtocols"/> (the session is closed with
    /// WT_ALPN_ERROR and the connect fails, §3.3). A choice that was not offered is always refused.
    /// </summary>
    public bool RequireApplicationProtocol { get; set; }

    /// <summary>Streams of each direction the server may have open per session (SETTINGS_WT_INITIAL_MAX_STREAMS_*, §5.5).</summary>
    public int MaxStreamsPerSession { get; set; } = 100;

    /// <summary>
    /// Stream Body bytes the server may send on one session beyond what the application has read
    /// (SETTINGS_WT_INITIAL_MAX_DATA and WT_MAX_DATA, §5.4), when the server enables flow control too (§5.1).
    /// </summary>
    public long SessionDataWindow { get; set; } = WebTransportNegotiation.DefaultSessionDataWindow;

    /// <summary>
    /// Enable WebTransport flow control (§5.1; the default). Without it — here or at the server — a connection carries
    /// one session at a time: a second <see cref="WebTransportClientConnection.OpenSessionAsync"/> is refused until the
    /// first ends (§5.2).
    /// </summary>
    public bool EnableFlowControl { get; set; } = true;

    /// <summary>The largest datagram accepted, advertised in max_datagram_frame_size (RFC 9221 §3).</summary>
    public int MaxDatagramReceiveSize { get; set; } = 1500;

    /// <summary>Received datagrams queued per session before the oldest is dropped.</summary>
    public int DatagramQueueLength { get; set; } = 128;

    /// <summary>How long the connection may be idle (0: the QUIC default).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>Adjusts the QUIC options before connecting.</summary>
    public Action<QuicClientConnectionOptions>? ConfigureConnection { get; set; }
}
