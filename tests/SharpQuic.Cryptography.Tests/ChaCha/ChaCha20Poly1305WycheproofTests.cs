using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Cryptography.Tests.ChaCha;

public sealed class ChaCha20Poly1305WycheproofTests
{
    private const string File = "chacha20_poly1305_test.json";

    // Every case with QUIC's shapes (96-bit nonce, 128-bit tag) through PacketAead; the others
    // (nonce sizes QUIC never uses) must be refused rather than silently accepted.
    [Fact]
    public void Passes_every_Wycheproof_case()
    {
        int applicable = 0, refused = 0;
        foreach (WycheproofCase c in Wycheproof.Load(File))
        {
            using PacketAead aead = PacketAead.Create(CipherSuite.ChaCha20Poly1305Sha256, c.Hex("key"));
            byte[] iv = c.Hex("iv"), aad = c.Hex("aad"), msg = c.Hex("msg"), ct = c.Hex("ct"), tag = c.Hex("tag");
            if (c.Int("ivSize") != 96 || c.Int("tagSize") != 128)
            {
                Assert.Equal("invalid", c.Result);
                Assert.ThrowsAny<ArgumentException>(() => aead.Seal(iv, aad, msg.ToArray(), new byte[PacketAead.TagSize]));
                Assert.ThrowsAny<ArgumentException>(() => aead.Open(iv, aad, ct.ToArray(), tag));
                refused++;
                continue;
            }

            applicable++;
            byte[] data = ct.ToArray();
            bool opened = aead.Open(iv, aad, data, tag);
            if (c.Result == "valid")
            {
                Assert.True(opened, c.ToString());
                Assert.Equal(msg, data);

                byte[] sealedData = msg.ToArray();
                byte[] sealedTag = new byte[PacketAead.TagSize];
                aead.Seal(iv, aad, sealedData, sealedTag);
                Assert.Equal(ct, sealedData);
                Assert.Equal(tag, sealedTag);
            }
            else
            {
                Assert.False(opened, c.ToString());

                // No unauthenticated plaintext is released (checked when it differs from ct).
                if (msg.Length > 0 && !msg.AsSpan().SequenceEqual(ct))
                {
                    Assert.False(data.AsSpan().SequenceEqual(msg), c.ToString());
                }
            }
        }

        Assert.True(applicable > 100, $"only {applicable} applicable cases");
        Assert.Equal(316, applicable);
        Assert.Equal(9, refused);
    }

    [Fact]
    public void Open_in_place_with_a_bad_tag_returns_false()
    {
        var random = new Random(1303);
        byte[] key = new byte[32], nonce = new byte[12], aad = new byte[20], plaintext = new byte[100];
        random.NextBytes(key);
        random.NextBytes(nonce);
        random.NextBytes(aad);
        random.NextBytes(plaintext);
        using PacketAead aead = PacketAead.Create(CipherSuite.ChaCha20Poly1305Sha256, key);
        byte[] data = plaintext.ToArray();
        byte[] tag = new byte[PacketAead.TagSize];
        aead.Seal(nonce, aad, data, tag);
        Assert.NotEqual(plaintext, data);

        for (int bit = 0; bit < 8 * PacketAead.TagSize; bit += 13)
        {
            byte[] attempt = data.ToArray();
            byte[] badTag = tag.ToArray();
            badTag[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.False(aead.Open(nonce, aad, attempt, badTag));
            Assert.False(attempt.AsSpan().SequenceEqual(plaintext));
        }

        byte[] badAad = aad.ToArray();
        badAad[0] ^= 1;
        Assert.False(aead.Open(nonce, badAad, data.ToArray(), tag));

        // The instance is still usable after failures.
        Assert.True(aead.Open(nonce, aad, data, tag));
        Assert.Equal(plaintext, data);
    }
}
