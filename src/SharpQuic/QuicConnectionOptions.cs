using System.Net;
using System.Net.Security;

namespace SharpQuic;

/// <summary>
/// Settings shared by client and server connections, with System.Net.Quic's names and defaults. Beyond it:
/// key-exchange groups, QUIC versions, qlog.
/// </summary>
public abstract partial class QuicConnectionOptions
{
    private protected QuicConnectionOptions()
    {
    }

    /// <summary>Streams the peer may open at once, bidirectional (our initial_max_streams_bidi).</summary>
    public int MaxInboundBidirectionalStreams { get; set; }

    /// <summary>Streams the peer may open at once, unidirectional (our initial_max_streams_uni).</summary>
    public int MaxInboundUnidirectionalStreams { get; set; }

    /// <summary>The idle timeout (RFC 9000 §10.1); <see cref="TimeSpan.Zero"/> means the default, 30 s.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>Send a PING after this much quiet time; <see cref="Timeout.InfiniteTimeSpan"/> (the default) never.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gives up a handshake that has not completed after this long (default 10 s).</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The application error code used when a stream is aborted implicitly (disposed, cancelled). Required: -1 is unset.</summary>
    public long DefaultStreamErrorCode { get; set; } = -1;

    /// <summary>The application error code used when the connection is disposed without <c>CloseAsync</c>. Required: -1 is unset.</summary>
    public long DefaultCloseErrorCode { get; set; } = -1;

    /// <summary>
    /// Key-exchange groups, best first, by their IANA names ("X25519MLKEM768", "x25519", "secp256r1",
    /// "SecP256r1MLKEM768", "MLKEM768"); null for the defaults (X25519MLKEM768 first, X25519 second).
    /// </summary>
    public IList<string>? KeyExchangeGroups { get; set; }

    /// <summary>Write a qlog file per connection into this folder (draft-ietf-quic-qlog); null: no qlog.</summary>
    public string? QlogDirectory { get; set; }

    /// <summary>Beyond System.Net.Quic: the congestion controller (CUBIC with HyStart++ by default, RFC 9438, RFC 9406).</summary>
    public QuicCongestionControl CongestionControl { get; set; } = QuicCongestionControl.Cubic;

    /// <summary>Beyond System.Net.Quic: pace sends over the RTT (RFC 9002 §7.7); on by default.</summary>
    public bool Pacing { get; set; } = true;

    /// <summary>
    /// Beyond System.Net.Quic: start a key update (RFC 9001 §6) every this many packets sent; 0 (the default) leaves
    /// updates to the AEAD limits and the peer. For testing key updates against other implementations.
    /// </summary>
    public long KeyUpdateInterval { get; set; }

    internal void Validate(string name)
    {
        if (DefaultStreamErrorCode < 0 || DefaultStreamErrorCode > (1L << 62) - 1)
        {
            throw new ArgumentOutOfRangeException(name + "." + nameof(DefaultStreamErrorCode), "DefaultStreamErrorCode must be set to a value in 0..2^62-1.");
        }

        if (DefaultCloseErrorCode < 0 || DefaultCloseErrorCode > (1L << 62) - 1)
        {
            throw new ArgumentOutOfRangeException(name + "." + nameof(DefaultCloseErrorCode), "DefaultCloseErrorCode must be set to a value in 0..2^62-1.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(KeyUpdateInterval, nameof(KeyUpdateInterval));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxInboundBidirectionalStreams, nameof(MaxInboundBidirectionalStreams));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxInboundUnidirectionalStreams, nameof(MaxInboundUnidirectionalStreams));
        ValidateDatagrams();
        if (IdleTimeout < TimeSpan.Zero && IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(IdleTimeout));
        }

        if (HandshakeTimeout <= TimeSpan.Zero && HandshakeTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout));
        }
    }
}

/// <summary>How to connect (System.Net.Quic's QuicClientConnectionOptions).</summary>
public sealed partial class QuicClientConnectionOptions : QuicConnectionOptions
{
    /// <summary>Creates options with System.Net.Quic's client defaults: the peer may open no streams.</summary>
    public QuicClientConnectionOptions()
    {
        MaxInboundBidirectionalStreams = 0;
        MaxInboundUnidirectionalStreams = 0;
    }

    /// <summary>TLS: target host (SNI), ALPN (required), certificate validation, client certificates.</summary>
    public SslClientAuthenticationOptions ClientAuthenticationOptions { get; set; } = null!;

    /// <summary>The server: an <see cref="IPEndPoint"/> or a <see cref="DnsEndPoint"/>.</summary>
    public EndPoint RemoteEndPoint { get; set; } = null!;

    /// <summary>The local address to bind; null shares the process's client sockets.</summary>
    public IPEndPoint? LocalEndPoint { get; set; }

    /// <summary>The QUIC version to start with: 1 (RFC 9000, the default) or 2 (RFC 9369).</summary>
    public int QuicVersion { get; set; } = 1;
}

/// <summary>How to serve one accepted connection (System.Net.Quic's QuicServerConnectionOptions).</summary>
public sealed partial class QuicServerConnectionOptions : QuicConnectionOptions
{
    /// <summary>Creates options with System.Net.Quic's server defaults: 100 bidirectional and 10 unidirectional inbound streams.</summary>
    public QuicServerConnectionOptions()
    {
        MaxInboundBidirectionalStreams = 100;
        MaxInboundUnidirectionalStreams = 10;
    }

    /// <summary>TLS: the certificate (or selector), ALPN list, client certificate policy.</summary>
    public SslServerAuthenticationOptions ServerAuthenticationOptions { get; set; } = null!;
}
