using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Messages;

namespace SharpQuic.Tls.Certificates;

/// <summary>The certificate a server presents: the leaf (with its private key) and the intermediates to send.</summary>
internal sealed class ServerCertificateSelection
{
    private ServerCertificateSelection(
        X509Certificate2? certificate,
        IReadOnlyList<X509Certificate2> intermediates,
        TlsAlert alert,
        Exception? callbackException)
    {
        Certificate = certificate;
        Intermediates = intermediates;
        Alert = alert;
        CallbackException = callbackException;
    }

    /// <summary>The end-entity certificate; null when selection failed.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>Certificates sent after the leaf, in order (not owned: they belong to the options).</summary>
    public IReadOnlyList<X509Certificate2> Intermediates { get; }

    /// <summary>True when a usable certificate was found.</summary>
    public bool IsSuccess => Certificate is not null;

    /// <summary>The alert to close with when selection failed.</summary>
    public TlsAlert Alert { get; }

    /// <summary>The exception thrown by ServerCertificateSelectionCallback (raise QuicError.CallbackError).</summary>
    public Exception? CallbackException { get; }

    /// <summary>The Certificate message (RFC 8446bis §4.4.2): empty context, leaf first, no entry extensions.</summary>
    public Certificate ToCertificateMessage()
    {
        X509Certificate2 leaf = Certificate ?? throw new InvalidOperationException("No certificate was selected.");
        var entries = new List<CertificateEntry>(1 + Intermediates.Count) { new(leaf.RawData, new ExtensionList()) };
        foreach (X509Certificate2 c in Intermediates)
        {
            entries.Add(new CertificateEntry(c.RawData, new ExtensionList()));
        }

        return new Certificate([], entries);
    }

    internal static ServerCertificateSelection Success(X509Certificate2 certificate, IReadOnlyList<X509Certificate2> intermediates) =>
        new(certificate, intermediates, default, null);

    internal static ServerCertificateSelection Failure(TlsAlert alert, Exception? callbackException = null) =>
        new(null, [], alert, callbackException);
}

/// <summary>
/// Picks the server certificate for a ClientHello's server_name, from <see cref="SslServerAuthenticationOptions"/>
/// in SslStream's order: ServerCertificateSelectionCallback(sender, hostName) first, else ServerCertificateContext
/// (TargetCertificate + IntermediateCertificates), else ServerCertificate. Only the context form sends
/// intermediates: building a chain for a bare certificate could block on the network, so users who need
/// intermediates pass an <see cref="SslStreamCertificateContext"/> (built once, off the handshake path).
/// Failures: nothing configured or the callback returned null → handshake_failure; a certificate without a
/// private key → internal_error (configuration); the callback threw → internal_error plus the exception.
/// </summary>
internal static class ServerCertificateSelector
{
    /// <summary>Chooses the certificate for <paramref name="hostName"/> (the SNI, null if absent).
    /// <paramref name="sender"/> goes to the selection callback (the QuicConnection); null passes the options.</summary>
    public static ServerCertificateSelection Select(SslServerAuthenticationOptions options, string? hostName, object? sender = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ServerCertificateSelectionCallback is { } callback)
        {
            X509Certificate? chosen;
            try
            {
                chosen = callback(sender ?? options, hostName);
            }
#pragma warning disable CA1031 // Any exception from user code must fail the handshake, not the endpoint.
            catch (Exception e)
#pragma warning restore CA1031
            {
                return ServerCertificateSelection.Failure(TlsAlert.InternalError, e);
            }

            return chosen is null ? ServerCertificateSelection.Failure(TlsAlert.HandshakeFailure) : FromCertificate(chosen, []);
        }

        if (options.ServerCertificateContext is { } context)
        {
            return FromCertificate(context.TargetCertificate, context.IntermediateCertificates);
        }

        if (options.ServerCertificate is { } certificate)
        {
            return FromCertificate(certificate, []);
        }

        return ServerCertificateSelection.Failure(TlsAlert.HandshakeFailure);
    }

    private static ServerCertificateSelection FromCertificate(X509Certificate certificate, IReadOnlyList<X509Certificate2> intermediates)
    {
        // The signer needs the private key, which only an X509Certificate2 carries; a plain X509Certificate from
        // the callback is not looked up in a store (SslStream would), so it is refused as a configuration error.
        if (certificate is not X509Certificate2 certificate2 || !certificate2.HasPrivateKey)
        {
            return ServerCertificateSelection.Failure(TlsAlert.InternalError);
        }

        return ServerCertificateSelection.Success(certificate2, intermediates);
    }
}
