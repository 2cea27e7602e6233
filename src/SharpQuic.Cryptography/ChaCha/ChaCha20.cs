using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>
/// The ChaCha20 block function and stream cipher (RFC 8439 §2.3, §2.4), with a 32-bit block
/// counter and a 96-bit nonce. Allocation-free; ARX only, so there are no secret-dependent
/// branches or table look-ups. The key is passed as its eight little-endian words so that
/// callers keyed once (header protection) do not parse it per packet.
/// </summary>
internal static partial class ChaCha20
{
    /// <summary>Key length in bytes.</summary>
    public const int KeySize = 32;

    /// <summary>Key length in 32-bit words.</summary>
    public const int KeyWords = 8;

    /// <summary>Nonce length in bytes (RFC 8439 §2.3).</summary>
    public const int NonceSize = 12;

    /// <summary>Output of one block function call.</summary>
    public const int BlockSize = 64;

    /// <summary>Output of <see cref="BlockHead"/>: the first row of the block.</summary>
    public const int HeadSize = 16;

    // RFC 8439 §2.3: the constants "expand 32-byte k" as little-endian words.
    private const uint Sigma0 = 0x61707865;
    private const uint Sigma1 = 0x3320646e;
    private const uint Sigma2 = 0x79622d32;
    private const uint Sigma3 = 0x6b206574;

    /// <summary>True when the multi-block paths may store vector lanes as little-endian words.</summary>
    public static bool IsVectorized => Vector128.IsHardwareAccelerated && BitConverter.IsLittleEndian;

    /// <summary>Reads a 32-byte key as eight little-endian words (RFC 8439 §2.3).</summary>
    public static void LoadKey(ReadOnlySpan<byte> key, Span<uint> keyWords)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException("ChaCha20 keys are 32 bytes.", nameof(key));
        }

        for (int i = 0; i < KeyWords; i++)
        {
            keyWords[i] = BinaryPrimitives.ReadUInt32LittleEndian(key[(4 * i)..]);
        }
    }

    /// <summary>The quarter round on four words (RFC 8439 §2.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void QuarterRound(ref uint a, ref uint b, ref uint c, ref uint d)
    {
        a += b; d ^= a; d = uint.RotateLeft(d, 16);
        c += d; b ^= c; b = uint.RotateLeft(b, 12);
        a += b; d ^= a; d = uint.RotateLeft(d, 8);
        c += d; b ^= c; b = uint.RotateLeft(b, 7);
    }

    /// <summary>One 64-byte block of key stream for a key given as bytes (RFC 8439 §2.3).</summary>
    public static void Block(ReadOnlySpan<byte> key, uint counter, ReadOnlySpan<byte> nonce, Span<byte> output)
    {
        Span<uint> keyWords = stackalloc uint[KeyWords];
        LoadKey(key, keyWords);
        Block(keyWords, counter, nonce, output);
        keyWords.Clear();
    }

    /// <summary>One 64-byte block of key stream (RFC 8439 §2.3) into <paramref name="output"/>[..64].</summary>
    public static void Block(ReadOnlySpan<uint> keyWords, uint counter, ReadOnlySpan<byte> nonce, Span<byte> output)
    {
        CheckBlockArguments(keyWords, nonce, output, BlockSize);
        ScalarCore(keyWords, counter, nonce, output, BlockSize);
    }

    /// <summary>
    /// The first 16 bytes of the block (<see cref="HeadSize"/>), for header protection, which
    /// uses five (RFC 9001 §5.4.4): the rest of the block is neither finished nor stored.
    /// </summary>
    public static void BlockHead(ReadOnlySpan<uint> keyWords, uint counter, ReadOnlySpan<byte> nonce, Span<byte> output)
    {
        CheckBlockArguments(keyWords, nonce, output, HeadSize);
        ScalarCore(keyWords, counter, nonce, output, HeadSize);
    }

    /// <summary>
    /// ChaCha20 encryption (RFC 8439 §2.4): <paramref name="output"/> = <paramref name="input"/> XOR
    /// the key stream starting at block <paramref name="counter"/>. The spans may be the same
    /// memory (in place) but must not otherwise overlap.
    /// </summary>
    public static void Xor(ReadOnlySpan<uint> keyWords, uint counter, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (output.Length < input.Length)
        {
            throw new ArgumentException("Output shorter than input.", nameof(output));
        }

        // RFC 8439 §2.4: the 32-bit counter must not wrap within one message.
        ulong blocks = ((ulong)(uint)input.Length + BlockSize - 1) / BlockSize;
        if (blocks > (ulong)uint.MaxValue - counter + 1)
        {
            throw new ArgumentException("Message too long for the block counter.", nameof(input));
        }

        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException("ChaCha20 nonces are 12 bytes.", nameof(nonce));
        }

        int offset = 0;
        if (keyWords.Length == KeyWords && CanXorEightBlocks)
        {
            for (; input.Length - offset >= EightBlocks; offset += EightBlocks, counter += 8)
            {
                XorEightBlocks(keyWords, counter, nonce, input[offset..], output[offset..]);
            }
        }

        if (keyWords.Length == KeyWords && CanXorFourBlocks)
        {
            for (; input.Length - offset >= FourBlocks; offset += FourBlocks, counter += 4)
            {
                XorFourBlocks(keyWords, counter, nonce, input[offset..], output[offset..]);
            }
        }

        Span<byte> stream = stackalloc byte[BlockSize];
        while (offset < input.Length)
        {
            Block(keyWords, counter++, nonce, stream);
            int n = Math.Min(BlockSize, input.Length - offset);
            XorInto(input.Slice(offset, n), stream[..n], output.Slice(offset, n));
            offset += n;
        }

        stream.Clear();
    }

    /// <summary><see cref="Xor(ReadOnlySpan{uint}, uint, ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/> with a key given as bytes.</summary>
    public static void Xor(ReadOnlySpan<byte> key, uint counter, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> input, Span<byte> output)
    {
        Span<uint> keyWords = stackalloc uint[KeyWords];
        LoadKey(key, keyWords);
        Xor(keyWords, counter, nonce, input, output);
        keyWords.Clear();
    }

    // One block is a chain of dependent additions, XORs and rotations. Sixteen scalar words
    // give four independent quarter rounds per step; a row-per-vector Vector128 version
    // measured 1.6x slower here (87 vs 144 ns: the same latency chain plus lane shuffles), so
    // vectors are used only across several blocks (ChaCha20.Wide.cs).
    /// <summary>Sixteen words in locals; writes the first <paramref name="length"/> (16 or 64) bytes.</summary>
    private static void ScalarCore(ReadOnlySpan<uint> keyWords, uint counter, ReadOnlySpan<byte> nonce, Span<byte> output, int length)
    {
        uint n0 = BinaryPrimitives.ReadUInt32LittleEndian(nonce);
        uint n1 = BinaryPrimitives.ReadUInt32LittleEndian(nonce[4..]);
        uint n2 = BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..]);

        uint x0 = Sigma0, x1 = Sigma1, x2 = Sigma2, x3 = Sigma3;
        uint x4 = keyWords[0], x5 = keyWords[1], x6 = keyWords[2], x7 = keyWords[3];
        uint x8 = keyWords[4], x9 = keyWords[5], x10 = keyWords[6], x11 = keyWords[7];
        uint x12 = counter, x13 = n0, x14 = n1, x15 = n2;

        // RFC 8439 §2.3: 20 rounds, alternating column and diagonal rounds.
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

        // Add the input state back in and serialize little-endian (RFC 8439 §2.3).
        BinaryPrimitives.WriteUInt32LittleEndian(output, x0 + Sigma0);
        BinaryPrimitives.WriteUInt32LittleEndian(output[4..], x1 + Sigma1);
        BinaryPrimitives.WriteUInt32LittleEndian(output[8..], x2 + Sigma2);
        BinaryPrimitives.WriteUInt32LittleEndian(output[12..], x3 + Sigma3);
        if (length == HeadSize)
        {
            return;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(output[16..], x4 + keyWords[0]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[20..], x5 + keyWords[1]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[24..], x6 + keyWords[2]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[28..], x7 + keyWords[3]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[32..], x8 + keyWords[4]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[36..], x9 + keyWords[5]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[40..], x10 + keyWords[6]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[44..], x11 + keyWords[7]);
        BinaryPrimitives.WriteUInt32LittleEndian(output[48..], x12 + counter);
        BinaryPrimitives.WriteUInt32LittleEndian(output[52..], x13 + n0);
        BinaryPrimitives.WriteUInt32LittleEndian(output[56..], x14 + n1);
        BinaryPrimitives.WriteUInt32LittleEndian(output[60..], x15 + n2);
    }

    private static void XorInto(ReadOnlySpan<byte> input, ReadOnlySpan<byte> stream, Span<byte> output)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 16 <= input.Length; i += 16)
            {
                (Vector128.Create(input[i..]) ^ Vector128.Create(stream[i..])).CopyTo(output[i..]);
            }
        }

        for (; i < input.Length; i++)
        {
            output[i] = (byte)(input[i] ^ stream[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckBlockArguments(ReadOnlySpan<uint> keyWords, ReadOnlySpan<byte> nonce, Span<byte> output, int length)
    {
        if (keyWords.Length != KeyWords)
        {
            throw new ArgumentException("ChaCha20 keys are eight words.", nameof(keyWords));
        }

        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException("ChaCha20 nonces are 12 bytes.", nameof(nonce));
        }

        if (output.Length < length)
        {
            throw new ArgumentException("Output too short.", nameof(output));
        }
    }
}
