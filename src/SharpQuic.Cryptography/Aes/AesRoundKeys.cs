using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace SharpQuic.Cryptography.Aes;

/// <summary>
/// The expanded encryption key schedule of AES-128 or AES-256 (FIPS 197 §5.2): Nr + 1 round
/// keys, each a 16-byte block in the cipher's byte order. Stored inline (no array) so that a
/// keyed object is one allocation and the round loop has no bounds checks.
/// </summary>
internal struct AesRoundKeys
{
    /// <summary>Round keys for the largest key size: AES-256 has 14 rounds.</summary>
    public const int MaxRoundKeys = 15;

    private RoundKeyArray _keys;

    /// <summary>Nr: 10 for AES-128, 14 for AES-256.</summary>
    public int Rounds { get; private set; }

    public readonly Vector128<byte> this[int index] => _keys[index];

    /// <summary>Reference to round key 0, for loops that index with <see cref="Unsafe.Add{T}(ref T, int)"/>.</summary>
    [UnscopedRef]
    public ref Vector128<byte> First => ref _keys[0];

    /// <summary>
    /// Expands a 16- or 32-byte key (FIPS 197 §5.2, KeyExpansion()). <paramref name="useIntrinsics"/>
    /// lets tests force the portable SubWord on machines with AES-NI.
    /// </summary>
    public static AesRoundKeys Expand(ReadOnlySpan<byte> key, bool useIntrinsics)
    {
        if (key.Length is not (16 or 32))
        {
            throw new ArgumentException("AES key must be 16 or 32 bytes.", nameof(key));
        }

        bool aesNi = useIntrinsics && System.Runtime.Intrinsics.X86.Aes.IsSupported;
        int nk = key.Length / 4;
        int rounds = nk + 6;
        int totalWords = 4 * (rounds + 1);

        // Words are little-endian uints so that byte 0 of a word is its low byte; the round key
        // vectors then have the byte order of FIPS 197 §3.
        Span<uint> w = stackalloc uint[4 * MaxRoundKeys];
        for (int i = 0; i < nk; i++)
        {
            w[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(key.Slice(4 * i, 4));
        }

        uint rcon = 1;
        for (int i = nk; i < totalWords; i++)
        {
            uint temp = w[i - 1];
            if (i % nk == 0)
            {
                // RotWord moves byte 0 to position 3: a right rotation of the little-endian word.
                temp = SubWord(uint.RotateRight(temp, 8), aesNi) ^ rcon;
                rcon = (rcon << 1) ^ (((rcon >> 7) & 1) * 0x11B);
            }
            else if (nk > 6 && i % nk == 4)
            {
                temp = SubWord(temp, aesNi);
            }

            w[i] = w[i - nk] ^ temp;
        }

        var result = new AesRoundKeys { Rounds = rounds };
        for (int r = 0; r <= rounds; r++)
        {
            result._keys[r] = Vector128.Create(w[4 * r], w[(4 * r) + 1], w[(4 * r) + 2], w[(4 * r) + 3]).AsByte();
        }

        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(w));
        return result;
    }

    /// <summary>Overwrites the key material (on dispose of the owning key object).</summary>
    public void Clear()
    {
        _keys = default;
        Rounds = 0;
    }

    // SubWord (FIPS 197 §5.2) in constant time. With AES-NI: AESENCLAST with a zero round key is
    // ShiftRows(SubBytes(state)); with the word in all four columns ShiftRows changes nothing.
    private static uint SubWord(uint word, bool aesNi)
    {
        Vector128<byte> v = Vector128.Create(word).AsByte();
        Vector128<byte> s = aesNi
            ? System.Runtime.Intrinsics.X86.Aes.EncryptLast(v, Vector128<byte>.Zero)
            : AesSoftware.SubBytes(v);
        return s.AsUInt32().ToScalar();
    }

    [InlineArray(MaxRoundKeys)]
    private struct RoundKeyArray
    {
        private Vector128<byte> _element;
    }
}
