using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Cryptography.Tests.Aes;

public sealed class AesGcmWycheproofTests
{
    public static TheoryData<string> Paths => AesGcmPaths.All;

    // Wycheproof aes_gcm_test.json, restricted to what QUIC uses (RFC 9001 §5.3): 96-bit IVs,
    // 128-bit tags, AES-128 and AES-256.
    [Theory]
    [MemberData(nameof(Paths))]
    public void Passes_every_applicable_Wycheproof_case(string path)
    {
        int applicable = 0;
        foreach (WycheproofCase c in Wycheproof.Load("aes_gcm_test.json"))
        {
            if (c.Int("ivSize") != 96 || c.Int("tagSize") != 128 || c.Int("keySize") is not (128 or 256))
            {
                continue;
            }

            applicable++;
            byte[] key = c.Hex("key"), iv = c.Hex("iv"), aad = c.Hex("aad"), msg = c.Hex("msg"), ct = c.Hex("ct"), tag = c.Hex("tag");
            using PacketAead aead = AesGcmPaths.Create(path, key);

            byte[] opened = (byte[])ct.Clone();
            bool ok = aead.Open(iv, aad, opened, tag);
            if (c.Result == "invalid")
            {
                Assert.False(ok, c.ToString());
                continue;
            }

            Assert.True(ok, c.ToString());
            Assert.Equal(Convert.ToHexStringLower(msg), Convert.ToHexStringLower(opened));

            byte[] sealedData = (byte[])msg.Clone();
            byte[] sealedTag = new byte[PacketAead.TagSize];
            aead.Seal(iv, aad, sealedData, sealedTag);
            Assert.Equal(Convert.ToHexStringLower(ct), Convert.ToHexStringLower(sealedData));
            Assert.Equal(Convert.ToHexStringLower(tag), Convert.ToHexStringLower(sealedTag));
        }

        Assert.True(applicable > 100, $"only {applicable} applicable cases");
    }
}
