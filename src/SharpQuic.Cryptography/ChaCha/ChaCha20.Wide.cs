using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>
/// Several blocks at once for bulk key stream (the managed AEAD): each vector holds the same
/// state word of 4 (Vector128) or 8 (Vector256, AVX2) consecutive blocks, so the rounds need
/// no lane shuffles; the words are transposed back into blocks only at the end.
/// </summary>
internal static partial class ChaCha20
{
    /// <summary>Bytes per call of <see cref="XorFourBlocks"/>.</summary>
    internal const int FourBlocks = 4 * BlockSize;

    /// <summary>Bytes per call of <see cref="XorEightBlocks"/>.</summary>
    internal const int EightBlocks = 8 * BlockSize;

    /// <summary>True when <see cref="XorFourBlocks"/> can run (a vector unit with a 4x4 transpose).</summary>
    internal static bool CanXorFourBlocks => IsVectorized && (Sse2.IsSupported || AdvSimd.Arm64.IsSupported);

    /// <summary>True when <see cref="XorEightBlocks"/> can run.</summary>
    internal static bool CanXorEightBlocks => Avx2.IsSupported;

    /// <summary>
    /// XORs 256 bytes with the key stream of blocks counter..counter+3. The caller has checked
    /// that the counter does not wrap and that the spans are 256 bytes.
    /// </summary>
    internal static void XorFourBlocks(ReadOnlySpan<uint> keyWords, uint counter, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> input, Span<byte> output)
    {
        input = input[..FourBlocks];
        output = output[..FourBlocks];
        Vector128<uint> ctr = Vector128.Create(counter) + Vector128.Create(0u, 1, 2, 3);
        Vector128<uint> n0 = Vector128.Create(BinaryPrimitives.ReadUInt32LittleEndian(nonce));
        Vector128<uint> n1 = Vector128.Create(BinaryPrimitives.ReadUInt32LittleEndian(nonce[4..]));
        Vector128<uint> n2 = Vector128.Create(BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..12]));
        Vector128<uint> k0 = Vector128.Create(keyWords[0]), k1 = Vector128.Create(keyWords[1]);
        Vector128<uint> k2 = Vector128.Create(keyWords[2]), k3 = Vector128.Create(keyWords[3]);
        Vector128<uint> k4 = Vector128.Create(keyWords[4]), k5 = Vector128.Create(keyWords[5]);
        Vector128<uint> k6 = Vector128.Create(keyWords[6]), k7 = Vector128.Create(keyWords[7]);

        Vector128<uint> x0 = Vector128.Create(Sigma0), x1 = Vector128.Create(Sigma1);
        Vector128<uint> x2 = Vector128.Create(Sigma2), x3 = Vector128.Create(Sigma3);
        Vector128<uint> x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
        Vector128<uint> x12 = ctr, x13 = n0, x14 = n1, x15 = n2;

        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        x0 += Vector128.Create(Sigma0); x1 += Vector128.Create(Sigma1);
        x2 += Vector128.Create(Sigma2); x3 += Vector128.Create(Sigma3);
        x4 += k0; x5 += k1; x6 += k2; x7 += k3; x8 += k4; x9 += k5; x10 += k6; x11 += k7;
        x12 += ctr; x13 += n0; x14 += n1; x15 += n2;

        // After transposing, x0..x3 are bytes 0..15 of blocks 0..3, x4..x7 bytes 16..31, ...
        Transpose(ref x0, ref x1, ref x2, ref x3);
        Transpose(ref x4, ref x5, ref x6, ref x7);
        Transpose(ref x8, ref x9, ref x10, ref x11);
        Transpose(ref x12, ref x13, ref x14, ref x15);
        XorRow(x0, x4, x8, x12, input, output);
        XorRow(x1, x5, x9, x13, input[64..], output[64..]);
        XorRow(x2, x6, x10, x14, input[128..], output[128..]);
        XorRow(x3, x7, x11, x15, input[192..], output[192..]);
    }

    /// <summary>As <see cref="XorFourBlocks"/> for 512 bytes, blocks counter..counter+7 (AVX2).</summary>
    internal static void XorEightBlocks(ReadOnlySpan<uint> keyWords, uint counter, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> input, Span<byte> output)
    {
        input = input[..EightBlocks];
        output = output[..EightBlocks];
        Vector256<uint> ctr = Vector256.Create(counter) + Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        Vector256<uint> n0 = Vector256.Create(BinaryPrimitives.ReadUInt32LittleEndian(nonce));
        Vector256<uint> n1 = Vector256.Create(BinaryPrimitives.ReadUInt32LittleEndian(nonce[4..]));
        Vector256<uint> n2 = Vector256.Create(BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..12]));
        Vector256<uint> k0 = Vector256.Create(keyWords[0]), k1 = Vector256.Create(keyWords[1]);
        Vector256<uint> k2 = Vector256.Create(keyWords[2]), k3 = Vector256.Create(keyWords[3]);
        Vector256<uint> k4 = Vector256.Create(keyWords[4]), k5 = Vector256.Create(keyWords[5]);
        Vector256<uint> k6 = Vector256.Create(keyWords[6]), k7 = Vector256.Create(keyWords[7]);

        Vector256<uint> x0 = Vector256.Create(Sigma0), x1 = Vector256.Create(Sigma1);
        Vector256<uint> x2 = Vector256.Create(Sigma2), x3 = Vector256.Create(Sigma3);
        Vector256<uint> x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7;
        Vector256<uint> x12 = ctr, x13 = n0, x14 = n1, x15 = n2;

        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
        }

        x0 += Vector256.Create(Sigma0); x1 += Vector256.Create(Sigma1);
        x2 += Vector256.Create(Sigma2); x3 += Vector256.Create(Sigma3);
        x4 += k0; x5 += k1; x6 += k2; x7 += k3; x8 += k4; x9 += k5; x10 += k6; x11 += k7;
        x12 += ctr; x13 += n0; x14 += n1; x15 += n2;

        // The AVX2 unpacks work per 128-bit lane: the low lanes transpose blocks 0..3, the
        // high lanes blocks 4..7.
        Transpose(ref x0, ref x1, ref x2, ref x3);
        Transpose(ref x4, ref x5, ref x6, ref x7);
        Transpose(ref x8, ref x9, ref x10, ref x11);
        Transpose(ref x12, ref x13, ref x14, ref x15);
        XorRow(x0.GetLower(), x4.GetLower(), x8.GetLower(), x12.GetLower(), input, output);
        XorRow(x1.GetLower(), x5.GetLower(), x9.GetLower(), x13.GetLower(), input[64..], output[64..]);
        XorRow(x2.GetLower(), x6.GetLower(), x10.GetLower(), x14.GetLower(), input[128..], output[128..]);
        XorRow(x3.GetLower(), x7.GetLower(), x11.GetLower(), x15.GetLower(), input[192..], output[192..]);
        XorRow(x0.GetUpper(), x4.GetUpper(), x8.GetUpper(), x12.GetUpper(), input[256..], output[256..]);
        XorRow(x1.GetUpper(), x5.GetUpper(), x9.GetUpper(), x13.GetUpper(), input[320..], output[320..]);
        XorRow(x2.GetUpper(), x6.GetUpper(), x10.GetUpper(), x14.GetUpper(), input[384..], output[384..]);
        XorRow(x3.GetUpper(), x7.GetUpper(), x11.GetUpper(), x15.GetUpper(), input[448..], output[448..]);
    }

    /// <summary>One 64-byte block: its four 16-byte quarters of key stream XORed into place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void XorRow(Vector128<uint> q0, Vector128<uint> q1, Vector128<uint> q2, Vector128<uint> q3, ReadOnlySpan<byte> input, Span<byte> output)
    {
        // Read all four quarters before writing: input and output may be the same memory.
        Vector128<byte> i0 = Vector128.Create(input[..16]);
        Vector128<byte> i1 = Vector128.Create(input[16..32]);
        Vector128<byte> i2 = Vector128.Create(input[32..48]);
        Vector128<byte> i3 = Vector128.Create(input[48..64]);
        (i0 ^ q0.AsByte()).CopyTo(output);
        (i1 ^ q1.AsByte()).CopyTo(output[16..]);
        (i2 ^ q2.AsByte()).CopyTo(output[32..]);
        (i3 ^ q3.AsByte()).CopyTo(output[48..]);
    }

    /// <summary>4x4 transpose of 32-bit lanes: row i of the result is lane i of a, b, c, d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d)
    {
        Vector128<ulong> t0, t1, t2, t3;
        if (Sse2.IsSupported)
        {
            t0 = Sse2.UnpackLow(a, b).AsUInt64();  // a0 b0 a1 b1
            t1 = Sse2.UnpackLow(c, d).AsUInt64();  // c0 d0 c1 d1
            t2 = Sse2.UnpackHigh(a, b).AsUInt64(); // a2 b2 a3 b3
            t3 = Sse2.UnpackHigh(c, d).AsUInt64(); // c2 d2 c3 d3
            a = Sse2.UnpackLow(t0, t1).AsUInt32();
            b = Sse2.UnpackHigh(t0, t1).AsUInt32();
            c = Sse2.UnpackLow(t2, t3).AsUInt32();
            d = Sse2.UnpackHigh(t2, t3).AsUInt32();
        }
        else if (AdvSimd.Arm64.IsSupported)
        {
            t0 = AdvSimd.Arm64.ZipLow(a, b).AsUInt64();
            t1 = AdvSimd.Arm64.ZipLow(c, d).AsUInt64();
            t2 = AdvSimd.Arm64.ZipHigh(a, b).AsUInt64();
            t3 = AdvSimd.Arm64.ZipHigh(c, d).AsUInt64();
            a = AdvSimd.Arm64.ZipLow(t0, t1).AsUInt32();
            b = AdvSimd.Arm64.ZipHigh(t0, t1).AsUInt32();
            c = AdvSimd.Arm64.ZipLow(t2, t3).AsUInt32();
            d = AdvSimd.Arm64.ZipHigh(t2, t3).AsUInt32();
        }
        else
        {
            throw new PlatformNotSupportedException();
        }
    }

    /// <summary>The same transpose within each 128-bit lane (AVX2 unpacks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        Vector256<ulong> t0 = Avx2.UnpackLow(a, b).AsUInt64();
        Vector256<ulong> t1 = Avx2.UnpackLow(c, d).AsUInt64();
        Vector256<ulong> t2 = Avx2.UnpackHigh(a, b).AsUInt64();
        Vector256<ulong> t3 = Avx2.UnpackHigh(c, d).AsUInt64();
        a = Avx2.UnpackLow(t0, t1).AsUInt32();
        b = Avx2.UnpackHigh(t0, t1).AsUInt32();
        c = Avx2.UnpackLow(t2, t3).AsUInt32();
        d = Avx2.UnpackHigh(t2, t3).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d)
    {
        a += b; d ^= a; d = RotateLeft(d, 16);
        c += d; b ^= c; b = RotateLeft(b, 12);
        a += b; d ^= a; d = RotateLeft(d, 8);
        c += d; b ^= c; b = RotateLeft(b, 7);
    }

    // The rotations are the critical path. AVX-512 rotates in one instruction; elsewhere the
    // byte-aligned ones (16, 8) are a byte shuffle (pshufb / tbl), the others shift, shift, or.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> RotateLeft(Vector128<uint> v, [ConstantExpected(Min = 1, Max = 31)] byte n)
    {
        if (Avx512F.VL.IsSupported)
        {
            return Avx512F.VL.RotateLeft(v, n);
        }

        if (n == 16)
        {
            return Vector128.Shuffle(v.AsByte(), Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();
        }

        if (n == 8)
        {
            return Vector128.Shuffle(v.AsByte(), Vector128.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)).AsUInt32();
        }

        return Vector128.ShiftLeft(v, n) | Vector128.ShiftRightLogical(v, 32 - n);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        a += b; d ^= a; d = RotateLeft(d, 16);
        c += d; b ^= c; b = RotateLeft(b, 12);
        a += b; d ^= a; d = RotateLeft(d, 8);
        c += d; b ^= c; b = RotateLeft(b, 7);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateLeft(Vector256<uint> v, [ConstantExpected(Min = 1, Max = 31)] byte n)
    {
        if (Avx512F.VL.IsSupported)
        {
            return Avx512F.VL.RotateLeft(v, n);
        }

        // vpshufb shuffles within each 128-bit lane, which is what a per-word rotation needs.
        if (n == 16)
        {
            return Avx2.Shuffle(v.AsByte(), Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();
        }

        if (n == 8)
        {
            return Avx2.Shuffle(v.AsByte(), Vector256.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14)).AsUInt32();
        }

        return Vector256.ShiftLeft(v, n) | Vector256.ShiftRightLogical(v, 32 - n);
    }
}
