using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>
/// The Poly1305 one-time authenticator (RFC 8439 §2.5): arithmetic modulo 2^130 - 5 on three
/// limbs of 44, 44 and 42 bits, so each product is a 64x64→128-bit multiply. Constant-time: no
/// branch or index depends on the key or the message, only on lengths. A mutable struct: keep
/// it in a local and pass it by reference.
/// </summary>
internal struct Poly1305
{
    /// <summary>Key length: r (16 bytes, clamped) then s (16 bytes).</summary>
    public const int KeySize = 32;

    /// <summary>Tag length.</summary>
    public const int TagSize = 16;

    private const int BlockSize = 16;
    private const ulong Mask44 = 0xfffffffffff;
    private const ulong Mask42 = 0x3ffffffffff;
    private const ulong FullBlockBit = 1UL << 40; // 2^128 in limb 2's position (bit 88 + 40)

    private ulong _r0, _r1, _r2;
    private ulong _s1, _s2;
    private ulong _h0, _h1, _h2;
    private ulong _pad0, _pad1;

    /// <summary>Starts an authenticator with a one-time key (RFC 8439 §2.5).</summary>
    public Poly1305(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException("Poly1305 keys are 32 bytes.", nameof(key));
        }

        // r is clamped: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff (RFC 8439 §2.5), folded into
        // the masks that split it into limbs.
        ulong t0 = BinaryPrimitives.ReadUInt64LittleEndian(key);
        ulong t1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
        _r0 = t0 & 0xffc0fffffff;
        _r1 = ((t0 >> 44) | (t1 << 20)) & 0xfffffc0ffff;
        _r2 = (t1 >> 24) & 0x00ffffffc0f;

        // Products that land at 2^132 and above wrap: 2^130 = 5 (mod p), and limb 1 and 2
        // products carry an extra 2^2 because the limbs are 44 bits wide and the top one 42.
        _s1 = _r1 * (5 << 2);
        _s2 = _r2 * (5 << 2);

        _pad0 = BinaryPrimitives.ReadUInt64LittleEndian(key[16..]);
        _pad1 = BinaryPrimitives.ReadUInt64LittleEndian(key[24..]);
    }

    /// <summary>
    /// Authenticates <paramref name="message"/> in one call (RFC 8439 §2.5): a short last block
    /// gets its 0x01 byte right after the message.
    /// </summary>
    public static void Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        var poly = new Poly1305(key);
        int full = message.Length & ~(BlockSize - 1);
        poly.Blocks(message[..full], FullBlockBit);
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
        Blocks(data[..full], FullBlockBit);
        if (full < data.Length)
        {
            Span<byte> last = stackalloc byte[BlockSize];
            last.Clear();
            data[full..].CopyTo(last);
            Blocks(last, FullBlockBit);
        }
    }

    /// <summary>Writes the 16-byte tag, (h + s) mod 2^128, and clears the state.</summary>
    public void Finish(Span<byte> tag)
    {
        if (tag.Length < TagSize)
        {
            throw new ArgumentException("Tag buffer too short.", nameof(tag));
        }

        // Fully carry h (twice round the top: the first wrap can carry once more).
        ulong h0 = _h0, h1 = _h1, h2 = _h2;
        ulong c = h1 >> 44; h1 &= Mask44;
        h2 += c; c = h2 >> 42; h2 &= Mask42;
        h0 += c * 5; c = h0 >> 44; h0 &= Mask44;
        h1 += c; c = h1 >> 44; h1 &= Mask44;
        h2 += c; c = h2 >> 42; h2 &= Mask42;
        h0 += c * 5; c = h0 >> 44; h0 &= Mask44;
        h1 += c;

        // g = h - p = h + 5 - 2^130; keep g when it did not go negative, without a branch.
        ulong g0 = h0 + 5; c = g0 >> 44; g0 &= Mask44;
        ulong g1 = h1 + c; c = g1 >> 44; g1 &= Mask44;
        ulong g2 = h2 + c - (1UL << 42);
        ulong keepG = (g2 >> 63) - 1; // all ones when g >= 0
        h0 = (h0 & ~keepG) | (g0 & keepG);
        h1 = (h1 & ~keepG) | (g1 & keepG);
        h2 = (h2 & ~keepG) | (g2 & keepG);

        // h + s mod 2^128, limb by limb, then packed into two 64-bit words.
        ulong t0 = _pad0, t1 = _pad1;
        h0 += t0 & Mask44; c = h0 >> 44; h0 &= Mask44;
        h1 += (((t0 >> 44) | (t1 << 20)) & Mask44) + c; c = h1 >> 44; h1 &= Mask44;
        h2 += ((t1 >> 24) & Mask42) + c; h2 &= Mask42;
        BinaryPrimitives.WriteUInt64LittleEndian(tag, h0 | (h1 << 44));
        BinaryPrimitives.WriteUInt64LittleEndian(tag[8..], (h1 >> 20) | (h2 << 24));

        this = default;
    }

    /// <summary>
    /// h = (h + block) * r mod p for each 16-byte block; <paramref name="hibit"/> is the 2^128
    /// bit (the appended 0x01 of a full block) in limb 2's position, or 0 for a short last block
    /// that carries its own 0x01.
    /// </summary>
    private void Blocks(ReadOnlySpan<byte> data, ulong hibit)
    {
        ulong r0 = _r0, r1 = _r1, r2 = _r2, s1 = _s1, s2 = _s2;
        ulong h0 = _h0, h1 = _h1, h2 = _h2;

        for (int i = 0; i + BlockSize <= data.Length; i += BlockSize)
        {
            ulong t0 = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            ulong t1 = BinaryPrimitives.ReadUInt64LittleEndian(data[(i + 8)..]);
            h0 += t0 & Mask44;
            h1 += ((t0 >> 44) | (t1 << 20)) & Mask44;
            h2 += ((t1 >> 24) & Mask42) | hibit;

            // d = h * r as three 128-bit sums (lo, hi).
            ulong d0Lo = 0, d0Hi = 0, d1Lo = 0, d1Hi = 0, d2Lo = 0, d2Hi = 0;
            MulAdd(ref d0Lo, ref d0Hi, h0, r0);
            MulAdd(ref d0Lo, ref d0Hi, h1, s2);
            MulAdd(ref d0Lo, ref d0Hi, h2, s1);
            MulAdd(ref d1Lo, ref d1Hi, h0, r1);
            MulAdd(ref d1Lo, ref d1Hi, h1, r0);
            MulAdd(ref d1Lo, ref d1Hi, h2, s2);
            MulAdd(ref d2Lo, ref d2Hi, h0, r2);
            MulAdd(ref d2Lo, ref d2Hi, h1, r1);
            MulAdd(ref d2Lo, ref d2Hi, h2, r0);

            // Partial reduction back to 44/44/42-bit limbs (h0 may exceed slightly).
            ulong c = (d0Lo >> 44) | (d0Hi << 20); h0 = d0Lo & Mask44;
            AddSmall(ref d1Lo, ref d1Hi, c);
            c = (d1Lo >> 44) | (d1Hi << 20); h1 = d1Lo & Mask44;
            AddSmall(ref d2Lo, ref d2Hi, c);
            c = (d2Lo >> 42) | (d2Hi << 22); h2 = d2Lo & Mask42;
            h0 += c * 5; c = h0 >> 44; h0 &= Mask44;
            h1 += c;
        }

        _h0 = h0; _h1 = h1; _h2 = h2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAdd(ref ulong lo, ref ulong hi, ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        AddSmall(ref lo, ref hi, low);
        hi += high;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSmall(ref ulong lo, ref ulong hi, ulong value)
    {
        ulong sum = lo + value;

        // Carry out without a branch: the top bit of (lo & value) | ((lo | value) & ~sum).
        hi += ((lo & value) | ((lo | value) & ~sum)) >> 63;
        lo = sum;
    }
}
