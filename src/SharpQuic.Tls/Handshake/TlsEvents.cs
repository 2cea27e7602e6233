using SharpQuic.Cryptography;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Tickets;

namespace SharpQuic.Tls.Handshake;

/// <summary>QUIC's packet number spaces as TLS sees them (RFC 9001 §4.1.4): the level CRYPTO data and secrets
/// belong to.</summary>
public enum EncryptionLevel
{
    /// <summary>Initial packets (keys from the connection ID, RFC 9001 §5.2).</summary>
    Initial,

    /// <summary>0-RTT packets; no CRYPTO data is ever carried here.</summary>
    EarlyData,

    /// <summary>Handshake packets.</summary>
    Handshake,

    /// <summary>1-RTT packets.</summary>
    Application,
}

/// <summary>Which way a secret protects packets.</summary>
public enum TrafficDirection
{
    /// <summary>Packets we receive.</summary>
    Read,

    /// <summary>Packets we send.</summary>
    Write,
}

/// <summary>Something the handshake wants the QUIC layer to know or do; drained with
/// <see cref="TlsConnection.TryPollEvent"/> after every input.</summary>
internal abstract record TlsEvent;

/// <summary>Bytes to send in CRYPTO frames at <paramref name="Level"/>, in order (RFC 9001 §4.1.3).</summary>
internal sealed record HandshakeDataEvent(EncryptionLevel Level, byte[] Data) : TlsEvent;

/// <summary>A traffic secret is ready; QUIC derives its packet and header protection keys from it (RFC 9001 §5.1).</summary>
internal sealed record SecretAvailableEvent(EncryptionLevel Level, TrafficDirection Direction, CipherSuite Suite, byte[] Secret) : TlsEvent;

/// <summary>The peer's raw quic_transport_parameters extension value (RFC 9001 §8.2); QUIC parses it.</summary>
internal sealed record PeerTransportParametersEvent(byte[] Parameters) : TlsEvent;

/// <summary>Server: a ClientHello arrived; the handshake waits for <see cref="TlsServerConnection.SetServerOptions"/>
/// unless options were given up front (the ConnectionOptionsCallback point).</summary>
internal sealed record ClientHelloReceivedEvent(string? ServerName, IReadOnlyList<byte[]> ApplicationProtocols) : TlsEvent;

/// <summary>The peer's certificate chain passed its CertificateVerify; the handshake waits for
/// <see cref="TlsConnection.CompleteCertificateValidation"/>. The chain stays owned by the connection.</summary>
internal sealed record PeerCertificateReceivedEvent(CertificateChain Chain) : TlsEvent;

/// <summary>Both Finished messages are verified (client: sent; server: received).</summary>
internal sealed record HandshakeCompletedEvent : TlsEvent;

/// <summary>Client: a NewSessionTicket arrived, ready to store for resumption.</summary>
internal sealed record NewSessionTicketReceivedEvent(SessionTicket Ticket) : TlsEvent;

/// <summary>Client: the server refused 0-RTT; data sent as 0-RTT must be sent again as 1-RTT (RFC 9001 §4.6.2).</summary>
internal sealed record EarlyDataRejectedEvent : TlsEvent;
