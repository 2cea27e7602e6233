using System.Security.Cryptography;
using SharpQuic.Cryptography.Aead;
using SharpQuic.Cryptography.Aes;

namespace SharpQuic.Cryptography.Tests.Aes;

public sealed class AesGcmCrossCheckTests
{
    // 2,000 random inputs, every data length 0..300 then random up to 4,000 bytes: the intrinsics
    // implementation must produce the BCL's ciphertext and tag, and open what it sealed.
    [Fact]
    public void Intrinsics_match_the_BCL_on_random_inputs()
    {
        var random = new Random(38_00_4);
        for (int i = 0; i < 2000; i++)
        {
            byte[] key = Bytes(random, i % 2 == 0 ? 16 : 32);
            byte[] nonce = Bytes(random, 12);
            byte[] aad = Bytes(random, random.Next(0, 65));
            byte[] plain = Bytes(random, i <= 300 ? i : random.Next(0, 4001));

            using var bcl = new BclAesGcmAead(key);
            using PacketAead fast = AesGcmPaths.Create(AesGcmPaths.Intrinsics, key);

            byte[] expected = (byte[])plain.Clone();
            byte[] expectedTag = new byte[16];
            bcl.Seal(nonce, aad, expected, expectedTag);

            byte[] actual = (byte[])plain.Clone();
            byte[] actualTag = new byte[16];
            fast.Seal(nonce, aad, actual, actualTag);

            Assert.True(expected.AsSpan().SequenceEqual(actual), $"ciphertext differs, case {i}, length {plain.Length}");
            Assert.True(expectedTag.AsSpan().SequenceEqual(actualTag), $"tag differs, case {i}, length {plain.Length}");

            Assert.True(fast.Open(nonce, aad, actual, actualTag), $"open failed, case {i}");
            Assert.True(plain.AsSpan().SequenceEqual(actual), $"round trip differs, case {i}");
        }
    }

    // A flipped bit anywhere in ciphertext, tag or associated data fails Open, and leaves the
    // ciphertext as it was (the tag is checked before decryption).
    [Theory]
    [MemberData(nameof(AesGcmPaths.All), MemberType = typeof(AesGcmPaths))]
    public void Any_flipped_bit_fails_to_open(string path)
    {
        var random = new Random(9001);
        for (int i = 0; i < 300; i++)
        {
            byte[] key = Bytes(random, i % 2 == 0 ? 16 : 32);
            byte[] nonce = Bytes(random, 12);
            byte[] aad = Bytes(random, random.Next(1, 65));
            byte[] data = Bytes(random, random.Next(1, 1500));
            byte[] tag = new byte[16];
            using PacketAead aead = AesGcmPaths.Create(path, key);
            aead.Seal(nonce, aad, data, tag);

            int where = random.Next(3);
            byte[] target = where == 0 ? data : where == 1 ? tag : aad;
            int bit = random.Next(target.Length * 8);
            target[bit / 8] ^= (byte)(1 << (bit % 8));

            byte[] before = (byte[])data.Clone();
            Assert.False(aead.Open(nonce, aad, data, tag), $"case {i}: flipped bit {bit} of {(where == 0 ? "data" : where == 1 ? "tag" : "aad")}");
            if (path == AesGcmPaths.Intrinsics && AesIntrinsics.GcmSupported)
            {
                Assert.True(before.AsSpan().SequenceEqual(data), "failed Open changed the data");
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(16)]
    public void Rejects_nonces_other_than_12_bytes(int length)
    {
        if (!AesIntrinsics.GcmSupported)
        {
            return;
        }

        using var aead = new AesNiGcmAead(new byte[16]);
        byte[] data = new byte[20];
        byte[] tag = new byte[16];
        Assert.Throws<ArgumentException>(() => aead.Seal(new byte[length], default, data, tag));
        Assert.Throws<ArgumentException>(() => aead.Open(new byte[length], default, data, tag));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(12)]
    [InlineData(17)]
    public void Rejects_tags_other_than_16_bytes(int length)
    {
        if (!AesIntrinsics.GcmSupported)
        {
            return;
        }

        using var aead = new AesNiGcmAead(new byte[32]);
        byte[] data = new byte[20];
        Assert.Throws<ArgumentException>(() => aead.Seal(new byte[12], default, data, new byte[length]));
        Assert.Throws<ArgumentException>(() => aead.Open(new byte[12], default, data, new byte[length]));
    }

    [Fact]
    public void Refuses_use_after_dispose()
    {
        if (!AesIntrinsics.GcmSupported)
        {
            return;
        }

        var aead = new AesNiGcmAead(new byte[16]);
        aead.Dispose();
        Assert.Throws<ObjectDisposedException>(() => aead.Seal(new byte[12], default, new byte[4], new byte[16]));
        Assert.Throws<ObjectDisposedException>(() => aead.Open(new byte[12], default, new byte[4], new byte[16]));

        var hp = new AesNiHeaderProtection(new byte[16]);
        hp.Dispose();
        Assert.Throws<ObjectDisposedException>(() => hp.ComputeMask(new byte[16], new byte[5]));
    }

    [Fact]
    public void Rejects_keys_other_than_AES128_or_AES256()
    {
        if (AesIntrinsics.GcmSupported)
        {
            Assert.Throws<ArgumentException>(() => new AesNiGcmAead(new byte[24]));
        }
    }

    [Fact]
    public void Factory_honours_the_intrinsics_choice()
    {
        byte[] key = RandomNumberGenerator.GetBytes(16);
        using PacketAead fallback = AesGcmFactory.Create(key, allowIntrinsics: false);
        Assert.IsType<BclAesGcmAead>(fallback);
        using PacketAead chosen = AesGcmFactory.Create(key, allowIntrinsics: true);
        Assert.Equal(AesIntrinsics.GcmSupported, chosen is AesNiGcmAead);
        Assert.Equal(AesIntrinsics.GcmSupported && !AesIntrinsics.Disabled, AesGcmFactory.Create(key) is AesNiGcmAead);
    }

    private static byte[] Bytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
