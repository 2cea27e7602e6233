using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>
/// AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8) from our ChaCha20 and Poly1305, for platforms whose
/// BCL has no ChaCha20Poly1305 (<see cref="ChaCha20Poly1305.IsSupported"/> false). Tested
/// against the BCL and Wycheproof.
/// </summary>
internal sealed class ManagedChaCha20Poly1305Aead : PacketAead
{
    private readonly uint[] _keyWords = new uint[ChaCha20.KeyWords];

    public ManagedChaCha20Poly1305Aead(ReadOnlySpan<byte> key) => ChaCha20.LoadKey(key, _keyWords);

    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> data, Span<byte> tag)
    {
        CheckArguments(nonce, tag.Length);
        ChaCha20.Xor(_keyWords, 1, nonce, data, data);
        ComputeTag(nonce, associatedData, data, tag);
    }

    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        CheckArguments(nonce, tag.Length);
        Span<byte> expected = stackalloc byte[TagSize];
        ComputeTag(nonce, associatedData, data, expected);

        // Verify before decrypting: on failure the ciphertext is left as it was and no
        // unauthenticated plaintext is ever produced.
        bool valid = CryptographicOperations.FixedTimeEquals(expected, tag);
        CryptographicOperations.ZeroMemory(expected);
        if (!valid)
        {
            return false;
        }

        ChaCha20.Xor(_keyWords, 1, nonce, data, data);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(_keyWords.AsSpan()));
        }
    }

    private static void CheckArguments(ReadOnlySpan<byte> nonce, int tagLength)
    {
        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException("ChaCha20-Poly1305 nonces are 12 bytes.", nameof(nonce));
        }

        if (tagLength != TagSize)
        {
            throw new ArgumentException("ChaCha20-Poly1305 tags are 16 bytes.", nameof(tagLength));
        }
    }

    /// <summary>
    /// RFC 8439 §2.8: the one-time key is the first 32 bytes of block 0; the tag covers
    /// pad16(aad) ‖ pad16(ciphertext) ‖ le64(aad length) ‖ le64(ciphertext length).
    /// </summary>
    private void ComputeTag(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertext, Span<byte> tag)
    {
        Span<byte> block0 = stackalloc byte[ChaCha20.BlockSize];
        ChaCha20.Block(_keyWords, 0, nonce, block0);
        var poly = new Poly1305(block0[..Poly1305.KeySize]);
        CryptographicOperations.ZeroMemory(block0);

        poly.UpdatePadded(associatedData);
        poly.UpdatePadded(ciphertext);
        Span<byte> lengths = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(lengths, (ulong)associatedData.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(lengths[8..], (ulong)ciphertext.Length);
        poly.UpdatePadded(lengths);
        poly.Finish(tag);
    }
}
