using SharpQuic.Core.Streams;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Core.Connection;

/// <summary>What a <see cref="ConnectionEvent"/> reports.</summary>
internal enum ConnectionEventKind
{
    /// <summary>Server: a ClientHello arrived; call <see cref="QuicConnection.SetServerOptions"/> to go on.</summary>
    ClientHelloReceived,

    /// <summary>The peer's certificate passed its CertificateVerify; call <see cref="QuicConnection.ValidatePeerCertificate"/>.</summary>
    PeerCertificateReceived,

    /// <summary>The TLS handshake completed; streams can be used.</summary>
    HandshakeCompleted,

    /// <summary>The handshake is confirmed (RFC 9001 §4.1.2).</summary>
    HandshakeConfirmed,

    /// <summary>Client: a session ticket arrived; <see cref="QuicConnection.ResumptionTicket"/> holds it.</summary>
    ResumptionTicketReceived,

    /// <summary>Client: the server refused 0-RTT; the early stream data is sent again in 1-RTT (RFC 9001 §4.6.2).</summary>
    EarlyDataRejected,

    /// <summary>The peer opened a stream.</summary>
    StreamOpened,

    /// <summary>Data or the end of a stream can be read.</summary>
    StreamReadable,

    /// <summary>Send buffer space freed after a short write.</summary>
    StreamWritable,

    /// <summary>Everything we sent on a stream, FIN included, was acknowledged.</summary>
    StreamFinished,

    /// <summary>The peer reset its sending part of a stream (RESET_STREAM).</summary>
    StreamReset,

    /// <summary>The peer asked us to stop sending (STOP_SENDING).</summary>
    StopSendingReceived,

    /// <summary>The peer's final size of a stream became known (FinalSize), also after the application stopped reading.</summary>
    StreamFinalSizeKnown,

    /// <summary>The peer raised a stream limit (MAX_STREAMS).</summary>
    StreamsAvailable,

    /// <summary>Client: the server sent a NEW_TOKEN token; see <see cref="QuicConnection.ReceivedToken"/>.</summary>
    NewTokenReceived,

    /// <summary>Datagrams wait in the receive queue (RFC 9221): raised when it stops being empty; read until none is left.</summary>
    DatagramReceived,

    /// <summary>The datagram send queue has room again after <see cref="QuicConnection.TrySendDatagram"/> answered QueueFull.</summary>
    DatagramWritable,

    /// <summary>The packet carrying datagram <see cref="ConnectionEvent.DatagramId"/> was acknowledged (with DatagramDeliveryEvents).</summary>
    DatagramAcked,

    /// <summary>The packet carrying datagram <see cref="ConnectionEvent.DatagramId"/> was declared lost; it is not sent again (RFC 9221 §5.2).</summary>
    DatagramLost,

    /// <summary>The connection ended; see <see cref="ConnectionEvent.Close"/>.</summary>
    ConnectionClosed,

    /// <summary>The connection moved to a validated new path (RFC 9000 §9): a client's new local address, the server's preferred address, or the peer's new address.</summary>
    PathMigrated,

    /// <summary>A path validation was abandoned (RFC 9000 §8.2.4); the connection stays on (or went back to) the last validated path.</summary>
    PathValidationFailed,
}

/// <summary>Why and how a connection ended.</summary>
internal enum CloseReason
{
    /// <summary>We sent CONNECTION_CLOSE.</summary>
    Local,

    /// <summary>The peer sent CONNECTION_CLOSE.</summary>
    Remote,

    /// <summary>The idle timeout expired (RFC 9000 §10.1).</summary>
    IdleTimeout,

    /// <summary>A stateless reset was received (RFC 9000 §10.3).</summary>
    StatelessReset,

    /// <summary>The server answered with Version Negotiation listing no version we speak (RFC 9000 §6.2).</summary>
    VersionNegotiation,

    /// <summary>The handshake did not complete in time.</summary>
    HandshakeTimeout,
}

/// <summary>How a connection closed: who, the error code space and code, and the reason phrase.</summary>
internal sealed record ConnectionCloseInfo(CloseReason Reason, bool IsApplicationError, ulong ErrorCode, string ReasonPhrase);

/// <summary>One event of a connection, polled with <see cref="QuicConnection.PollEvent"/>.</summary>
internal readonly record struct ConnectionEvent(
    ConnectionEventKind Kind,
    StreamId StreamId = default,
    ulong ErrorCode = 0,
    ConnectionCloseInfo? Close = null,
    X509Certificate2? PeerCertificate = null,
    ulong DatagramId = 0,
    ulong FinalSize = 0);
