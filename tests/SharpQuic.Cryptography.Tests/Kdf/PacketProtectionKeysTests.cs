using System.Security.Cryptography;
using SharpQuic.Cryptography.Aead;
using SharpQuic.Cryptography.HeaderProtection;
using SharpQuic.Cryptography.Kdf;

namespace SharpQuic.Cryptography.Tests.Kdf;

/// <summary>
/// Key derivation from traffic secrets (RFC 9001 §5.1, §5.2, §6.1; RFC 9369 §3.3) checked against
/// the RFC 9001 and RFC 9369 Appendix A values, both through HkdfLabel directly and through the
/// keys PacketProtectionKeys builds (compared with the BCL keyed with the RFC's bytes).
/// </summary>
public sealed class PacketProtectionKeysTests
{
    private const string Dcid = "8394c8f03e515708";

    public static TheoryData<string, string, string, string, string, string> InitialVectors => new()
    {
        // version, side, secret, key, iv, hp
        { "v1", "client", "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea", "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2" },
        { "v1", "server", "3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b", "cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314" },
        { "v2", "client", "14ec9d6eb9fd7af83bf5a668bc17a7e283766aade7ecd0891f70f9ff7f4bf47b", "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9" },
        { "v2", "server", "0263db1782731bf4588e7e4d93b7463907cb8cd8200b5da55a8bd488eafc37c1", "82db637861d55e1d011f19ea71d5d2a7", "dd13c276499c0249d3310652", "edf6d05c83121201b436e16877593c3a" },
    };

    // RFC 9001 Appendix A.1, RFC 9369 Appendix A.1.
    [Theory]
    [MemberData(nameof(InitialVectors))]
    public void Initial_secrets_and_keys_match_the_RFC(string version, string side, string secret, string key, string iv, string hp)
    {
        QuicKeyLabels labels = Labels(version);
        byte[] client = new byte[32], server = new byte[32];
        InitialSecrets.Derive(labels, Convert.FromHexString(Dcid), client, server);
        byte[] derivedSecret = side == "client" ? client : server;
        Assert.Equal(secret, Convert.ToHexStringLower(derivedSecret));

        Assert.Equal(key, Expand(derivedSecret, labels.Key, 16));
        Assert.Equal(iv, Expand(derivedSecret, labels.Iv, 12));
        Assert.Equal(hp, Expand(derivedSecret, labels.Hp, 16));

        using PacketProtectionKeys keys = PacketProtectionKeys.FromSecret(CipherSuite.Aes128GcmSha256, derivedSecret, labels);
        Assert.Equal(CipherSuite.Aes128GcmSha256, keys.Suite);

        byte[] nonce = new byte[PacketAead.NonceSize];
        keys.ComputeNonce(0, nonce);
        Assert.Equal(iv, Convert.ToHexStringLower(nonce));

        // The AEAD is keyed with the RFC's key: its output equals the BCL's under that key.
        byte[] aad = Convert.FromHexString("c300000001088394c8f03e5157080000449e00000002");
        byte[] plaintext = new byte[48];
        new Random(2).NextBytes(plaintext);
        byte[] ours = plaintext.ToArray(), ourTag = new byte[16];
        keys.Aead.Seal(nonce, aad, ours, ourTag);
        byte[] theirs = new byte[plaintext.Length], theirTag = new byte[16];
        using (var bcl = new AesGcm(Convert.FromHexString(key), 16))
        {
            bcl.Encrypt(Convert.FromHexString(iv), plaintext, theirs, theirTag, aad);
        }

        Assert.Equal(theirs, ours);
        Assert.Equal(theirTag, ourTag);

        // Header protection is keyed with the RFC's hp: AES-ECB of a sample (RFC 9001 §5.4.3).
        byte[] sample = Convert.FromHexString("d1b1c98dd7689fb8ec11d242b123dc9b");
        byte[] mask = new byte[HeaderProtectionKey.MaskSize];
        keys.HeaderProtection.ComputeMask(sample, mask);
        using var aes = System.Security.Cryptography.Aes.Create();
        aes.Key = Convert.FromHexString(hp);
        byte[] block = aes.EncryptEcb(sample, PaddingMode.None);
        Assert.Equal(block.AsSpan(0, 5).ToArray(), mask);
    }

    // RFC 9001 Appendix A.2: the client Initial's header protection mask.
    [Fact]
    public void Client_initial_mask_matches_RFC9001_A2()
    {
        byte[] client = new byte[32], server = new byte[32];
        InitialSecrets.Derive(QuicKeyLabels.V1, Convert.FromHexString(Dcid), client, server);
        using PacketProtectionKeys keys = PacketProtectionKeys.FromSecret(CipherSuite.Aes128GcmSha256, client, QuicKeyLabels.V1);
        byte[] mask = new byte[HeaderProtectionKey.MaskSize];
        keys.HeaderProtection.ComputeMask(Convert.FromHexString("d1b1c98dd7689fb8ec11d242b123dc9b"), mask);
        Assert.Equal("437b9aec36", Convert.ToHexStringLower(mask));

        // RFC 9001 Appendix A.2 uses packet number 2.
        byte[] nonce = new byte[PacketAead.NonceSize];
        keys.ComputeNonce(2, nonce);
        Assert.Equal("fa044b2f42a3fd3b46fb255e", Convert.ToHexStringLower(nonce));
    }

    // RFC 9001 §5.3: the 62-bit packet number, left-padded to 12 bytes, XORed with the IV.
    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(654360564UL)]
    [InlineData(0x0102030405060708UL)]
    [InlineData((1UL << 62) - 1)]
    public void ComputeNonce_xors_the_packet_number_into_the_iv(ulong packetNumber)
    {
        byte[] secret = Convert.FromHexString("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
        using PacketProtectionKeys keys = PacketProtectionKeys.FromSecret(CipherSuite.ChaCha20Poly1305Sha256, secret, QuicKeyLabels.V1);
        byte[] iv = Convert.FromHexString("e0459b3474bdd0e44a41c144");
        byte[] expected = iv.ToArray();
        for (int i = 0; i < 8; i++)
        {
            expected[11 - i] ^= (byte)(packetNumber >> (8 * i));
        }

        byte[] nonce = new byte[PacketAead.NonceSize];
        keys.ComputeNonce(packetNumber, nonce);
        Assert.Equal(expected, nonce);
    }

    // RFC 9001 Appendix A.5 (v1) and RFC 9369 Appendix A.5 (v2): the key-update secret.
    [Theory]
    [InlineData("v1", "1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9")]
    [InlineData("v2", "c69374c49e3d2a9466fa689e49d476db5d0dfbc87d32ceeaa6343fd0ae4c7d88")]
    public void NextSecret_matches_the_RFC_ku(string version, string ku)
    {
        byte[] secret = Convert.FromHexString("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
        byte[] next = new byte[32];
        PacketProtectionKeys.NextSecret(CipherSuite.ChaCha20Poly1305Sha256, secret, Labels(version), next);
        Assert.Equal(ku, Convert.ToHexStringLower(next));
    }

    // RFC 9001 Appendix A.5 derived values under the ChaCha20 suite's 32-byte keys.
    [Fact]
    public void ChaCha_secret_derives_the_RFC9001_A5_key_iv_and_hp()
    {
        byte[] secret = Convert.FromHexString("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
        Assert.Equal("c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8", Expand(secret, QuicKeyLabels.V1.Key, 32));
        Assert.Equal("e0459b3474bdd0e44a41c144", Expand(secret, QuicKeyLabels.V1.Iv, 12));
        Assert.Equal("25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4", Expand(secret, QuicKeyLabels.V1.Hp, 32));
        Assert.Equal("1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9", Expand(secret, QuicKeyLabels.V1.KeyUpdate, 32));
    }

    // RFC 9001 §6.1: a key update changes the AEAD key and IV, never the header protection key.
    [Fact]
    public void NextGeneration_keeps_header_protection_and_changes_key_and_iv()
    {
        CipherSuite suite = CipherSuite.ChaCha20Poly1305Sha256;
        byte[] secret = Convert.FromHexString("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
        byte[] ku = new byte[32];
        PacketProtectionKeys.NextSecret(suite, secret, QuicKeyLabels.V1, ku);

        using PacketProtectionKeys current = PacketProtectionKeys.FromSecret(suite, secret, QuicKeyLabels.V1);
        byte[] oldNonce = new byte[12], newNonce = new byte[12];
        current.ComputeNonce(7, oldNonce);
        byte[] oldData = new byte[32], oldTag = new byte[16];
        current.Aead.Seal(oldNonce, default, oldData, oldTag);

        using (PacketProtectionKeys next = current.NextGeneration(ku, QuicKeyLabels.V1))
        {
            Assert.Same(current.HeaderProtection, next.HeaderProtection);
            Assert.NotSame(current.Aead, next.Aead);

            byte[] nextIv = Convert.FromHexString(Expand(ku, QuicKeyLabels.V1.Iv, 12));
            next.ComputeNonce(0, newNonce);
            Assert.Equal(nextIv, newNonce);
            Assert.NotEqual("e0459b3474bdd0e44a41c144", Convert.ToHexStringLower(newNonce));

            next.ComputeNonce(7, newNonce);
            byte[] newData = new byte[32], newTag = new byte[16];
            next.Aead.Seal(newNonce, default, newData, newTag);
            byte[] expected = new byte[32], expectedTag = new byte[16];
            using (var bcl = new ChaCha20Poly1305(Convert.FromHexString(Expand(ku, QuicKeyLabels.V1.Key, 32))))
            {
                bcl.Encrypt(newNonce, new byte[32], expected, expectedTag);
            }

            Assert.Equal(expected, newData);
            Assert.Equal(expectedTag, newTag);
            Assert.NotEqual(oldData, newData);
        }

        // Disposing the next generation leaves the shared header protection usable.
        byte[] mask = new byte[5];
        current.HeaderProtection.ComputeMask(Convert.FromHexString("5e5cd55c41f69080575d7999c25a5bfb"), mask);
        Assert.Equal("aefefe7d03", Convert.ToHexStringLower(mask));
    }

    private static QuicKeyLabels Labels(string version) => version == "v1" ? QuicKeyLabels.V1 : QuicKeyLabels.V2;

    private static string Expand(byte[] secret, byte[] label, int length)
    {
        byte[] output = new byte[length];
        HkdfLabel.Expand(HashAlgorithmName.SHA256, secret, label, default, output);
        return Convert.ToHexStringLower(output);
    }
}
