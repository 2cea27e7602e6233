using System.Net.Security;
using SharpQuic.Cryptography;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Tickets;

namespace SharpQuic.Tls.Handshake;

/// <summary>How a server answers one connection; may be chosen per connection after the ClientHello (SNI, ALPN).</summary>
internal sealed class TlsServerOptions
{
    /// <summary>Certificate selection (<see cref="ServerCertificateSelector"/>), ClientCertificateRequired, the
    /// client-certificate validation callback, and the default ALPN list.</summary>
    public SslServerAuthenticationOptions ServerAuthentication { get; init; } = new();

    /// <summary>ALPN protocols, best first; null uses <see cref="SslServerAuthenticationOptions.ApplicationProtocols"/>.</summary>
    public IReadOnlyList<SslApplicationProtocol>? ApplicationProtocols { get; init; }

    /// <summary>Suites accepted, best first.</summary>
    public IReadOnlyList<CipherSuite> CipherSuites { get; init; } =
        [CipherSuite.Aes128GcmSha256, CipherSuite.Aes256GcmSha384, CipherSuite.ChaCha20Poly1305Sha256];

    /// <summary>Groups accepted, in the server's preference order (MLKEM768 alone is off by default).</summary>
    public IReadOnlyList<NamedGroup> Groups { get; init; } =
        [NamedGroup.X25519MlKem768, NamedGroup.X25519, NamedGroup.Secp256r1, NamedGroup.SecP256r1MlKem768];

    /// <summary>signature_algorithms for a client's CertificateVerify (in our CertificateRequest).</summary>
    public IReadOnlyList<SignatureScheme> SignatureAlgorithms { get; init; } = CertificateKeyInfo.VerifiableSchemes.ToArray();

    /// <summary>Our encoded QUIC transport parameters (RFC 9001 §8.2).</summary>
    public byte[] LocalTransportParameters { get; init; } = [];

    /// <summary>Send a CertificateRequest even when <see cref="SslServerAuthenticationOptions.ClientCertificateRequired"/>
    /// is false (an optional client certificate).</summary>
    public bool RequestClientCertificate { get; init; }

    /// <summary>How client certificates are validated; null derives it from <see cref="ServerAuthentication"/>.</summary>
    public CertificateValidationOptions? ClientCertificateValidation { get; init; }

    /// <summary>Run the validator inside the engine (blocking) instead of pausing with
    /// <see cref="PeerCertificateReceivedEvent"/>.</summary>
    public bool ValidateCertificateInline { get; init; }

    /// <summary>Bounds on the client's Certificate message.</summary>
    public CertificateLimits? CertificateLimits { get; init; }

    /// <summary>Seals and opens session tickets; null issues none and resumes nothing.</summary>
    public TicketProtector? TicketProtector { get; init; }

    /// <summary>NewSessionTickets sent after each full or resumed handshake.</summary>
    public int TicketsPerConnection { get; init; } = 1;

    /// <summary>Ticket lifetime (at most seven days, RFC 8446bis §4.6.1).</summary>
    public TimeSpan TicketLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Accept 0-RTT on tickets that allow it (RFC 9001 §4.6). Tickets then carry max_early_data_size
    /// 0xffffffff (RFC 9001 §4.6.1).</summary>
    public bool EnableEarlyData { get; init; }

    /// <summary>The QUIC layer's 0-RTT-relevant state (RFC 9000 §7.4.1, e.g. the transport parameters a client
    /// remembers), stored in each ticket; 0-RTT is refused when a ticket's copy differs.</summary>
    public byte[] EarlyDataContext { get; init; } = [];

    /// <summary>How far the client's ticket age may differ from ours for 0-RTT (RFC 8446bis §8.3).</summary>
    public TimeSpan MaxTicketAgeSkew { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>When set, each ticket is accepted once (RFC 8446bis §8.1); a reused ticket gets a full handshake.</summary>
    public UsedTicketSet? SingleUseTickets { get; init; }

    /// <summary>Randomness for the server random, key shares, tickets.</summary>
    public IRandomSource RandomSource { get; init; } = SystemRandomSource.Instance;

    /// <summary>Receives NSS key log lines (debugging only).</summary>
    public Action<string>? KeyLog { get; init; }

    internal IReadOnlyList<SslApplicationProtocol> EffectiveApplicationProtocols
        => ApplicationProtocols ?? (IReadOnlyList<SslApplicationProtocol>?)ServerAuthentication.ApplicationProtocols ?? [];
}
