using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Http3;

/// <summary>How an <see cref="Http3Server"/> listens and what it allows.</summary>
public sealed class Http3ServerOptions
{
    /// <summary>The address and UDP port to listen on.</summary>
    public IPEndPoint ListenEndPoint { get; set; } = new(IPAddress.Loopback, 4433);

    /// <summary>The server certificate (with its private key). Required unless
    /// <see cref="ServerAuthenticationOptions"/> is set.</summary>
    public X509Certificate2? ServerCertificate { get; set; }

    /// <summary>Full TLS options, for certificate selection by SNI and the like; ALPN is forced to "h3".</summary>
    public SslServerAuthenticationOptions? ServerAuthenticationOptions { get; set; }

    /// <summary>Requests a client may have open at once on one connection (its bidirectional stream limit).</summary>
    public int MaxConcurrentRequestsPerConnection { get; set; } = 100;

    /// <summary>A connection with no activity for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long <see cref="Http3Server.ShutdownAsync"/> lets in-flight requests run after GOAWAY.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest request header section accepted (SETTINGS_MAX_FIELD_SECTION_SIZE, RFC 9114 §4.2.2).</summary>
    public int MaxFieldSectionSize { get; set; } = 64 * 1024;

    /// <summary>The QPACK dynamic table our decoder allows the client (RFC 9204 §3.2.3); 0 disables it.</summary>
    public int QPackMaxTableCapacity { get; set; } = 16 * 1024;

    /// <summary>Validate the client's address with a Retry before any handshake (RFC 9000 §8.1.2).</summary>
    public bool RequireRetry { get; set; }

    /// <summary>Accept 0-RTT requests from resuming clients. Replayable: serve only idempotent requests from them.</summary>
    public bool AcceptEarlyData { get; set; }

    /// <summary>Write one qlog file per connection to this folder.</summary>
    public string? QlogDirectory { get; set; }

    /// <summary>Listener worker threads (0: one per core).</summary>
    public int WorkerCount { get; set; }

    /// <summary>Adjusts each connection's QUIC options (congestion control, key exchange groups, …).</summary>
    public Action<QuicServerConnectionOptions>? ConfigureConnection { get; set; }

    /// <summary>
    /// WebTransport over HTTP/3 (draft-ietf-webtrans-http3): when set, every connection advertises it
    /// and <see cref="Http3RouteTable.MapWebTransport(string, WebTransportSessionHandler)"/> routes serve
    /// sessions. Null (the default): not offered, and WebTransport routes answer 501.
    /// </summary>
    public WebTransportServerOptions? WebTransport { get; set; }

    /// <summary>When set, one line per completed request (an access log) and connection failures.</summary>
    public TextWriter? Log { get; set; }
}
