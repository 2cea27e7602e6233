using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Messages;

/// <summary>CertificateVerify (RFC 8446bis §4.4.3):
/// <c>struct { SignatureScheme algorithm; opaque signature&lt;0..2^16-1&gt;; }</c>.</summary>
internal sealed class CertificateVerify
{
    public CertificateVerify(SignatureScheme algorithm, byte[] signature)
    {
        Algorithm = algorithm;
        Signature = signature;
    }

    public SignatureScheme Algorithm { get; }

    public byte[] Signature { get; }

    /// <summary>decode_error for bad lengths or trailing bytes. Whether the scheme was offered is the
    /// handshake's check (illegal_parameter, §4.4.3).</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out CertificateVerify? message, out TlsAlert alert)
    {
        message = null;
        var r = new TlsReader(body);
        if (!r.TryReadUInt16(out ushort scheme) || !r.TryReadVector16(out ReadOnlySpan<byte> signature) || !r.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        message = new CertificateVerify((SignatureScheme)scheme, signature.ToArray());
        alert = default;
        return true;
    }

    public byte[] Encode()
    {
        var w = new TlsWriter(8 + Signature.Length);
        Write(w);
        return w.ToArray();
    }

    public void Write(TlsWriter w)
    {
        int message = w.BeginHandshake(HandshakeType.CertificateVerify);
        w.WriteUInt16((ushort)Algorithm);
        w.WriteVector16(Signature);
        w.EndVector(message);
    }
}
