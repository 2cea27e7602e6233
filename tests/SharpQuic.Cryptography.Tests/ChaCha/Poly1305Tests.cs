using SharpQuic.Cryptography.ChaCha;

namespace SharpQuic.Cryptography.Tests.ChaCha;

public sealed class Poly1305Tests
{
    // RFC 8439 §2.5.2.
    [Fact]
    public void Tag_matches_RFC8439_2_5_2()
    {
        byte[] key = Convert.FromHexString("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        byte[] tag = new byte[16];
        Poly1305.Compute(key, "Cryptographic Forum Research Group"u8, tag);
        Assert.Equal("a8061dc1305136c6c22b8baf0c0127a9", Convert.ToHexStringLower(tag));
    }

    // RFC 8439 §2.6.2: the one-time key is the first 32 bytes of ChaCha20 block 0.
    [Fact]
    public void Key_generation_matches_RFC8439_2_6_2()
    {
        byte[] key = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        byte[] block = new byte[64];
        ChaCha20.Block(key, 0, Convert.FromHexString("000000000001020304050607"), block);
        Assert.Equal("8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646", Convert.ToHexStringLower(block.AsSpan(0, 32)));
    }

    // Limb carries at the edges of the field: h close to p and to 2^130, s overflowing 2^128.
    // Wrapping the all-ones message under an r of all (clamped) ones exercises the final
    // reduction; the result is checked against an independent BigInteger computation.
    [Theory]
    [InlineData("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 64)]
    [InlineData("ffffffffffffffffffffffffffffffff00000000000000000000000000000000", 33)]
    [InlineData("0100000000000000000000000000000000000000000000000000000000000000", 16)]
    [InlineData("0200000000000000000000000000000000000000000000000000000000000000", 48)]
    public void Edge_keys_match_a_big_integer_reference(string keyHex, int length)
    {
        byte[] key = Convert.FromHexString(keyHex);
        for (int fill = 0; fill < 2; fill++)
        {
            byte[] message = new byte[length];
            Array.Fill(message, fill == 0 ? (byte)0xff : (byte)0x00);
            byte[] tag = new byte[16];
            Poly1305.Compute(key, message, tag);
            Assert.Equal(Reference(key, message), tag);
        }
    }

    [Fact]
    public void Random_messages_match_a_big_integer_reference()
    {
        var random = new Random(1305);
        byte[] key = new byte[32], tag = new byte[16];
        for (int length = 0; length <= 100; length++)
        {
            random.NextBytes(key);
            byte[] message = new byte[length];
            random.NextBytes(message);
            Poly1305.Compute(key, message, tag);
            Assert.Equal(Reference(key, message), tag);
        }
    }

    /// <summary>RFC 8439 §2.5.1 written with arbitrary-precision integers.</summary>
    private static byte[] Reference(byte[] key, byte[] message)
    {
        var p = (System.Numerics.BigInteger.One << 130) - 5;
        var clamp = System.Numerics.BigInteger.Parse("00ffffffc0ffffffc0ffffffc0fffffff", System.Globalization.NumberStyles.HexNumber);
        var r = new System.Numerics.BigInteger(key.AsSpan(0, 16), isUnsigned: true) & clamp;
        var s = new System.Numerics.BigInteger(key.AsSpan(16, 16), isUnsigned: true);
        var a = System.Numerics.BigInteger.Zero;
        for (int i = 0; i < message.Length; i += 16)
        {
            int n = Math.Min(16, message.Length - i);
            byte[] block = new byte[n + 1];
            message.AsSpan(i, n).CopyTo(block);
            block[n] = 1;
            a = (a + new System.Numerics.BigInteger(block, isUnsigned: true)) * r % p;
        }

        a = (a + s) & ((System.Numerics.BigInteger.One << 128) - 1);
        byte[] tag = new byte[16];
        a.TryWriteBytes(tag, out _, isUnsigned: true);
        return tag;
    }
}
