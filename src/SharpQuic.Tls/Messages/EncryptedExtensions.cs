using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Messages;

/// <summary>EncryptedExtensions (RFC 8446bis §4.3.1): <c>struct { Extension extensions&lt;0..2^16-1&gt;; }</c>.</summary>
internal sealed class EncryptedExtensions
{
    public EncryptedExtensions(ExtensionList extensions)
    {
        Extensions = extensions;
    }

    public ExtensionList Extensions { get; }

    /// <summary>decode_error for bad lengths or trailing bytes; illegal_parameter for a repeated extension.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out EncryptedExtensions? message, out TlsAlert alert)
    {
        message = null;
        var r = new TlsReader(body);
        if (!ExtensionList.TryRead(ref r, pskMustBeLast: false, out ExtensionList extensions, out alert))
        {
            return false;
        }

        if (!r.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        message = new EncryptedExtensions(extensions);
        return true;
    }

    public byte[] Encode()
    {
        var w = new TlsWriter(128);
        Write(w);
        return w.ToArray();
    }

    public void Write(TlsWriter w)
    {
        int message = w.BeginHandshake(HandshakeType.EncryptedExtensions);
        Extensions.Write(w);
        w.EndVector(message);
    }
}
