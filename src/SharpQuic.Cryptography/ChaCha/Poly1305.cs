using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>
/// The Poly1305 one-time authenticator (RFC 8439 §2.5): arithmetic modulo 2^130 - 5 on five
/// 26-bit limbs, so every product fits a 64-bit integer. Constant-time: no branch or index
/// depends on the key or the message, only on lengths. A mutable struct: keep it in a local
/// and pass it by reference.
/// </summary>
internal struct Poly1305
{
    /// <summary>Key length: r (16 bytes, clamped) then s (16 bytes).</summary>
    public const int KeySize = 32;

    /// <summary>Tag length.</summary>
    public const int TagSize = 16;

    private const int BlockSize = 16;
    private const uint Mask26 = 0x3ffffff;

    private uint _r0, _r1, _r2, _r3, _r4;
    private uint _s1, _s2, _s3, _s4;
    private uint _h0, _h1, _h2, _h3, _h4;
    private uint _pad0, _pad1, _pad2, _pad3;

    /// <summary>Starts an authenticator with a one-time key (RFC 8439 §2.5).</summary>
    public Poly1305(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException("Poly1305 keys are 32 bytes.", nameof(key));
        }

        // r is clamped: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff (RFC 8439 §2.5), folded into
        // the masks that split it into 26-bit limbs.
        _r0 = BinaryPrimitives.ReadUInt32LittleEndian(key) & 0x3ffffff;
        _r1 = (BinaryPrimitives.ReadUInt32LittleEndian(key[3..]) >> 2) & 0x3ffff03;
        _r2 = (BinaryPrimitives.ReadUInt32LittleEndian(key[6..]) >> 4) & 0x3ffc0ff;
        _r3 = (BinaryPrimitives.ReadUInt32LittleEndian(key[9..]) >> 6) & 0x3f03fff;
        _r4 = (BinaryPrimitives.ReadUInt32LittleEndian(key[12..]) >> 8) & 0x00fffff;

        // 2^130 = 5 (mod p): the limbs that wrap past 2^130 are multiplied by 5.
        _s1 = _r1 * 5;
        _s2 = _r2 * 5;
        _s3 = _r3 * 5;
        _s4 = _r4 * 5;

        _pad0 = BinaryPrimitives.ReadUInt32LittleEndian(key[16..]);
        _pad1 = BinaryPrimitives.ReadUInt32LittleEndian(key[20..]);
        _pad2 = BinaryPrimitives.ReadUInt32LittleEndian(key[24..]);
        _pad3 = BinaryPrimitives.ReadUInt32LittleEndian(key[28..]);
    }

    /// <summary>
    /// Authenticates <paramref name="message"/> in one call (RFC 8439 §2.5): a short last block
    /// gets its 0x01 byte right after the message.
    /// </summary>
    public static void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        var poly = new Poly1305(key);
        int full = message.Length & ~(BlockSize - 1);
        poly.Blocks(message[..full], hibit: 1u << 24);
        if (full < message.Length)
        {
            Span<byte> last = stackalloc byte[BlockSize];
            last.Clear();
            message[full..].CopyTo(last);
            last[message.Length - full] = 1;
            poly.Blocks(last, hibit: 0);
        }

        poly.Finish(tag);
    }

    /// <summary>
    /// Adds <paramref name="data"/> zero-padded to a multiple of 16 bytes, as the AEAD
    /// construction does for the associated data and the ciphertext (RFC 8439 §2.8).
    /// </summary>
    public void UpdatePadded(ReadOnlySpan<byte> data)
    {
        int full = data.Length & ~(BlockSize - 1);
        Blocks(data[..full], hibit: 1u << 24);
        if (full < data.Length)
        {
            Span<byte> last = stackalloc byte[BlockSize];
            last.Clear();
            data[full..].CopyTo(last);
            Blocks(last, hibit: 1u << 24);
        }
    }

    /// <summary>Writes the 16-byte tag, (h + s) mod 2^128, and clears the state.</summary>
    public void Finish(Span<byte> tag)
    {
        if (tag.Length < TagSize)
        {
            throw new ArgumentException("Tag buffer too short.", nameof(tag));
        }

        // Fully carry h.
        uint h0 = _h0, h1 = _h1, h2 = _h2, h3 = _h3, h4 = _h4;
        uint c = h1 >> 26; h1 &= Mask26;
        h2 += c; c = h2 >> 26; h2 &= Mask26;
        h3 += c; c = h3 >> 26; h3 &= Mask26;
        h4 += c; c = h4 >> 26; h4 &= Mask26;
        h0 += c * 5; c = h0 >> 26; h0 &= Mask26;
        h1 += c;

        // g = h - p = h + 5 - 2^130; keep g when it did not go negative, without a branch.
        uint g0 = h0 + 5; c = g0 >> 26; g0 &= Mask26;
        uint g1 = h1 + c; c = g1 >> 26; g1 &= Mask26;
        uint g2 = h2 + c; c = g2 >> 26; g2 &= Mask26;
        uint g3 = h3 + c; c = g3 >> 26; g3 &= Mask26;
        uint g4 = h4 + c - (1u << 26);
        uint keepG = (g4 >> 31) - 1; // all ones when g >= 0
        h0 = (h0 & ~keepG) | (g0 & keepG);
        h1 = (h1 & ~keepG) | (g1 & keepG);
        h2 = (h2 & ~keepG) | (g2 & keepG);
        h3 = (h3 & ~keepG) | (g3 & keepG);
        h4 = (h4 & ~keepG) | (g4 & keepG);

        // h mod 2^128 as four 32-bit words, then + s mod 2^128.
        uint w0 = h0 | (h1 << 26);
        uint w1 = (h1 >> 6) | (h2 << 20);
        uint w2 = (h2 >> 12) | (h3 << 14);
        uint w3 = (h3 >> 18) | (h4 << 8);
        ulong f = (ulong)w0 + _pad0;
        BinaryPrimitives.WriteUInt32LittleEndian(tag, (uint)f);
        f = (ulong)w1 + _pad1 + (f >> 32);
        BinaryPrimitives.WriteUInt32LittleEndian(tag[4..], (uint)f);
        f = (ulong)w2 + _pad2 + (f >> 32);
        BinaryPrimitives.WriteUInt32LittleEndian(tag[8..], (uint)f);
        f = (ulong)w3 + _pad3 + (f >> 32);
        BinaryPrimitives.WriteUInt32LittleEndian(tag[12..], (uint)f);

        this = default;
    }

    /// <summary>
    /// h = (h + block) * r mod p for each 16-byte block; <paramref name="hibit"/> is the 2^128
    /// bit (the appended 0x01 of a full block) in limb 4's position, or 0 for a short last block
    /// that carries its own 0x01.
    /// </summary>
    private void Blocks(ReadOnlySpan<byte> data, uint hibit)
    {
        uint r0 = _r0, r1 = _r1, r2 = _r2, r3 = _r3, r4 = _r4;
        uint s1 = _s1, s2 = _s2, s3 = _s3, s4 = _s4;
        uint h0 = _h0, h1 = _h1, h2 = _h2, h3 = _h3, h4 = _h4;

        for (int i = 0; i + BlockSize <= data.Length; i += BlockSize)
        {
            ReadOnlySpan<byte> m = data.Slice(i, BlockSize);
            h0 += BinaryPrimitives.ReadUInt32LittleEndian(m) & Mask26;
            h1 += (BinaryPrimitives.ReadUInt32LittleEndian(m[3..]) >> 2) & Mask26;
            h2 += (BinaryPrimitives.ReadUInt32LittleEndian(m[6..]) >> 4) & Mask26;
            h3 += (BinaryPrimitives.ReadUInt32LittleEndian(m[9..]) >> 6) & Mask26;
            h4 += (BinaryPrimitives.ReadUInt32LittleEndian(m[12..]) >> 8) | hibit;

            ulong d0 = ((ulong)h0 * r0) + ((ulong)h1 * s4) + ((ulong)h2 * s3) + ((ulong)h3 * s2) + ((ulong)h4 * s1);
            ulong d1 = ((ulong)h0 * r1) + ((ulong)h1 * r0) + ((ulong)h2 * s4) + ((ulong)h3 * s3) + ((ulong)h4 * s2);
            ulong d2 = ((ulong)h0 * r2) + ((ulong)h1 * r1) + ((ulong)h2 * r0) + ((ulong)h3 * s4) + ((ulong)h4 * s3);
            ulong d3 = ((ulong)h0 * r3) + ((ulong)h1 * r2) + ((ulong)h2 * r1) + ((ulong)h3 * r0) + ((ulong)h4 * s4);
            ulong d4 = ((ulong)h0 * r4) + ((ulong)h1 * r3) + ((ulong)h2 * r2) + ((ulong)h3 * r1) + ((ulong)h4 * r0);

            // Partial reduction: limbs back under 2^26 (h0 may exceed it slightly; the next
            // block's products still fit 64 bits).
            ulong c = d0 >> 26; h0 = (uint)d0 & Mask26;
            d1 += c; c = d1 >> 26; h1 = (uint)d1 & Mask26;
            d2 += c; c = d2 >> 26; h2 = (uint)d2 & Mask26;
            d3 += c; c = d3 >> 26; h3 = (uint)d3 & Mask26;
            d4 += c; c = d4 >> 26; h4 = (uint)d4 & Mask26;
            h0 += (uint)c * 5; uint c2 = h0 >> 26; h0 &= Mask26;
            h1 += c2;
        }

        _h0 = h0; _h1 = h1; _h2 = h2; _h3 = h3; _h4 = h4;
    }
}
