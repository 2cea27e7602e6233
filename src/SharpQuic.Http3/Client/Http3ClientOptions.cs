using System.Net;
using System.Net.Security;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>How an <see cref="Http3MessageHandler"/> connects: certificate checks, timeouts, QUIC settings.</summary>
public sealed class Http3ClientOptions
{
    /// <summary>The ALPN token of HTTP/3 (RFC 9114 §3.1).</summary>
    internal static readonly SslApplicationProtocol H3 = new("h3"u8.ToArray());

    /// <summary>Checks the server's certificate; null uses the platform's chain and name validation.</summary>
    public RemoteCertificateValidationCallback? RemoteCertificateValidationCallback { get; set; }

    /// <summary>
    /// Accept any server certificate. Insecure: anyone on the path can impersonate the server. For tests and
    /// interop runs only. Ignored when <see cref="RemoteCertificateValidationCallback"/> is set.
    /// </summary>
    public bool AllowInvalidCertificates { get; set; }

    /// <summary>Gives up a connection attempt (handshake included) after this long; default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The QUIC idle timeout (RFC 9000 §10.1); <see cref="TimeSpan.Zero"/> uses the transport's default.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Connections kept per origin (default 1). Requests are multiplexed on one connection; with more than one,
    /// a new connection is opened only when every existing one is carrying requests, and a request goes to the
    /// connection with the fewest.
    /// </summary>
    public int MaxConnectionsPerOrigin { get; set; } = 1;

    /// <summary>
    /// Called with the QUIC options of each new connection, after the handler filled them in: set key-exchange
    /// groups, the QUIC version, a resumption ticket, a qlog folder, and so on.
    /// </summary>
    public Action<QuicClientConnectionOptions>? ConfigureConnection { get; set; }

    internal void Validate()
    {
        if (ConnectTimeout <= TimeSpan.Zero && ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout));
        }

        if (IdleTimeout < TimeSpan.Zero && IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(IdleTimeout));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnectionsPerOrigin, 1, nameof(MaxConnectionsPerOrigin));
    }

    /// <summary>
    /// The QUIC options for a connection to <paramref name="origin"/>: ALPN h3, SNI, certificate policy, timeouts, room
    /// for the server's three unidirectional streams (RFC 9114 §6.2), then <see cref="ConfigureConnection"/>.
    /// </summary>
    internal QuicClientConnectionOptions CreateQuicOptions(Http3Origin origin)
    {
        RemoteCertificateValidationCallback? validation = RemoteCertificateValidationCallback;
        if (validation is null && AllowInvalidCertificates)
        {
            validation = static (_, _, _, _) => true;
        }

        var options = new QuicClientConnectionOptions
        {
            RemoteEndPoint = new DnsEndPoint(origin.Host, origin.Port),
            ClientAuthenticationOptions = new SslClientAuthenticationOptions
            {
                TargetHost = origin.Host,
                ApplicationProtocols = [H3],
                RemoteCertificateValidationCallback = validation,
            },
            IdleTimeout = IdleTimeout,
            HandshakeTimeout = ConnectTimeout,

            // RFC 9114 §6.2: the peer must be allowed at least three unidirectional streams (control, QPACK
            // encoder and decoder); a few more leave room for GREASE stream types (§6.2.3).
            MaxInboundUnidirectionalStreams = 8,
            MaxInboundBidirectionalStreams = 0,
            DefaultStreamErrorCode = (long)Http3ErrorCode.RequestCancelled,
            DefaultCloseErrorCode = (long)Http3ErrorCode.NoError,
        };
        ConfigureConnection?.Invoke(options);
        return options;
    }
}
