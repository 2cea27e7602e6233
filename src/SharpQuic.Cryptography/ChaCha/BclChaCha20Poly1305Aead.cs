using System.Security.Cryptography;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>ChaCha20-Poly1305 (RFC 8439) through the BCL.</summary>
internal sealed class BclChaCha20Poly1305Aead : PacketAead
{
    private readonly ChaCha20Poly1305 _aead;

    public BclChaCha20Poly1305Aead(ReadOnlySpan<byte> key) => _aead = new ChaCha20Poly1305(key);

    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> data, Span<byte> tag)
        => _aead.Encrypt(nonce, data, data, tag, associatedData);

    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        try
        {
            _aead.Decrypt(nonce, data, tag, data, associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aead.Dispose();
        }
    }
}
