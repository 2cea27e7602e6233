using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using SharpQuic.Cryptography.Aead;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace SharpQuic.Cryptography.Aes;

/// <summary>
/// AES-GCM (NIST SP 800-38D) with AES-NI for the counter mode and PCLMULQDQ for GHASH, in place
/// over spans, allocation-free per call. Eight blocks are encrypted interleaved (AESENC has a
/// latency of several cycles but a throughput of one or more a cycle) and hashed with one
/// reduction for eight products, using the precomputed powers H^1..H^8.
/// </summary>
/// <remarks>
/// Only 96-bit nonces (QUIC's, RFC 9001 §5.3) and 128-bit tags. <see cref="Open"/> computes and
/// checks the tag over the ciphertext before decrypting anything, so when it returns false the
/// data still holds the untouched ciphertext. The caller checks <see cref="AesIntrinsics.GcmSupported"/>.
/// </remarks>
internal sealed class AesNiGcmAead : PacketAead
{
    private const int Stride = 8;
    private const int StrideBytes = Stride * 16;

    private AesRoundKeys _keys;
    private HashKeyPowers _powers;

    /// <summary>Keys AES-128-GCM (16-byte key) or AES-256-GCM (32-byte key).</summary>
    public AesNiGcmAead(ReadOnlySpan<byte> key)
    {
        if (!AesIntrinsics.GcmSupported)
        {
            throw new PlatformNotSupportedException("AES-NI and PCLMULQDQ are not available.");
        }

        _keys = AesRoundKeys.Expand(key, useIntrinsics: true);

        // SP 800-38D §6.4 / §7.1: H = CIPH_K(0^128). Stored as H^i·x^-1 (see GhashPclmul).
        Vector128<ulong> h = GhashPclmul.PrepareKey(AesNi.EncryptBlock(ref _keys, Vector128<byte>.Zero));
        Vector128<ulong> power = h;
        _powers[0] = h;
        for (int i = 1; i < Stride; i++)
        {
            // Multiply(a, h) gives a·H; with a = H^i·x^-1 that is H^(i+1)·x^-1, the stored form again.
            power = GhashPclmul.Multiply(power, h);
            _powers[i] = power;
        }
    }

    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> data, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_keys.Rounds == 0, this);
        Vector128<byte> counterBase = CounterBase(nonce);
        CheckTag(tag.Length);

        Vector128<ulong> y = Vector128<ulong>.Zero;
        Ghash(ref y, associatedData);

        // Encrypt eight blocks, then hash the ciphertext just written: the AES rounds of the next
        // stride do not depend on the hash, so the core overlaps the two.
        int offset = 0;
        uint counter = 2; // SP 800-38D §7.1: the first data block uses inc32(J0), J0 = IV || 1.
        while (data.Length - offset >= StrideBytes)
        {
            Span<byte> chunk = data.Slice(offset, StrideBytes);
            CtrStride(counterBase, counter, chunk);
            GhashStride(ref y, chunk);
            offset += StrideBytes;
            counter += Stride;
        }

        Span<byte> rest = data[offset..];
        Ctr(counterBase, counter, rest);
        Ghash(ref y, rest);

        ComputeTag(counterBase, y, associatedData.Length, data.Length).CopyTo(tag);
    }

    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        ObjectDisposedException.ThrowIf(_keys.Rounds == 0, this);
        Vector128<byte> counterBase = CounterBase(nonce);
        CheckTag(tag.Length);

        // Verify first (SP 800-38D §7.2 steps 5-8 before step 3): on failure nothing is decrypted.
        Vector128<ulong> y = Vector128<ulong>.Zero;
        Ghash(ref y, associatedData);
        Ghash(ref y, data);
        Vector128<byte> expected = ComputeTag(counterBase, y, associatedData.Length, data.Length);
        if (!CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(new ReadOnlySpan<Vector128<byte>>(ref expected)), tag))
        {
            return false;
        }

        Ctr(counterBase, 2, data);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        _keys.Clear();
        _powers = default;
    }

    private static Vector128<byte> CounterBase(ReadOnlySpan<byte> nonce)
    {
        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException("AES-GCM nonce must be 12 bytes.", nameof(nonce));
        }

        // IV || 0^32; the 32-bit big-endian counter goes in the last four bytes.
        return Vector128.Create(
            BinaryPrimitives.ReadUInt64LittleEndian(nonce),
            BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..])).AsByte();
    }

    private static void CheckTag(int length)
    {
        if (length != TagSize)
        {
            throw new ArgumentException("AES-GCM tag must be 16 bytes.", "tag");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> CounterBlock(Vector128<byte> counterBase, uint counter)
        => counterBase.AsUInt32().WithElement(3, BinaryPrimitives.ReverseEndianness(counter)).AsByte();

    // SP 800-38D §7.1 steps 5-6: T = MSB_128(GCTR(J0, S)) with S = GHASH(A || pad || C || pad || len(A) || len(C)).
    private Vector128<byte> ComputeTag(Vector128<byte> counterBase, Vector128<ulong> y, int associatedLength, int dataLength)
    {
        // The length block reflected: its low word is len(C) in bits, its high word len(A).
        Vector128<ulong> lengths = Vector128.Create((ulong)dataLength * 8, (ulong)associatedLength * 8);
        y = GhashPclmul.Multiply(y ^ lengths, _powers[0]);
        return GhashPclmul.Unswap(y) ^ AesNi.EncryptBlock(ref _keys, CounterBlock(counterBase, 1));
    }

    // XORs the key stream for counters counter, counter+1, ... into data (any length).
    private void Ctr(Vector128<byte> counterBase, uint counter, Span<byte> data)
    {
        int offset = 0;
        while (data.Length - offset >= StrideBytes)
        {
            CtrStride(counterBase, counter, data.Slice(offset, StrideBytes));
            offset += StrideBytes;
            counter += Stride;
        }

        ref byte p = ref MemoryMarshal.GetReference(data);
        if (data.Length - offset >= 64)
        {
            // Four independent blocks in flight: a short packet's latency is a few AES chains, not one per block.
            CtrFour(counterBase, counter, ref Unsafe.Add(ref p, offset));
            offset += 64;
            counter += 4;
        }

        while (data.Length - offset >= 16)
        {
            Vector128<byte> stream = AesNi.EncryptBlock(ref _keys, CounterBlock(counterBase, counter++));
            (Vector128.LoadUnsafe(ref p, (nuint)offset) ^ stream).StoreUnsafe(ref p, (nuint)offset);
            offset += 16;
        }

        if (offset < data.Length)
        {
            Vector128<byte> stream = AesNi.EncryptBlock(ref _keys, CounterBlock(counterBase, counter));
            ReadOnlySpan<byte> streamBytes = MemoryMarshal.AsBytes(new ReadOnlySpan<Vector128<byte>>(ref stream));
            Span<byte> tail = data[offset..];
            for (int i = 0; i < tail.Length; i++)
            {
                tail[i] ^= streamBytes[i];
            }
        }
    }

    // Eight interleaved AES-CTR blocks XORed into exactly 128 bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CtrStride(Vector128<byte> counterBase, uint counter, Span<byte> chunk)
    {
        ref Vector128<byte> k = ref _keys.First;
        int rounds = _keys.Rounds;
        Vector128<byte> k0 = k;
        Vector128<byte> b0 = CounterBlock(counterBase, counter) ^ k0;
        Vector128<byte> b1 = CounterBlock(counterBase, counter + 1) ^ k0;
        Vector128<byte> b2 = CounterBlock(counterBase, counter + 2) ^ k0;
        Vector128<byte> b3 = CounterBlock(counterBase, counter + 3) ^ k0;
        Vector128<byte> b4 = CounterBlock(counterBase, counter + 4) ^ k0;
        Vector128<byte> b5 = CounterBlock(counterBase, counter + 5) ^ k0;
        Vector128<byte> b6 = CounterBlock(counterBase, counter + 6) ^ k0;
        Vector128<byte> b7 = CounterBlock(counterBase, counter + 7) ^ k0;
        for (int round = 1; round < rounds; round++)
        {
            Vector128<byte> rk = Unsafe.Add(ref k, round);
            b0 = X86Aes.Encrypt(b0, rk);
            b1 = X86Aes.Encrypt(b1, rk);
            b2 = X86Aes.Encrypt(b2, rk);
            b3 = X86Aes.Encrypt(b3, rk);
            b4 = X86Aes.Encrypt(b4, rk);
            b5 = X86Aes.Encrypt(b5, rk);
            b6 = X86Aes.Encrypt(b6, rk);
            b7 = X86Aes.Encrypt(b7, rk);
        }

        Vector128<byte> last = Unsafe.Add(ref k, rounds);
        ref byte p = ref MemoryMarshal.GetReference(chunk);
        (X86Aes.EncryptLast(b0, last) ^ Vector128.LoadUnsafe(ref p, 0)).StoreUnsafe(ref p, 0);
        (X86Aes.EncryptLast(b1, last) ^ Vector128.LoadUnsafe(ref p, 16)).StoreUnsafe(ref p, 16);
        (X86Aes.EncryptLast(b2, last) ^ Vector128.LoadUnsafe(ref p, 32)).StoreUnsafe(ref p, 32);
        (X86Aes.EncryptLast(b3, last) ^ Vector128.LoadUnsafe(ref p, 48)).StoreUnsafe(ref p, 48);
        (X86Aes.EncryptLast(b4, last) ^ Vector128.LoadUnsafe(ref p, 64)).StoreUnsafe(ref p, 64);
        (X86Aes.EncryptLast(b5, last) ^ Vector128.LoadUnsafe(ref p, 80)).StoreUnsafe(ref p, 80);
        (X86Aes.EncryptLast(b6, last) ^ Vector128.LoadUnsafe(ref p, 96)).StoreUnsafe(ref p, 96);
        (X86Aes.EncryptLast(b7, last) ^ Vector128.LoadUnsafe(ref p, 112)).StoreUnsafe(ref p, 112);
    }

    // Four interleaved AES-CTR blocks XORed into the 64 bytes at p.
    private void CtrFour(Vector128<byte> counterBase, uint counter, ref byte p)
    {
        ref Vector128<byte> k = ref _keys.First;
        int rounds = _keys.Rounds;
        Vector128<byte> k0 = k;
        Vector128<byte> b0 = CounterBlock(counterBase, counter) ^ k0;
        Vector128<byte> b1 = CounterBlock(counterBase, counter + 1) ^ k0;
        Vector128<byte> b2 = CounterBlock(counterBase, counter + 2) ^ k0;
        Vector128<byte> b3 = CounterBlock(counterBase, counter + 3) ^ k0;
        for (int round = 1; round < rounds; round++)
        {
            Vector128<byte> rk = Unsafe.Add(ref k, round);
            b0 = X86Aes.Encrypt(b0, rk);
            b1 = X86Aes.Encrypt(b1, rk);
            b2 = X86Aes.Encrypt(b2, rk);
            b3 = X86Aes.Encrypt(b3, rk);
        }

        Vector128<byte> last = Unsafe.Add(ref k, rounds);
        (X86Aes.EncryptLast(b0, last) ^ Vector128.LoadUnsafe(ref p, 0)).StoreUnsafe(ref p, 0);
        (X86Aes.EncryptLast(b1, last) ^ Vector128.LoadUnsafe(ref p, 16)).StoreUnsafe(ref p, 16);
        (X86Aes.EncryptLast(b2, last) ^ Vector128.LoadUnsafe(ref p, 32)).StoreUnsafe(ref p, 32);
        (X86Aes.EncryptLast(b3, last) ^ Vector128.LoadUnsafe(ref p, 48)).StoreUnsafe(ref p, 48);
    }

    // SP 800-38D §6.4 over data zero-padded to a whole number of blocks (any length).
    private void Ghash(ref Vector128<ulong> y, ReadOnlySpan<byte> data)
    {
        int offset = 0;
        while (data.Length - offset >= StrideBytes)
        {
            GhashStride(ref y, data.Slice(offset, StrideBytes));
            offset += StrideBytes;
        }

        ref byte p = ref MemoryMarshal.GetReference(data);
        if (data.Length - offset >= 64)
        {
            // Four blocks, one reduction: Y' = (Y ^ X1)H^4 ^ X2·H^3 ^ X3·H^2 ^ X4·H.
            Vector128<ulong> low = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
            GhashPclmul.MultiplyAdd(y ^ Load(ref p, offset), _powers[3], ref low, ref middle, ref high);
            GhashPclmul.MultiplyAdd(Load(ref p, offset + 16), _powers[2], ref low, ref middle, ref high);
            GhashPclmul.MultiplyAdd(Load(ref p, offset + 32), _powers[1], ref low, ref middle, ref high);
            GhashPclmul.MultiplyAdd(Load(ref p, offset + 48), _powers[0], ref low, ref middle, ref high);
            y = GhashPclmul.Reduce(low, middle, high);
            offset += 64;
        }

        Vector128<ulong> h = _powers[0];
        while (data.Length - offset >= 16)
        {
            y = GhashPclmul.Multiply(y ^ Load(ref p, offset), h);
            offset += 16;
        }

        if (offset < data.Length)
        {
            Vector128<byte> padded = Vector128<byte>.Zero;
            data[offset..].CopyTo(MemoryMarshal.AsBytes(new Span<Vector128<byte>>(ref padded)));
            y = GhashPclmul.Multiply(y ^ GhashPclmul.Swap(padded), h);
        }
    }

    // Eight blocks with one reduction: Y' = (Y ^ X1)H^8 ^ X2·H^7 ^ ... ^ X8·H.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void GhashStride(ref Vector128<ulong> y, ReadOnlySpan<byte> chunk)
    {
        ref byte p = ref MemoryMarshal.GetReference(chunk);
        Vector128<ulong> low = Vector128<ulong>.Zero, middle = Vector128<ulong>.Zero, high = Vector128<ulong>.Zero;
        GhashPclmul.MultiplyAdd(y ^ Load(ref p, 0), _powers[7], ref low, ref middle, ref high);
        GhashPclmul.MultiplyAdd(Load(ref p, 16), _powers[6], ref low, ref middle, ref high);
        GhashPclmul.MultiplyAdd(Load(ref p, 32), _powers[5], ref low, ref middle, ref high);
        GhashPclmul.MultiplyAdd(Load(ref p, 48), _powers[4], ref low, ref middle, ref high);
        GhashPclmul.MultiplyAdd(Load(ref p, 64), _powers[3], ref low, ref middle, ref high);
        GhashPclmul.MultiplyAdd(Load(ref p, 80), _powers[2], ref low, ref middle, ref high);
        GhashPclmul.MultiplyAdd(Load(ref p, 96), _powers[1], ref low, ref middle, ref high);
        GhashPclmul.MultiplyAdd(Load(ref p, 112), _powers[0], ref low, ref middle, ref high);
        y = GhashPclmul.Reduce(low, middle, high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Load(ref byte p, int offset) => GhashPclmul.Swap(Vector128.LoadUnsafe(ref p, (nuint)offset));

    /// <summary>H^1..H^8 in the stored form of <see cref="GhashPclmul.PrepareKey"/>; index i holds H^(i+1).</summary>
    [InlineArray(Stride)]
    private struct HashKeyPowers
    {
        private Vector128<ulong> _element;
    }
}
