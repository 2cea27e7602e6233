using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Tls.Certificates;

/// <summary>How a certificate validation ended.</summary>
internal enum CertificateValidationOutcome
{
    /// <summary>The peer is authenticated (or, for an optional client certificate, allowed to stay anonymous).</summary>
    Accepted,

    /// <summary>Refused by the checks or by the callback: close with <see cref="CertificateValidationResult.Alert"/>.</summary>
    Rejected,

    /// <summary>The user's callback threw: close with <see cref="CertificateValidationResult.Alert"/> (internal_error)
    /// and surface <see cref="CertificateValidationResult.CallbackException"/> as QuicError.CallbackError.</summary>
    CallbackFailed,
}

/// <summary>
/// The answer of <see cref="CertificateValidator.Validate"/>: the outcome, the SslPolicyErrors found before the
/// callback, the X509Chain built (null when pinning decided or there was no certificate), and the alert to send
/// when not accepted. Owns the chain: dispose it, or take the chain (e.g. for the connection's
/// RemoteCertificate state) with <see cref="DetachChain"/>.
/// </summary>
internal sealed class CertificateValidationResult : IDisposable
{
    private readonly X509Certificate2? _leaf;

    internal CertificateValidationResult(
        X509Certificate2? leaf,
        CertificateValidationOutcome outcome,
        SslPolicyErrors policyErrors,
        X509ChainStatusFlags chainStatus,
        TlsAlert alert,
        X509Chain? chain,
        Exception? callbackException)
    {
        _leaf = leaf;
        Outcome = outcome;
        PolicyErrors = policyErrors;
        ChainStatus = chainStatus;
        Alert = alert;
        Chain = chain;
        CallbackException = callbackException;
    }

    /// <summary>Accepted, rejected, or the callback failed.</summary>
    public CertificateValidationOutcome Outcome { get; }

    /// <summary>True for <see cref="CertificateValidationOutcome.Accepted"/>.</summary>
    public bool IsAccepted => Outcome == CertificateValidationOutcome.Accepted;

    /// <summary>The errors found by the chain, name and pin checks (what the callback was shown).</summary>
    public SslPolicyErrors PolicyErrors { get; }

    /// <summary>The union of the X509Chain status flags (NoError when no chain was built or it was clean).</summary>
    public X509ChainStatusFlags ChainStatus { get; }

    /// <summary>The alert to close with; meaningful only when not accepted.</summary>
    public TlsAlert Alert { get; }

    /// <summary>The chain that was built, if any.</summary>
    public X509Chain? Chain { get; private set; }

    /// <summary>The exception the callback threw, for <see cref="CertificateValidationOutcome.CallbackFailed"/>.</summary>
    public Exception? CallbackException { get; }

    /// <summary>Hands the chain to the caller, who then disposes it.</summary>
    public X509Chain? DetachChain()
    {
        X509Chain? chain = Chain;
        Chain = null;
        return chain;
    }

    /// <summary>Disposes the chain and the certificate objects it created for its elements (as SslStream does),
    /// leaving the peer's own certificates to their <see cref="CertificateChain"/>.</summary>
    public void Dispose()
    {
        if (Chain is not { } chain)
        {
            return;
        }

        Chain = null;
        foreach (X509ChainElement element in chain.ChainElements)
        {
            if (!ReferenceEquals(element.Certificate, _leaf))
            {
                element.Certificate.Dispose();
            }
        }

        chain.Dispose();
    }
}
