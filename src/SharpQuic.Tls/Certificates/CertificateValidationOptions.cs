using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Tls.Certificates;

/// <summary>
/// How to validate the peer's certificate, in the terms .NET users set on <see cref="SslStream"/>: see
/// <see cref="ForServerCertificate"/> and <see cref="ForClientCertificate"/> for the mapping from
/// <see cref="SslClientAuthenticationOptions"/> / <see cref="SslServerAuthenticationOptions"/>.
/// </summary>
internal sealed class CertificateValidationOptions
{
    /// <summary>Whose certificate is validated: Server when we are the client.</summary>
    public CertificateRole PeerRole { get; init; } = CertificateRole.Server;

    /// <summary>The name the server certificate must carry (the client's TargetHost, also sent as SNI); null or
    /// empty skips the name check, as SslStream does. Not used for client certificates.</summary>
    public string? TargetHost { get; init; }

    /// <summary>For client certificates: whether an empty Certificate is refused (ClientCertificateRequired).
    /// Always true for server certificates.</summary>
    public bool CertificateRequired { get; init; } = true;

    /// <summary>Revocation checking when <see cref="ChainPolicy"/> is null. Default NoCheck, the SslStream default
    /// (<see cref="SslClientAuthenticationOptions.CertificateRevocationCheckMode"/>): online checks block the
    /// handshake on the network, so they are opt-in. Like SslStream's default policy, ours leaves
    /// DisableCertificateDownloads false (AIA fetching of missing intermediates); pass a <see cref="ChainPolicy"/>
    /// to change that.</summary>
    public X509RevocationMode RevocationMode { get; init; } = X509RevocationMode.NoCheck;

    /// <summary>A complete chain policy (CertificateChainPolicy), e.g. with
    /// <see cref="X509ChainTrustMode.CustomRootTrust"/> and a CustomTrustStore. It is cloned per validation; the
    /// peer's intermediates are added to the clone's ExtraStore, and the EKU for <see cref="PeerRole"/> is added
    /// when its ApplicationPolicy is empty. <see cref="RevocationMode"/> is ignored when this is set.</summary>
    public X509ChainPolicy? ChainPolicy { get; init; }

    /// <summary>The user's RemoteCertificateValidationCallback: it sees the SslPolicyErrors and the chain and has the
    /// last word. Without it, any error fails the handshake.</summary>
    public RemoteCertificateValidationCallback? ValidationCallback { get; init; }

    /// <summary>
    /// Pinning (WebTransport serverCertificateHashes): SHA-256 hashes of acceptable leaf certificates' DER. When
    /// set (non-empty), a leaf whose hash is listed and that is within its validity period is accepted without
    /// chain building or a name check; any other leaf fails with unknown_ca. The callback, if any, still decides last.
    /// </summary>
    public IReadOnlyList<byte[]>? PinnedCertificateHashes { get; init; }

    /// <summary>The instant certificates must be valid at; null means now (the X509Chain default).</summary>
    public DateTime? VerificationTime { get; init; }

    /// <summary>Use the subject CN when the certificate has no SAN dNSName (see <see cref="HostNameMatcher"/>).
    /// Default false, like browsers.</summary>
    public bool AllowCommonNameFallback { get; init; }

    /// <summary>The options a client uses for the server's certificate: TargetHost, RemoteCertificateValidationCallback,
    /// CertificateRevocationCheckMode, CertificateChainPolicy.</summary>
    public static CertificateValidationOptions ForServerCertificate(
        SslClientAuthenticationOptions options,
        IReadOnlyList<byte[]>? pinnedCertificateHashes = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CertificateValidationOptions
        {
            PeerRole = CertificateRole.Server,
            TargetHost = options.TargetHost,
            CertificateRequired = true,
            RevocationMode = options.CertificateRevocationCheckMode,
            ChainPolicy = options.CertificateChainPolicy,
            ValidationCallback = options.RemoteCertificateValidationCallback,
            PinnedCertificateHashes = pinnedCertificateHashes,
        };
    }

    /// <summary>The options a server uses for a client's certificate: ClientCertificateRequired,
    /// RemoteCertificateValidationCallback, CertificateRevocationCheckMode, CertificateChainPolicy.</summary>
    public static CertificateValidationOptions ForClientCertificate(SslServerAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CertificateValidationOptions
        {
            PeerRole = CertificateRole.Client,
            CertificateRequired = options.ClientCertificateRequired,
            RevocationMode = options.CertificateRevocationCheckMode,
            ChainPolicy = options.CertificateChainPolicy,
            ValidationCallback = options.RemoteCertificateValidationCallback,
        };
    }
}
