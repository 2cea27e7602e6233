using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Cryptography.Aes;

/// <summary>
/// AES header protection through the BCL's single-block ECB (RFC 9001 §5.4.3). Slow (about a
/// microsecond a block); kept as the reference for the intrinsics implementation.
/// </summary>
internal sealed class BclAesHeaderProtection : HeaderProtectionKey
{
    private readonly System.Security.Cryptography.Aes _aes;

    public BclAesHeaderProtection(ReadOnlySpan<byte> key)
    {
        _aes = System.Security.Cryptography.Aes.Create();
        _aes.Key = key.ToArray();
    }

    public override void ComputeMask(ReadOnlySpan<byte> sample, Span<byte> mask)
    {
        Span<byte> block = stackalloc byte[16];
        _aes.EncryptEcb(sample[..SampleSize], block, System.Security.Cryptography.PaddingMode.None);
        block[..MaskSize].CopyTo(mask);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
        }
    }
}
