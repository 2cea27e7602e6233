using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Messages;

/// <summary>
/// CertificateRequest (RFC 8446bis §4.3.2):
/// <c>struct { opaque certificate_request_context&lt;0..2^8-1&gt;; Extension extensions&lt;0..2^16-1&gt;; }</c>.
/// In QUIC the context is empty (there is no post-handshake authentication, RFC 9001 §4.4).
/// </summary>
internal sealed class CertificateRequest
{
    public CertificateRequest(byte[] context, ExtensionList extensions)
    {
        Context = context;
        Extensions = extensions;
    }

    public byte[] Context { get; }

    public ExtensionList Extensions { get; }

    /// <summary>decode_error for bad lengths; illegal_parameter for a repeated extension; missing_extension
    /// without signature_algorithms, which §4.3.2 makes mandatory.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out CertificateRequest? message, out TlsAlert alert)
    {
        message = null;
        var r = new TlsReader(body);
        if (!r.TryReadVector8(out ReadOnlySpan<byte> context))
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        if (!ExtensionList.TryRead(ref r, pskMustBeLast: false, out ExtensionList extensions, out alert))
        {
            return false;
        }

        if (!r.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        if (!extensions.Contains(ExtensionType.SignatureAlgorithms))
        {
            alert = TlsAlert.MissingExtension;
            return false;
        }

        message = new CertificateRequest(context.ToArray(), extensions);
        return true;
    }

    public byte[] Encode()
    {
        var w = new TlsWriter(64);
        Write(w);
        return w.ToArray();
    }

    public void Write(TlsWriter w)
    {
        int message = w.BeginHandshake(HandshakeType.CertificateRequest);
        w.WriteVector8(Context);
        Extensions.Write(w);
        w.EndVector(message);
    }
}
