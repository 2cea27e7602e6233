using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>
/// ChaCha20 header protection (RFC 9001 §5.4.4): the sample's first four bytes are the block
/// counter (little-endian) and its other twelve the nonce; the mask is the first five bytes of
/// that key stream block, i.e. ChaCha20(hp_key, counter, nonce, {0,0,0,0,0}).
/// </summary>
internal sealed class ChaCha20HeaderProtection : HeaderProtectionKey
{
    private readonly uint[] _keyWords = new uint[ChaCha20.KeyWords];

    public ChaCha20HeaderProtection(ReadOnlySpan<byte> key) => ChaCha20.LoadKey(key, _keyWords);

    public override void ComputeMask(ReadOnlySpan<byte> sample, Span<byte> mask)
    {
        ReadOnlySpan<byte> s = sample[..SampleSize];
        Span<byte> head = stackalloc byte[ChaCha20.HeadSize];
        ChaCha20.BlockHead(_keyWords, BinaryPrimitives.ReadUInt32LittleEndian(s), s[4..], head);
        head[..MaskSize].CopyTo(mask);

        // The other eleven bytes are never sent, but they are key stream under the hp key:
        // leave none of them on the stack.
        CryptographicOperations.ZeroMemory(head);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_keyWords.AsSpan()));
        }
    }
}
