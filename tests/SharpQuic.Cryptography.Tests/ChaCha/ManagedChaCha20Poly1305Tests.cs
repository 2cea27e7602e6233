using System.Security.Cryptography;
using SharpQuic.Cryptography.Aead;
using SharpQuic.Cryptography.ChaCha;

namespace SharpQuic.Cryptography.Tests.ChaCha;

public sealed class ManagedChaCha20Poly1305Tests
{
    // RFC 8439 §2.8.2 is Wycheproof tcId 1; this runs every applicable case on the managed AEAD.
    [Fact]
    public void Passes_every_applicable_Wycheproof_case()
    {
        int applicable = 0;
        foreach (WycheproofCase c in Wycheproof.Load("chacha20_poly1305_test.json"))
        {
            using var aead = new ManagedChaCha20Poly1305Aead(c.Hex("key"));
            byte[] iv = c.Hex("iv"), aad = c.Hex("aad"), msg = c.Hex("msg"), ct = c.Hex("ct"), tag = c.Hex("tag");
            if (c.Int("ivSize") != 96)
            {
                Assert.Throws<ArgumentException>(() => aead.Seal(iv, aad, msg.ToArray(), new byte[16]));
                Assert.Throws<ArgumentException>(() => aead.Open(iv, aad, ct.ToArray(), tag));
                continue;
            }

            applicable++;
            byte[] data = ct.ToArray();
            bool opened = aead.Open(iv, aad, data, tag);
            if (c.Result == "valid")
            {
                Assert.True(opened, c.ToString());
                Assert.Equal(msg, data);
                byte[] sealedTag = new byte[16];
                aead.Seal(iv, aad, data, sealedTag);
                Assert.Equal(ct, data);
                Assert.Equal(tag, sealedTag);
            }
            else
            {
                Assert.False(opened, c.ToString());
                Assert.Equal(ct, data); // verified before decrypting: untouched
            }
        }

        Assert.Equal(316, applicable);
    }

    [Fact]
    public void Agrees_with_the_BCL_at_every_length()
    {
        if (!ChaCha20Poly1305.IsSupported)
        {
            return; // Nothing to compare against on this platform (xunit 2 has no dynamic skip).
        }

        var random = new Random(8439);
        byte[] key = new byte[32], nonce = new byte[12];
        random.NextBytes(key);
        using var ours = new ManagedChaCha20Poly1305Aead(key);
        using var bcl = new ChaCha20Poly1305(key);
        for (int length = 0; length <= 1500; length += length < 200 ? 1 : 97)
        {
            random.NextBytes(nonce);
            byte[] aad = new byte[length % 41];
            random.NextBytes(aad);
            byte[] plaintext = new byte[length];
            random.NextBytes(plaintext);

            byte[] expected = new byte[length], expectedTag = new byte[16];
            bcl.Encrypt(nonce, plaintext, expected, expectedTag, aad);
            byte[] data = plaintext.ToArray(), tag = new byte[16];
            ours.Seal(nonce, aad, data, tag);
            Assert.Equal(expected, data);
            Assert.Equal(expectedTag, tag);

            Assert.True(ours.Open(nonce, aad, data, tag));
            Assert.Equal(plaintext, data);
        }
    }

    [Fact]
    public void Factory_uses_the_managed_AEAD()
    {
        using PacketAead aead = PacketAead.Create(CipherSuite.ChaCha20Poly1305Sha256, new byte[32]);
        Assert.IsType<ManagedChaCha20Poly1305Aead>(aead);
    }

    [Fact]
    public void Bad_tag_leaves_the_ciphertext_in_place()
    {
        byte[] key = new byte[32], nonce = new byte[12];
        new Random(3).NextBytes(key);
        using PacketAead aead = new ManagedChaCha20Poly1305Aead(key);
        byte[] data = new byte[40], tag = new byte[16];
        aead.Seal(nonce, default, data, tag);
        byte[] ciphertext = data.ToArray();
        tag[15] ^= 0x80;
        Assert.False(aead.Open(nonce, default, data, tag));
        Assert.Equal(ciphertext, data);
        Assert.Throws<ArgumentException>(() => aead.Open(nonce, default, data, tag.AsSpan(0, 12)));
    }
}
