using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Tls.Certificates;

/// <summary>
/// Validates the peer's certificate chain the way SslStream does: X509Chain (peer's intermediates as ExtraStore,
/// EKU id-kp-serverAuth or id-kp-clientAuth, the user's policy), the host name for server certificates
/// (<see cref="HostNameMatcher"/>), the result as <see cref="SslPolicyErrors"/>, then the user's
/// RemoteCertificateValidationCallback. Optionally pinning by SHA-256 of the leaf instead of the chain.
/// <para>
/// Shape for the handshake: <see cref="Validate"/> is synchronous and may block (chain building can read stores,
/// fetch intermediates or revocation data). The handshake state machine, being sans-IO, stops after the peer's
/// Certificate and CertificateVerify and reports "certificate needs validation"; the runtime calls
/// <see cref="Validate"/> off its connection thread (e.g. on the thread pool) and feeds the
/// <see cref="CertificateValidationResult"/> back, after which the handshake continues or closes with
/// <see cref="CertificateValidationResult.Alert"/>. Validators hold no per-call state and may be shared.
/// </para>
/// <para>
/// Alerts (RFC 8446bis §6.2), in priority order: revoked → certificate_revoked; expired or not yet valid →
/// certificate_expired; untrusted root or incomplete chain (also a pin mismatch) → unknown_ca; any other chain
/// error (wrong EKU, bad signature, bad constraints…) → bad_certificate; host name mismatch → certificate_unknown
/// (the certificate is sound but unacceptable here, which is §6.2's "some other issue rendering it unacceptable";
/// bad_certificate means a corrupt certificate); no client certificate when one is required → certificate_required.
/// A callback that refuses a chain with errors gives the alert for those errors; refusing a clean chain gives
/// bad_certificate; a callback that throws gives internal_error (our fault, not the peer's).
/// </para>
/// </summary>
internal sealed class CertificateValidator
{
    /// <summary>id-kp-serverAuth (RFC 5280 §4.2.1.12).</summary>
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";

    /// <summary>id-kp-clientAuth (RFC 5280 §4.2.1.12).</summary>
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private const X509ChainStatusFlags ExpiredFlags = X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.CtlNotTimeValid;
    private const X509ChainStatusFlags UnknownCaFlags = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain;

    private readonly CertificateValidationOptions _options;

    /// <summary>A validator for one set of options (one per listener or client options object).</summary>
    public CertificateValidator(CertificateValidationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>
    /// Validates <paramref name="chain"/> (from <see cref="CertificateChain.TryCreate"/>). Blocking; see the type's
    /// remarks. <paramref name="sender"/> is passed to the callback (the QuicConnection, as System.Net.Quic does);
    /// null passes this validator. Never throws for a bad certificate or a throwing callback.
    /// </summary>
    public CertificateValidationResult Validate(CertificateChain chain, object? sender = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        X509Certificate2? leaf = chain.Leaf;
        SslPolicyErrors errors = SslPolicyErrors.None;
        X509ChainStatusFlags status = X509ChainStatusFlags.NoError;
        TlsAlert alert = default;
        X509Chain? x509 = null;

        if (leaf is null)
        {
            errors = SslPolicyErrors.RemoteCertificateNotAvailable;
            alert = _options.PeerRole == CertificateRole.Client ? TlsAlert.CertificateRequired : TlsAlert.DecodeError;
        }
        else if (_options.PinnedCertificateHashes is { Count: > 0 } pins)
        {
            alert = CheckPin(leaf, pins, out errors, out status);
        }
        else
        {
            x509 = BuildChain(leaf, chain.Intermediates, out bool chainOk, out status);
            if (!chainOk)
            {
                errors |= SslPolicyErrors.RemoteCertificateChainErrors;
                alert = AlertForChainStatus(status);
            }

            if (_options.PeerRole == CertificateRole.Server && !string.IsNullOrEmpty(_options.TargetHost)
                && !HostNameMatcher.Matches(leaf, _options.TargetHost, _options.AllowCommonNameFallback))
            {
                errors |= SslPolicyErrors.RemoteCertificateNameMismatch;
                if (chainOk)
                {
                    alert = TlsAlert.CertificateUnknown;
                }
            }
        }

        return Decide(sender, leaf, x509, errors, status, alert);
    }

    /// <summary>The alert for a failed chain (see the type's remarks for the order).</summary>
    internal static TlsAlert AlertForChainStatus(X509ChainStatusFlags status)
    {
        if ((status & X509ChainStatusFlags.Revoked) != 0)
        {
            return TlsAlert.CertificateRevoked;
        }

        if ((status & ExpiredFlags) != 0)
        {
            return TlsAlert.CertificateExpired;
        }

        if ((status & UnknownCaFlags) != 0)
        {
            return TlsAlert.UnknownCa;
        }

        return TlsAlert.BadCertificate;
    }

    private CertificateValidationResult Decide(
        object? sender,
        X509Certificate2? leaf,
        X509Chain? x509,
        SslPolicyErrors errors,
        X509ChainStatusFlags status,
        TlsAlert alert)
    {
        RemoteCertificateValidationCallback? callback = _options.ValidationCallback;
        if (callback is null)
        {
            // As SslStream: an optional client certificate that was not sent is no error.
            if (_options.PeerRole == CertificateRole.Client && !_options.CertificateRequired)
            {
                errors &= ~SslPolicyErrors.RemoteCertificateNotAvailable;
            }

            CertificateValidationOutcome outcome = errors == SslPolicyErrors.None
                ? CertificateValidationOutcome.Accepted
                : CertificateValidationOutcome.Rejected;
            return new CertificateValidationResult(leaf, outcome, errors, status, alert, x509, null);
        }

        bool accepted;
        try
        {
            accepted = callback(sender ?? this, leaf, x509, errors);
        }
#pragma warning disable CA1031 // Any exception from user code must fail the handshake, not the endpoint.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new CertificateValidationResult(
                leaf, CertificateValidationOutcome.CallbackFailed, errors, status, TlsAlert.InternalError, x509, e);
        }

        if (accepted)
        {
            return new CertificateValidationResult(leaf, CertificateValidationOutcome.Accepted, errors, status, default, x509, null);
        }

        return new CertificateValidationResult(
            leaf,
            CertificateValidationOutcome.Rejected,
            errors,
            status,
            errors == SslPolicyErrors.None ? TlsAlert.BadCertificate : alert,
            x509,
            null);
    }

    private TlsAlert CheckPin(X509Certificate2 leaf, IReadOnlyList<byte[]> pins, out SslPolicyErrors errors, out X509ChainStatusFlags status)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(leaf.RawDataMemory.Span, hash);
        bool pinned = false;
        foreach (byte[] pin in pins)
        {
            if (pin is not null && CryptographicOperations.FixedTimeEquals(pin, hash))
            {
                pinned = true;
                break;
            }
        }

        errors = SslPolicyErrors.None;
        status = X509ChainStatusFlags.NoError;
        if (!pinned)
        {
            errors = SslPolicyErrors.RemoteCertificateChainErrors;
            return TlsAlert.UnknownCa;
        }

        // A pin replaces the trust path, not the validity period (WebTransport checks it too).
        DateTime now = (_options.VerificationTime ?? DateTime.UtcNow).ToUniversalTime();
        if (now < leaf.NotBefore.ToUniversalTime() || now > leaf.NotAfter.ToUniversalTime())
        {
            errors = SslPolicyErrors.RemoteCertificateChainErrors;
            status = X509ChainStatusFlags.NotTimeValid;
            return TlsAlert.CertificateExpired;
        }

        return default;
    }

    private X509Chain BuildChain(
        X509Certificate2 leaf,
        X509Certificate2Collection intermediates,
        out bool chainOk,
        out X509ChainStatusFlags status)
    {
        X509ChainPolicy policy;
        if (_options.ChainPolicy is { } userPolicy)
        {
            policy = userPolicy.Clone();
        }
        else
        {
            policy = new X509ChainPolicy
            {
                RevocationMode = _options.RevocationMode,
                RevocationFlag = X509RevocationFlag.ExcludeRoot,
            };
        }

        if (policy.ApplicationPolicy.Count == 0)
        {
            policy.ApplicationPolicy.Add(new Oid(_options.PeerRole == CertificateRole.Server ? ServerAuthOid : ClientAuthOid));
        }

        policy.ExtraStore.AddRange(intermediates);
        if (_options.VerificationTime is DateTime time)
        {
            policy.VerificationTime = time;
            policy.VerificationTimeIgnored = false;
        }

        var x509 = new X509Chain { ChainPolicy = policy };
        status = X509ChainStatusFlags.NoError;
        try
        {
            chainOk = x509.Build(leaf);
        }
        catch (CryptographicException)
        {
            chainOk = false;
        }

        foreach (X509ChainStatus s in x509.ChainStatus)
        {
            status |= s.Status;
        }

        return x509;
    }
}
