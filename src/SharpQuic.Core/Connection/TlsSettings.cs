using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Cryptography;
using SharpQuic.Tls;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Handshake;

namespace SharpQuic.Core.Connection;

/// <summary>
/// A client's TLS settings in .NET terms (System.Net.Quic / SslStream names). The connection turns them into the
/// handshake engine's options with our transport parameters added (RFC 9001 §8.2), so the TLS types stay internal
/// to the stack.
/// </summary>
internal sealed class ClientTlsSettings
{
    /// <summary>SNI and the name checked in the certificate.</summary>
    public string? ServerName { get; init; }

    /// <summary>ALPN, required in QUIC (RFC 9001 §8.1).</summary>
    public IReadOnlyList<SslApplicationProtocol> ApplicationProtocols { get; init; } = [];

    /// <summary>supported_groups, best first; X25519MLKEM768 leads by default.</summary>
    public IReadOnlyList<NamedGroup>? SupportedGroups { get; init; }

    /// <summary>Groups sent as key shares in the first ClientHello.</summary>
    public IReadOnlyList<NamedGroup>? KeyShareGroups { get; init; }

    /// <summary>Suites offered; null for the defaults.</summary>
    public IReadOnlyList<CipherSuite>? CipherSuites { get; init; }

    /// <summary>RemoteCertificateValidationCallback: has the last word.</summary>
    public RemoteCertificateValidationCallback? ValidationCallback { get; init; }

    /// <summary>CertificateChainPolicy (custom trust).</summary>
    public X509ChainPolicy? ChainPolicy { get; init; }

    /// <summary>SHA-256 hashes of acceptable leaf certificates (WebTransport serverCertificateHashes).</summary>
    public IReadOnlyList<byte[]>? PinnedCertificateHashes { get; init; }

    /// <summary>
    /// True: validate inside the handshake (blocking). False: pause with
    /// <see cref="ConnectionEventKind.PeerCertificateReceived"/> until <c>CompleteCertificateValidation</c>.
    /// </summary>
    public bool ValidateInline { get; init; } = true;

    /// <summary>Randomness for the handshake.</summary>
    public IRandomSource RandomSource { get; init; } = SystemRandomSource.Instance;

    /// <summary>NSS key log lines (debugging).</summary>
    public Action<string>? KeyLog { get; init; }

    /// <summary>
    /// A serialized ticket from an earlier connection (<see cref="QuicConnection.ResumptionTicket"/>) to resume with;
    /// one that does not parse is ignored (a full handshake).
    /// </summary>
    public byte[]? ResumptionTicket { get; init; }

    /// <summary>Send 0-RTT data when <see cref="ResumptionTicket"/> allows it (RFC 9001 §4.6).</summary>
    public bool EnableEarlyData { get; init; }

    /// <summary>
    /// Keep the TLS engine after the handshake until the server's first NewSessionTicket has arrived, to surface it
    /// as <see cref="QuicConnection.ResumptionTicket"/> (costs the engine's memory while no ticket came).
    /// </summary>
    public bool ReceiveTickets { get; init; }

    internal SharpQuic.Tls.Tickets.SessionTicket? ParsedTicket => field ??= ResumptionTicket is null ? null : QuicConnection.ParseTicket(ResumptionTicket);

    internal CertificateValidationOptions ValidationOptions => new()
    {
        TargetHost = ServerName,
        ValidationCallback = ValidationCallback,
        ChainPolicy = ChainPolicy,
        PinnedCertificateHashes = PinnedCertificateHashes,
    };

    internal TlsClientOptions ToTlsOptions(byte[] transportParameters)
    {
        var defaults = new TlsClientOptions();
        return new TlsClientOptions
        {
            ServerName = ServerName,
            ApplicationProtocols = ApplicationProtocols,
            SupportedGroups = SupportedGroups ?? defaults.SupportedGroups,
            KeyShareGroups = KeyShareGroups ?? defaults.KeyShareGroups,
            CipherSuites = CipherSuites ?? defaults.CipherSuites,
            LocalTransportParameters = transportParameters,
            CertificateValidation = ValidationOptions,
            ValidateCertificateInline = ValidateInline,
            RandomSource = RandomSource,
            KeyLog = KeyLog,
            SessionTicket = ParsedTicket,
            EnableEarlyData = EnableEarlyData,
        };
    }
}

/// <summary>A server's TLS settings for one connection (may be chosen after the ClientHello: SNI, ALPN).</summary>
internal sealed class ServerTlsSettings
{
    /// <summary>Certificate (or selection callback / context), client certificate policy, default ALPN.</summary>
    public SslServerAuthenticationOptions ServerAuthentication { get; init; } = new();

    /// <summary>ALPN, best first; null uses <see cref="SslServerAuthenticationOptions.ApplicationProtocols"/>.</summary>
    public IReadOnlyList<SslApplicationProtocol>? ApplicationProtocols { get; init; }

    /// <summary>Groups accepted, in preference order; null for the defaults.</summary>
    public IReadOnlyList<NamedGroup>? Groups { get; init; }

    /// <summary>Randomness for the handshake.</summary>
    public IRandomSource RandomSource { get; init; } = SystemRandomSource.Instance;

    /// <summary>NSS key log lines (debugging).</summary>
    public Action<string>? KeyLog { get; init; }

    /// <summary>Ticket key and anti-replay set (shared by the connections of a listener); null issues no tickets and resumes nothing.</summary>
    public ServerResumption? Resumption { get; init; }

    /// <summary>Accept 0-RTT on tickets that allow it (RFC 9001 §4.6); tickets then allow it.</summary>
    public bool EnableEarlyData { get; init; }

    /// <summary>NewSessionTickets sent after each handshake.</summary>
    public int TicketsPerConnection { get; init; } = 1;

    internal TlsServerOptions ToTlsOptions(byte[] transportParameters)
    {
        var defaults = new TlsServerOptions();

        // RFC 9000 §7.4.1: 0-RTT only when the limits remembered with the ticket are today's limits.
        byte[] earlyDataContext = EnableEarlyData ? QuicConnection.EarlyDataContext(transportParameters) : [];
        return new TlsServerOptions
        {
            ServerAuthentication = ServerAuthentication,
            ApplicationProtocols = ApplicationProtocols,
            Groups = Groups ?? defaults.Groups,
            LocalTransportParameters = transportParameters,
            ValidateCertificateInline = true,
            RandomSource = RandomSource,
            KeyLog = KeyLog,
            TicketProtector = Resumption?.Protector,
            TicketsPerConnection = TicketsPerConnection,
            EnableEarlyData = EnableEarlyData && earlyDataContext.Length > 0,
            SingleUseTickets = Resumption?.UsedTickets,
            EarlyDataContext = earlyDataContext,
        };
    }
}
