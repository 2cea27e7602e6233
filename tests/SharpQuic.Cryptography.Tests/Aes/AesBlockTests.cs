using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using SharpQuic.Cryptography.Aes;
using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Cryptography.Tests.Aes;

public sealed class AesBlockTests
{
    public static TheoryData<bool> Paths => new() { false, true };

    // FIPS 197 Appendix B (cipher example) and Appendix C.1 / C.3 (example vectors).
    [Theory]
    [InlineData("2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734", "3925841d02dc09fbdc118597196a0b32")]
    [InlineData("000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff", "69c4e0d86a7b0430d8cdb78070b4c55a")]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "00112233445566778899aabbccddeeff", "8ea2b7ca516745bfeafc49904b496089")]
    public void Encrypts_the_FIPS197_example_blocks(string keyHex, string inputHex, string outputHex)
    {
        byte[] key = Convert.FromHexString(keyHex);
        Vector128<byte> input = Vector128.Create(Convert.FromHexString(inputHex));

        AesRoundKeys portable = AesRoundKeys.Expand(key, useIntrinsics: false);
        Assert.Equal(outputHex, Hex(AesSoftware.EncryptBlock(in portable, input)));

        if (AesIntrinsics.BlockSupported)
        {
            AesRoundKeys hardware = AesRoundKeys.Expand(key, useIntrinsics: true);
            Assert.Equal(outputHex, Hex(AesNi.EncryptBlock(ref hardware, input)));
        }
    }

    // FIPS 197 Appendix A.1: the last round key (w[40..43]) of the key 2b7e1516...
    [Theory]
    [MemberData(nameof(Paths))]
    public void Expands_the_FIPS197_A1_key(bool useIntrinsics)
    {
        AesRoundKeys keys = AesRoundKeys.Expand(Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c"), useIntrinsics);
        Assert.Equal(10, keys.Rounds);
        Assert.Equal("2b7e151628aed2a6abf7158809cf4f3c", Hex(keys[0]));
        Assert.Equal("d014f9a8c9ee2589e13f0cc8b6630ca6", Hex(keys[10]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(24)]
    [InlineData(33)]
    public void Rejects_other_key_sizes(int length)
        => Assert.Throws<ArgumentException>(() => AesRoundKeys.Expand(new byte[length], useIntrinsics: false));

    // RFC 9001 Appendix A.2 (client Initial) and A.3 (server Initial) header protection masks.
    [Theory]
    [InlineData("9f50449e04a0e810283a1e9933adedd2", "d1b1c98dd7689fb8ec11d242b123dc9b", "437b9aec36")]
    [InlineData("c206b8d9b9f0f37644430b490eeaa314", "2cd0991cd25b0aac406a5816b6394100", "2ec0d8356a")]
    public void Computes_the_RFC9001_header_protection_masks(string hpKeyHex, string sampleHex, string maskHex)
    {
        byte[] hpKey = Convert.FromHexString(hpKeyHex);
        byte[] sample = Convert.FromHexString(sampleHex);
        foreach (HeaderProtectionKey hp in Implementations(hpKey))
        {
            using (hp)
            {
                byte[] mask = new byte[HeaderProtectionKey.MaskSize];
                hp.ComputeMask(sample, mask);
                Assert.Equal(maskHex, Convert.ToHexStringLower(mask));
            }
        }
    }

    [Fact]
    public void Software_and_hardware_blocks_match_the_BCL_on_random_keys()
    {
        var random = new Random(9001);
        using var bcl = System.Security.Cryptography.Aes.Create();
        byte[] block = new byte[16];
        byte[] expected = new byte[16];
        for (int i = 0; i < 200; i++)
        {
            byte[] key = new byte[i % 2 == 0 ? 16 : 32];
            random.NextBytes(key);
            random.NextBytes(block);
            bcl.Key = key;
            bcl.EncryptEcb(block, expected, PaddingMode.None);
            string want = Convert.ToHexStringLower(expected);

            AesRoundKeys portable = AesRoundKeys.Expand(key, useIntrinsics: false);
            Assert.Equal(want, Hex(AesSoftware.EncryptBlock(in portable, Vector128.Create(block))));
            if (AesIntrinsics.BlockSupported)
            {
                AesRoundKeys hardware = AesRoundKeys.Expand(key, useIntrinsics: true);
                Assert.Equal(want, Hex(AesNi.EncryptBlock(ref hardware, Vector128.Create(block))));
            }
        }
    }

    [Fact]
    public void Factory_honours_the_intrinsics_choice()
    {
        byte[] key = new byte[16];
        using HeaderProtectionKey fallback = AesHeaderProtectionFactory.Create(key, allowIntrinsics: false);
        Assert.IsType<SoftwareAesHeaderProtection>(fallback);
        using HeaderProtectionKey chosen = AesHeaderProtectionFactory.Create(key, allowIntrinsics: true);
        Assert.Equal(AesIntrinsics.BlockSupported, chosen is AesNiHeaderProtection);
    }

    private static List<HeaderProtectionKey> Implementations(byte[] key)
    {
        var list = new List<HeaderProtectionKey> { new SoftwareAesHeaderProtection(key), new BclAesHeaderProtection(key) };
        if (AesIntrinsics.BlockSupported)
        {
            list.Add(new AesNiHeaderProtection(key));
        }

        return list;
    }

    private static string Hex(Vector128<byte> v) => Convert.ToHexStringLower(MemoryMarshal.AsBytes(new ReadOnlySpan<Vector128<byte>>(ref v)));
}
