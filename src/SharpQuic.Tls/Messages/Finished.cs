using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Messages;

/// <summary>Finished (RFC 8446bis §4.4.4): <c>struct { opaque verify_data[Hash.length]; }</c>.</summary>
internal sealed class Finished
{
    public Finished(byte[] verifyData)
    {
        VerifyData = verifyData;
    }

    public byte[] VerifyData { get; }

    /// <summary>decode_error unless the body is exactly the suite's hash length.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, int hashLength, out Finished? message, out TlsAlert alert)
    {
        if (body.Length != hashLength)
        {
            message = null;
            alert = TlsAlert.DecodeError;
            return false;
        }

        message = new Finished(body.ToArray());
        alert = default;
        return true;
    }

    public byte[] Encode()
    {
        var w = new TlsWriter(4 + VerifyData.Length);
        Write(w);
        return w.ToArray();
    }

    public void Write(TlsWriter w)
    {
        int message = w.BeginHandshake(HandshakeType.Finished);
        w.WriteBytes(VerifyData);
        w.EndVector(message);
    }
}
