using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Cryptography;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Tickets;

namespace SharpQuic.Tls.Handshake;

/// <summary>What a client offers and how it checks the server (one object per connection attempt).</summary>
internal sealed class TlsClientOptions
{
    /// <summary>The host name sent as SNI (RFC 6066 §3) and checked against the certificate; null or an IP
    /// literal sends no SNI.</summary>
    public string? ServerName { get; init; }

    /// <summary>ALPN protocols in preference order; required and non-empty in QUIC (RFC 9001 §8.1).</summary>
    public IReadOnlyList<SslApplicationProtocol> ApplicationProtocols { get; init; } = [];

    /// <summary>Suites offered, best first (RFC 9001 §5.3).</summary>
    public IReadOnlyList<CipherSuite> CipherSuites { get; init; } =
        [CipherSuite.Aes128GcmSha256, CipherSuite.Aes256GcmSha384, CipherSuite.ChaCha20Poly1305Sha256];

    /// <summary>supported_groups, best first.</summary>
    public IReadOnlyList<NamedGroup> SupportedGroups { get; init; } =
        [NamedGroup.X25519MlKem768, NamedGroup.X25519, NamedGroup.Secp256r1, NamedGroup.SecP256r1MlKem768];

    /// <summary>Groups for which the first ClientHello carries a share; each must be in <see cref="SupportedGroups"/>.</summary>
    public IReadOnlyList<NamedGroup> KeyShareGroups { get; init; } = [NamedGroup.X25519MlKem768, NamedGroup.X25519];

    /// <summary>signature_algorithms: the schemes accepted in the server's CertificateVerify.</summary>
    public IReadOnlyList<SignatureScheme> SignatureAlgorithms { get; init; } = CertificateKeyInfo.VerifiableSchemes.ToArray();

    /// <summary>Our encoded QUIC transport parameters (RFC 9001 §8.2).</summary>
    public byte[] LocalTransportParameters { get; init; } = [];

    /// <summary>How the server's certificate is validated (TargetHost, trust, callback, pinning).</summary>
    public CertificateValidationOptions? CertificateValidation { get; init; }

    /// <summary>When true the engine runs <see cref="CertificateValidator"/> itself (blocking) instead of pausing with
    /// <see cref="PeerCertificateReceivedEvent"/>.</summary>
    public bool ValidateCertificateInline { get; init; }

    /// <summary>Bounds on the server's Certificate message.</summary>
    public CertificateLimits? CertificateLimits { get; init; }

    /// <summary>Our certificate (with private key) if the server asks for one; null answers with an empty Certificate.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Intermediates sent after <see cref="ClientCertificate"/>.</summary>
    public IReadOnlyList<X509Certificate2> ClientCertificateIntermediates { get; init; } = [];

    /// <summary>A ticket from an earlier connection to resume with (RFC 8446bis §2.2).</summary>
    public SessionTicket? SessionTicket { get; init; }

    /// <summary>Offer 0-RTT when <see cref="SessionTicket"/> allows it (RFC 9001 §4.6).</summary>
    public bool EnableEarlyData { get; init; }

    /// <summary>Randomness for the client random and the key shares.</summary>
    public IRandomSource RandomSource { get; init; } = SystemRandomSource.Instance;

    /// <summary>Receives NSS key log lines (debugging only).</summary>
    public Action<string>? KeyLog { get; init; }
}
