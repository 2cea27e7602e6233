using System.Net.Security;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Streams;
using SharpQuic.Cryptography;
using SharpQuic.Tls;
using CoreConnectionOptions = SharpQuic.Core.Connection.ConnectionOptions;

namespace SharpQuic.Runtime;

/// <summary>Turns the public, System.Net.Quic-shaped options into the core's settings, and close reasons into exceptions.</summary>
internal static class RuntimeOptions
{
    /// <summary>The idle timeout when the application leaves it at zero (msquic's default too).</summary>
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Largest UDP payload we send before path MTU discovery (issue 6) exists: 1,200 is always safe (RFC 9000 §14).</summary>
    public static int MaxDatagramSize { get; } = ReadMaxDatagramSize();

    public static CoreConnectionOptions ToTransport(QuicConnectionOptions options, string? qlogDirectory = null, bool ecn = true, ServerPreferredAddress? preferredAddress = null) => new()
    {
        PreferredAddress = preferredAddress,
        // RFC 9000 §13.4: mark ECT(0) only where the socket can set the mark (validation would turn it off anyway).
        EnableEcn = ecn,
        CongestionControl = options.CongestionControl == QuicCongestionControl.NewReno
            ? SharpQuic.Core.Congestion.CongestionControlAlgorithm.NewReno : SharpQuic.Core.Congestion.CongestionControlAlgorithm.Cubic,
        Pacing = options.Pacing,
        KeyUpdateInterval = options.KeyUpdateInterval,
        Tracing = (qlogDirectory ?? options.QlogDirectory) is string qlog ? new SharpQuic.Qlog.QlogDirectoryTracerFactory(qlog) : null,
        IdleTimeout = options.IdleTimeout == TimeSpan.Zero ? DefaultIdleTimeout
            : options.IdleTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : options.IdleTimeout,
        KeepAliveInterval = options.KeepAliveInterval == Timeout.InfiniteTimeSpan || options.KeepAliveInterval <= TimeSpan.Zero
            ? null : options.KeepAliveInterval,
        HandshakeTimeout = options.HandshakeTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromDays(1) : options.HandshakeTimeout,
        MaxDatagramSize = MaxDatagramSize,

        // RFC 9000 §18.2: what our sockets receive whole (a receive slot holds 2,048 bytes; one byte less lets the
        // portable socket tell a full datagram from a truncated one).
        MaxReceiveUdpPayloadSize = 2047,

        // DPLPMTUD (RFC 9000 §14.3) up to what a send slot holds; SHARPQUIC_MAX_DATAGRAM_SIZE above 1,200 skips the search.
        MaxPathMtuProbe = Math.Min(1452, SendBatch.DatagramRoom),
        InitialRtt = TimeSpan.FromMilliseconds(100),
        MaxDatagramFrameSize = options.DatagramFrameSize,
        DatagramReceiveQueueLength = options.DatagramReceiveQueueLength,
        DatagramDeliveryEvents = options.DatagramDeliveryNotifications,
        Streams = new StreamManagerOptions
        {
            MaxStreamsBidi = (ulong)options.MaxInboundBidirectionalStreams,
            MaxStreamsUni = (ulong)options.MaxInboundUnidirectionalStreams,
            MaxData = 16 * 1024 * 1024,
            MaxDataWindowLimit = 24 * 1024 * 1024,
            MaxStreamDataBidiLocal = 2 * 1024 * 1024,
            MaxStreamDataBidiRemote = 2 * 1024 * 1024,
            MaxStreamDataUni = 2 * 1024 * 1024,
            MaxStreamWindowLimit = 16 * 1024 * 1024,
            SendBufferSize = 4 * 1024 * 1024,
        },
    };

    public static ClientTlsSettings ToClientTls(QuicClientConnectionOptions options, string targetHost)
    {
        SslClientAuthenticationOptions ssl = options.ClientAuthenticationOptions;
        IReadOnlyList<NamedGroup>? groups = ParseGroups(options.KeyExchangeGroups);
        return new ClientTlsSettings
        {
            ServerName = targetHost,
            ApplicationProtocols = ssl.ApplicationProtocols!,
            SupportedGroups = groups,
            KeyShareGroups = groups is null ? null : [groups[0]],
            CipherSuites = ParseSuites(ssl.CipherSuitesPolicy),
            ValidationCallback = ssl.RemoteCertificateValidationCallback,
            ChainPolicy = ssl.CertificateChainPolicy,
            ValidateInline = true,
            ReceiveTickets = true,
            ResumptionTicket = options.ResumptionTicket,
            EnableEarlyData = options.EnableEarlyData,
            KeyLog = options.CreateKeyLogSink(),
        };
    }

    public static ServerTlsSettings ToServerTls(QuicServerConnectionOptions options, List<SslApplicationProtocol> listenerProtocols, ServerResumption? resumption = null)
    {
        SslServerAuthenticationOptions ssl = options.ServerAuthenticationOptions;
        return new ServerTlsSettings
        {
            ServerAuthentication = ssl,
            ApplicationProtocols = ssl.ApplicationProtocols is { Count: > 0 } own ? own : listenerProtocols,
            Groups = ParseGroups(options.KeyExchangeGroups),
            Resumption = resumption,
            EnableEarlyData = options.AcceptEarlyData,
            KeyLog = options.CreateKeyLogSink(),
        };
    }

    /// <summary>The IANA name of a group.</summary>
    public static string GroupName(NamedGroup group) => group switch
    {
        NamedGroup.X25519MlKem768 => "X25519MLKEM768",
        NamedGroup.SecP256r1MlKem768 => "SecP256r1MLKEM768",
        NamedGroup.MlKem768 => "MLKEM768",
        NamedGroup.X25519 => "x25519",
        NamedGroup.Secp256r1 => "secp256r1",
        _ => "0x" + ((ushort)group).ToString("x4", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Parses group names (IANA names, case-insensitive); null for the defaults.</summary>
    public static IReadOnlyList<NamedGroup>? ParseGroups(IList<string>? names)
    {
        if (names is null || names.Count == 0)
        {
            return null;
        }

        var groups = new List<NamedGroup>(names.Count);
        foreach (string name in names)
        {
            groups.Add(name.Trim().ToUpperInvariant() switch
            {
                "X25519MLKEM768" => NamedGroup.X25519MlKem768,
                "SECP256R1MLKEM768" => NamedGroup.SecP256r1MlKem768,
                "MLKEM768" => NamedGroup.MlKem768,
                "X25519" => NamedGroup.X25519,
                "SECP256R1" or "P-256" or "P256" => NamedGroup.Secp256r1,
                _ => throw new ArgumentException($"Unknown key-exchange group '{name}'.", nameof(names)),
            });
        }

        return groups;
    }

    /// <summary>The exception pending and later operations fail with once a connection has closed.</summary>
    public static QuicException ToException(ConnectionCloseInfo? info, bool handshakeCompleted, bool closedByApplication)
    {
        if (info is null)
        {
            return new QuicException(QuicError.OperationAborted, null, "The connection was aborted.");
        }

        return info.Reason switch
        {
            CloseReason.Local when closedByApplication => new QuicException(QuicError.OperationAborted, null, "The connection was closed by the application."),
            CloseReason.Local => new QuicException(QuicError.TransportError, null, (long)info.ErrorCode, $"The connection failed: {Describe(info)}", null),
            CloseReason.Remote when info.IsApplicationError => new QuicException(QuicError.ConnectionAborted, (long)info.ErrorCode, $"The peer closed the connection with application error code {info.ErrorCode}."),
            CloseReason.Remote when info.ErrorCode == 0x02 => new QuicException(QuicError.ConnectionRefused, null, 0x02, "The peer refused the connection.", null),
            CloseReason.Remote => new QuicException(QuicError.TransportError, null, (long)info.ErrorCode, $"The peer closed the connection: {Describe(info)}", null),
            CloseReason.IdleTimeout when !handshakeCompleted => new QuicException(QuicError.ConnectionTimeout, null, "The handshake timed out (no answer from the peer)."),
            CloseReason.IdleTimeout => new QuicException(QuicError.ConnectionIdle, null, "The connection timed out for inactivity."),
            CloseReason.HandshakeTimeout => new QuicException(QuicError.ConnectionTimeout, null, "The handshake did not complete in time."),
            CloseReason.StatelessReset => new QuicException(QuicError.ConnectionAborted, null, "The peer reset the connection (stateless reset)."),
            CloseReason.VersionNegotiation => new QuicException(QuicError.VersionNegotiationError, null, "The server speaks no QUIC version we offered."),
            _ => new QuicException(QuicError.InternalError, null, "The connection closed."),
        };
    }

    /// <summary>True when the handshake failed on a certificate (TLS alerts 42–49 except 47, or 116, as CRYPTO_ERROR 0x1XX, RFC 9001 §4.8).</summary>
    public static bool IsCertificateFailure(ConnectionCloseInfo? info)
    {
        if (info is null || info.IsApplicationError || info.ErrorCode < 0x100 || info.ErrorCode > 0x1ff)
        {
            return false;
        }

        ulong alert = info.ErrorCode - 0x100;
        return alert is 42 or 43 or 44 or 45 or 46 or 48 or 49 or 116;
    }

    private static string Describe(ConnectionCloseInfo info)
    {
        string code = info.ErrorCode >= 0x100 && info.ErrorCode <= 0x1ff
            ? $"CRYPTO_ERROR (TLS alert {info.ErrorCode - 0x100})"
            : $"transport error 0x{info.ErrorCode:x}";
        return string.IsNullOrEmpty(info.ReasonPhrase) ? code : $"{code}: {info.ReasonPhrase}";
    }

    /// <summary>The suites a <see cref="CipherSuitesPolicy"/> allows that QUIC can use (RFC 9001 §5.3); null for the defaults.</summary>
    internal static IReadOnlyList<CipherSuite>? ParseSuites(CipherSuitesPolicy? policy)
    {
        if (policy is null || OperatingSystem.IsWindows())
        {
            return null;
        }

        var suites = new List<CipherSuite>();
        foreach (TlsCipherSuite suite in policy.AllowedCipherSuites)
        {
            if (suite is TlsCipherSuite.TLS_AES_128_GCM_SHA256 or TlsCipherSuite.TLS_AES_256_GCM_SHA384 or TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256)
            {
                suites.Add((CipherSuite)(ushort)suite);
            }
        }

        return suites.Count > 0 ? suites : throw new ArgumentException("The CipherSuitesPolicy allows no TLS 1.3 suite QUIC can use.");
    }

    private static int ReadMaxDatagramSize()
    {
        string? value = Environment.GetEnvironmentVariable("SHARPQUIC_MAX_DATAGRAM_SIZE");
        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int size) && size is >= 1200 and <= 65527
            ? size : 1200;
    }
}
