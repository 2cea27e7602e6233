using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Messages;

/// <summary>One <c>CertificateEntry { opaque cert_data&lt;1..2^24-1&gt;; Extension extensions&lt;0..2^16-1&gt;; }</c>
/// (X.509 only; raw public keys are not negotiated).</summary>
internal sealed record CertificateEntry(byte[] CertData, ExtensionList Extensions);

/// <summary>
/// Certificate (RFC 8446bis §4.4.2):
/// <c>struct { opaque certificate_request_context&lt;0..2^8-1&gt;; CertificateEntry certificate_list&lt;0..2^24-1&gt;; }</c>.
/// The end-entity certificate comes first.
/// </summary>
internal sealed class Certificate
{
    public Certificate(byte[] context, List<CertificateEntry> entries)
    {
        Context = context;
        Entries = entries;
    }

    public byte[] Context { get; }

    public List<CertificateEntry> Entries { get; }

    /// <summary>decode_error for bad lengths; illegal_parameter for a repeated extension in an entry.
    /// An empty list parses (a client may send one); the handshake decides whether that is allowed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out Certificate? message, out TlsAlert alert)
    {
        message = null;
        var r = new TlsReader(body);
        if (!r.TryReadVector8(out ReadOnlySpan<byte> context) || !r.TryReadVector24(out ReadOnlySpan<byte> list) || !r.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        var entries = new List<CertificateEntry>();
        var lr = new TlsReader(list);
        while (!lr.IsEmpty)
        {
            if (!lr.TryReadVector24(out ReadOnlySpan<byte> certData, min: 1))
            {
                alert = TlsAlert.DecodeError;
                return false;
            }

            if (!ExtensionList.TryRead(ref lr, pskMustBeLast: false, out ExtensionList extensions, out alert))
            {
                return false;
            }

            entries.Add(new CertificateEntry(certData.ToArray(), extensions));
        }

        message = new Certificate(context.ToArray(), entries);
        alert = default;
        return true;
    }

    public byte[] Encode()
    {
        var w = new TlsWriter(1024);
        Write(w);
        return w.ToArray();
    }

    public void Write(TlsWriter w)
    {
        int message = w.BeginHandshake(HandshakeType.Certificate);
        w.WriteVector8(Context);
        int list = w.BeginVector(3);
        foreach (CertificateEntry e in Entries)
        {
            if (e.CertData.Length == 0)
            {
                throw new InvalidOperationException("cert_data must not be empty.");
            }

            w.WriteVector24(e.CertData);
            e.Extensions.Write(w);
        }

        w.EndVector(list);
        w.EndVector(message);
    }
}
