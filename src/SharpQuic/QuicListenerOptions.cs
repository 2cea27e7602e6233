using System.Net;
using System.Net.Security;

namespace SharpQuic;

/// <summary>How to listen (System.Net.Quic's QuicListenerOptions).</summary>
public sealed class QuicListenerOptions
{
    /// <summary>The address and port to bind (port 0 picks one; see <see cref="QuicListener.LocalEndPoint"/>).</summary>
    public IPEndPoint ListenEndPoint { get; set; } = null!;

    /// <summary>The ALPN values accepted; a connection must negotiate one of them.</summary>
    public List<SslApplicationProtocol> ApplicationProtocols { get; set; } = null!;

    /// <summary>Handshaken connections waiting for <see cref="QuicListener.AcceptConnectionAsync"/> at most; 0 means 512.</summary>
    public int ListenBacklog { get; set; }

    /// <summary>Chooses each connection's options after its ClientHello (SNI in <see cref="SslClientHelloInfo.ServerName"/>).</summary>
    public Func<QuicConnection, SslClientHelloInfo, CancellationToken, ValueTask<QuicServerConnectionOptions>> ConnectionOptionsCallback { get; set; } = null!;

    /// <summary>Worker threads, each with its own socket on the port (SO_REUSEPORT); 0 means the processor count.</summary>
    public int WorkerCount { get; set; }

    /// <summary>Validate every client address with a Retry before creating state (RFC 9000 §8.1.2).</summary>
    public bool RequireRetry { get; set; }

    /// <summary>Beyond System.Net.Quic: write a qlog file per accepted connection into this folder (draft-ietf-quic-qlog).</summary>
    public string? QlogDirectory { get; set; }

    /// <summary>
    /// Beyond System.Net.Quic: the QUIC version this listener prefers, 1 (RFC 9000) or 2 (RFC 9369). A client that
    /// starts in the other version and lists this one as compatible is moved to it in the same handshake (compatible
    /// version negotiation, RFC 9368 §2.3). 0 (the default) keeps the version each client chose.
    /// </summary>
    public int PreferredQuicVersion { get; set; }

    /// <summary>
    /// Beyond System.Net.Quic: an address clients move to after the handshake (preferred_address, RFC 9000 §9.6),
    /// e.g. a unicast address of a server reached through an anycast or load-balanced one. Port 0 means the
    /// listener's port. Datagrams to it must reach this listener: bind <see cref="ListenEndPoint"/> to a wildcard
    /// address (the local address of each datagram is read with IP_PKTINFO, and replies leave from it).
    /// </summary>
    public IPEndPoint? PreferredAddress { get; set; }

    internal void Validate()
    {
        if (ListenEndPoint is null)
        {
            throw new ArgumentNullException(nameof(ListenEndPoint), "QuicListenerOptions.ListenEndPoint must be set.");
        }

        if (ApplicationProtocols is null || ApplicationProtocols.Count == 0)
        {
            throw new ArgumentNullException(nameof(ApplicationProtocols), "QuicListenerOptions.ApplicationProtocols must name at least one protocol.");
        }

        if (ConnectionOptionsCallback is null)
        {
            throw new ArgumentNullException(nameof(ConnectionOptionsCallback), "QuicListenerOptions.ConnectionOptionsCallback must be set.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(ListenBacklog, nameof(ListenBacklog));
        ArgumentOutOfRangeException.ThrowIfNegative(WorkerCount, nameof(WorkerCount));
        if (PreferredQuicVersion is < 0 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(PreferredQuicVersion), "PreferredQuicVersion must be 0, 1 or 2.");
        }
    }
}
