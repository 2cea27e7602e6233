using SharpQuic.Cryptography.ChaCha;
using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Cryptography.Tests.ChaCha;

public sealed class ChaCha20HeaderProtectionTests
{
    // RFC 9001 Appendix A.5 (v1) and RFC 9369 Appendix A.5 (v2): hp key, sample, mask.
    [Theory]
    [InlineData("25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4", "5e5cd55c41f69080575d7999c25a5bfb", "aefefe7d03")]
    [InlineData("d659760d2ba434a226fd37b35c69e2da8211d10c4f12538787d65645d5d1b8e2", "e7b6b932bc27d786f4bc2bb20f2162ba", "97580e32bf")]
    public void Mask_matches_the_RFC_vectors(string hp, string sample, string mask)
    {
        using HeaderProtectionKey key = HeaderProtectionKey.Create(CipherSuite.ChaCha20Poly1305Sha256, Convert.FromHexString(hp));
        Assert.IsType<ChaCha20HeaderProtection>(key);
        byte[] actual = new byte[HeaderProtectionKey.MaskSize];
        key.ComputeMask(Convert.FromHexString(sample), actual);
        Assert.Equal(mask, Convert.ToHexStringLower(actual));
    }

    // RFC 9001 §5.4.4: the mask is ChaCha20(hp_key, counter = sample[0..4] LE, nonce = sample[4..16]) of five zeros.
    [Fact]
    public void Mask_is_the_key_stream_at_the_sample_counter_and_nonce()
    {
        var random = new Random(9001);
        byte[] hp = new byte[32], sample = new byte[16], zeros = new byte[5], stream = new byte[5], mask = new byte[5];
        for (int i = 0; i < 50; i++)
        {
            random.NextBytes(hp);
            random.NextBytes(sample);
            uint counter = (uint)(sample[0] | sample[1] << 8 | sample[2] << 16 | sample[3] << 24);
            ChaCha20.Xor(hp, counter, sample.AsSpan(4), zeros, stream);
            using var key = new ChaCha20HeaderProtection(hp);
            key.ComputeMask(sample, mask);
            Assert.Equal(stream, mask);
        }
    }

    [Fact]
    public void Uses_only_the_first_sixteen_bytes_of_a_longer_sample()
    {
        byte[] hp = Convert.FromHexString("25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4");
        using var key = new ChaCha20HeaderProtection(hp);
        byte[] mask = new byte[5];
        key.ComputeMask(Convert.FromHexString("5e5cd55c41f69080575d7999c25a5bfbffffffff"), mask);
        Assert.Equal("aefefe7d03", Convert.ToHexStringLower(mask));
    }

    [Fact]
    public void Rejects_a_short_key_or_sample()
    {
        Assert.Throws<ArgumentException>(() => new ChaCha20HeaderProtection(new byte[16]));
        using var key = new ChaCha20HeaderProtection(new byte[32]);
        Assert.Throws<ArgumentOutOfRangeException>(() => key.ComputeMask(new byte[15], new byte[5]));
    }

    [Fact]
    public void Ten_thousand_masks_allocate_nothing()
    {
        using HeaderProtectionKey key = HeaderProtectionKey.Create(CipherSuite.ChaCha20Poly1305Sha256, new byte[32]);
        byte[] sample = new byte[16];
        byte[] mask = new byte[5];
        key.ComputeMask(sample, mask); // warm up (JIT)

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            sample[i & 15] ^= mask[0];
            key.ComputeMask(sample, mask);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
