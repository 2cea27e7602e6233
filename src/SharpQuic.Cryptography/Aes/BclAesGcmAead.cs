using System.Security.Cryptography;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Cryptography.Aes;

/// <summary>AES-GCM through the BCL: the fallback, and the reference the fast path is tested against.</summary>
internal sealed class BclAesGcmAead : PacketAead
{
    private readonly AesGcm _aes;

    public BclAesGcmAead(ReadOnlySpan<byte> key) => _aes = new AesGcm(key, TagSize);

    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> data, Span<byte> tag)
        => _aes.Encrypt(nonce, data, data, tag, associatedData);

    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        try
        {
            _aes.Decrypt(nonce, data, tag, data, associatedData);
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
            _aes.Dispose();
        }
    }
}
