using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Cryptography.Aes;

/// <summary>
/// AES header protection (RFC 9001 §5.4.3) with the portable, table-free AES of
/// <see cref="AesSoftware"/>, for machines without AES instructions.
/// </summary>
internal sealed class SoftwareAesHeaderProtection : HeaderProtectionKey
{
    private AesRoundKeys _keys;

    /// <summary>Keys the mask function with a 16- or 32-byte hp key.</summary>
    public SoftwareAesHeaderProtection(ReadOnlySpan<byte> key) => _keys = AesRoundKeys.Expand(key, useIntrinsics: false);

    public override void ComputeMask(ReadOnlySpan<byte> sample, Span<byte> mask)
    {
        ObjectDisposedException.ThrowIf(_keys.Rounds == 0, this);
        Vector128<byte> block = AesSoftware.EncryptBlock(in _keys, Vector128.Create(sample[..SampleSize]));
        Span<byte> full = MemoryMarshal.AsBytes(new Span<Vector128<byte>>(ref block));
        full[..MaskSize].CopyTo(mask);
    }

    protected override void Dispose(bool disposing) => _keys.Clear();
}
