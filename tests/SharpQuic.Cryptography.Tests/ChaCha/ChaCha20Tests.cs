using System.Security.Cryptography;
using SharpQuic.Cryptography.ChaCha;

namespace SharpQuic.Cryptography.Tests.ChaCha;

public sealed class ChaCha20Tests
{
    private static readonly byte[] Key00To1F = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    // RFC 8439 §2.1.1.
    [Fact]
    public void Quarter_round_matches_RFC8439_2_1_1()
    {
        uint a = 0x11111111, b = 0x01020304, c = 0x9b8d6f43, d = 0x01234567;
        ChaCha20.QuarterRound(ref a, ref b, ref c, ref d);
        Assert.Equal(0xea2a92f4u, a);
        Assert.Equal(0xcb1cf8ceu, b);
        Assert.Equal(0x4581472eu, c);
        Assert.Equal(0x5881c4bbu, d);
    }

    // RFC 8439 §2.2.1: QUARTERROUND(2, 7, 8, 13) on a whole state; the other words stay.
    [Fact]
    public void Quarter_round_on_a_state_matches_RFC8439_2_2_1()
    {
        uint[] s =
        [
            0x879531e0, 0xc5ecf37d, 0x516461b1, 0xc9a62f8a,
            0x44c20ef3, 0x3390af7f, 0xd9fc690b, 0x2a5f714c,
            0x53372767, 0xb00a5631, 0x974c541a, 0x359e9963,
            0x5c971061, 0x3d631689, 0x2098d9d6, 0x91dbd320,
        ];
        ChaCha20.QuarterRound(ref s[2], ref s[7], ref s[8], ref s[13]);
        uint[] expected =
        [
            0x879531e0, 0xc5ecf37d, 0xbdb886dc, 0xc9a62f8a,
            0x44c20ef3, 0x3390af7f, 0xd9fc690b, 0xcfacafd2,
            0xe46bea80, 0xb00a5631, 0x974c541a, 0x359e9963,
            0x5c971061, 0xccc07c79, 0x2098d9d6, 0x91dbd320,
        ];
        Assert.Equal(expected, s);
    }

    // RFC 8439 §2.3.2.
    [Fact]
    public void Block_matches_RFC8439_2_3_2()
    {
        byte[] block = RunBlock(Key00To1F, 1, Convert.FromHexString("000000090000004a00000000"));
        Assert.Equal(
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
            + "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
            Convert.ToHexStringLower(block));
    }

    // RFC 8439 Appendix A.1, test vector #1: all-zero key, nonce and counter.
    [Fact]
    public void Block_of_zero_key_matches_RFC8439_A_1()
    {
        byte[] block = RunBlock(new byte[32], 0, new byte[12]);
        Assert.Equal(
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
            + "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
            Convert.ToHexStringLower(block));
    }

    // RFC 8439 §2.4.2: the "sunscreen" plaintext, counter 1.
    [Fact]
    public void Encryption_matches_RFC8439_2_4_2()
    {
        byte[] plaintext = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."u8.ToArray();
        byte[] nonce = Convert.FromHexString("000000000000004a00000000");
        byte[] ciphertext = new byte[plaintext.Length];
        ChaCha20.Xor(Key00To1F, 1, nonce, plaintext, ciphertext);
        Assert.Equal(
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
            + "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
            + "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
            + "5af90bbf74a35be6b40b8eedf2785e42874d",
            Convert.ToHexStringLower(ciphertext));

        // In place, and decryption is the same operation.
        ChaCha20.Xor(Key00To1F, 1, nonce, ciphertext, ciphertext);
        Assert.Equal(plaintext, ciphertext);
    }

    // The BCL's ChaCha20-Poly1305 encrypts with the block counter starting at 1 (RFC 8439 §2.8),
    // so its ciphertext is our key stream XOR from counter 1: an independent check at every length.
    [Fact]
    public void Key_stream_matches_the_BCL_ChaCha20Poly1305_ciphertext()
    {
        if (!ChaCha20Poly1305.IsSupported)
        {
            return; // Nothing to compare against on this platform (xunit 2 has no dynamic skip).
        }

        var random = new Random(7539);
        byte[] key = new byte[32], nonce = new byte[12], tag = new byte[16];
        random.NextBytes(key);
        using var bcl = new ChaCha20Poly1305(key);
        for (int length = 0; length <= 300; length++)
        {
            random.NextBytes(nonce);
            byte[] plaintext = new byte[length];
            random.NextBytes(plaintext);
            byte[] expected = new byte[length];
            bcl.Encrypt(nonce, plaintext, expected, tag);
            byte[] actual = new byte[length];
            ChaCha20.Xor(key, 1, nonce, plaintext, actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void BlockHead_is_the_first_row_of_the_block()
    {
        var random = new Random(16);
        byte[] key = new byte[32], nonce = new byte[12], block = new byte[64], head = new byte[16];
        uint[] words = new uint[ChaCha20.KeyWords];
        for (int i = 0; i < 50; i++)
        {
            random.NextBytes(key);
            random.NextBytes(nonce);
            ChaCha20.LoadKey(key, words);
            ChaCha20.Block(words, (uint)i, nonce, block);
            ChaCha20.BlockHead(words, (uint)i, nonce, head);
            Assert.Equal(block.AsSpan(0, 16).ToArray(), head);
        }

        Assert.Throws<ArgumentException>(() => ChaCha20.BlockHead(words, 0, nonce, new byte[15]));
    }

    // The wide paths (4 and 8 blocks per pass) against one block at a time, at lengths that
    // mix all three, in place and out of place, up to the last counter value.
    [Theory]
    [InlineData(1u)]
    [InlineData(0x12345678u)]
    [InlineData(uint.MaxValue - 23)]
    public void Xor_matches_the_key_stream_block_by_block(uint counter)
    {
        var random = new Random((int)counter);
        byte[] key = new byte[32], nonce = new byte[12];
        random.NextBytes(key);
        random.NextBytes(nonce);
        uint[] words = new uint[ChaCha20.KeyWords];
        ChaCha20.LoadKey(key, words);
        byte[] block = new byte[64];
        foreach (int length in new[] { 0, 1, 63, 64, 65, 255, 256, 257, 511, 512, 513, 768, 832, 1200, 1500 })
        {
            if ((ulong)((length + 63) / 64) > (ulong)uint.MaxValue - counter + 1)
            {
                continue;
            }

            byte[] input = new byte[length];
            random.NextBytes(input);
            byte[] expected = new byte[length];
            for (int offset = 0; offset < length; offset += 64)
            {
                ChaCha20.Block(words, counter + (uint)(offset / 64), nonce, block);
                for (int i = offset; i < Math.Min(length, offset + 64); i++)
                {
                    expected[i] = (byte)(input[i] ^ block[i - offset]);
                }
            }

            byte[] output = new byte[length];
            ChaCha20.Xor(words, counter, nonce, input, output);
            Assert.Equal(expected, output);
            ChaCha20.Xor(words, counter, nonce, input, input);
            Assert.Equal(expected, input);
        }
    }

    [Fact]
    public void Wide_paths_match_single_blocks()
    {
        var random = new Random(48);
        byte[] key = new byte[32], nonce = new byte[12], block = new byte[64];
        uint[] words = new uint[ChaCha20.KeyWords];
        for (int round = 0; round < 20; round++)
        {
            random.NextBytes(key);
            random.NextBytes(nonce);
            ChaCha20.LoadKey(key, words);
            uint counter = (uint)random.NextInt64(0, (1L << 32) - 8);
            byte[] expected = new byte[ChaCha20.EightBlocks];
            for (int b = 0; b < 8; b++)
            {
                ChaCha20.Block(words, counter + (uint)b, nonce, block);
                block.CopyTo(expected, 64 * b);
            }

            if (ChaCha20.CanXorFourBlocks)
            {
                byte[] four = new byte[ChaCha20.FourBlocks];
                ChaCha20.XorFourBlocks(words, counter, nonce, four, four);
                Assert.Equal(expected.AsSpan(0, ChaCha20.FourBlocks).ToArray(), four);
            }

            if (ChaCha20.CanXorEightBlocks)
            {
                byte[] eight = new byte[ChaCha20.EightBlocks];
                ChaCha20.XorEightBlocks(words, counter, nonce, eight, eight);
                Assert.Equal(expected, eight);
            }
        }
    }

    [Fact]
    public void Xor_refuses_to_wrap_the_block_counter()
    {
        byte[] nonce = new byte[12];
        byte[] data = new byte[65];

        // One block at the last counter value is fine; a second block would wrap to 0.
        ChaCha20.Xor(Key00To1F, uint.MaxValue, nonce, data.AsSpan(0, 64), data.AsSpan(0, 64));
        Assert.Throws<ArgumentException>(() => ChaCha20.Xor(Key00To1F, uint.MaxValue, nonce, data, data));
    }

    [Fact]
    public void Rejects_bad_argument_lengths()
    {
        byte[] block = new byte[64];
        Assert.Throws<ArgumentException>(() => ChaCha20.Block(new byte[31], 0, new byte[12], block));
        Assert.Throws<ArgumentException>(() => ChaCha20.Block(new byte[32], 0, new byte[8], block));
        Assert.Throws<ArgumentException>(() => ChaCha20.Block(new byte[32], 0, new byte[12], new byte[63]));
        Assert.Throws<ArgumentException>(() => ChaCha20.Xor(new byte[32], 0, new byte[12], new byte[10], new byte[9]));
    }

    /// <summary>Both overloads (key as bytes, key as words) must give the same block.</summary>
    private static byte[] RunBlock(byte[] key, uint counter, byte[] nonce)
    {
        byte[] fromBytes = new byte[64];
        ChaCha20.Block(key, counter, nonce, fromBytes);
        byte[] fromWords = new byte[64];
        uint[] words = new uint[ChaCha20.KeyWords];
        ChaCha20.LoadKey(key, words);
        ChaCha20.Block(words, counter, nonce, fromWords);
        Assert.Equal(fromBytes, fromWords);
        return fromWords;
    }
}
