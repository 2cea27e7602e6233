using System.Security.Cryptography;

namespace SharpQuic.Cryptography.Tests.Kdf;

/// <summary>
/// The primitives HkdfLabel and InitialSecrets are built on (HKDF.Extract and HKDF.Expand with
/// SHA-256) against every Wycheproof HKDF-SHA256 case.
/// </summary>
public sealed class HkdfWycheproofTests
{
    [Fact]
    public void Extract_then_expand_passes_every_Wycheproof_case()
    {
        int valid = 0, invalid = 0;
        foreach (WycheproofCase c in Wycheproof.Load("hkdf_sha256_test.json"))
        {
            byte[] ikm = c.Hex("ikm"), salt = c.Hex("salt"), info = c.Hex("info");
            int size = c.Int("size");
            byte[] prk = new byte[32];
            Assert.Equal(32, HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt, prk));
            byte[] okm = new byte[size];
            if (c.Result == "valid")
            {
                HKDF.Expand(HashAlgorithmName.SHA256, prk, okm, info);
                Assert.Equal(c.String("okm"), Convert.ToHexStringLower(okm));
                valid++;
            }
            else
            {
                // RFC 5869 §2.3: L <= 255 * HashLen.
                Assert.True(c.HasFlag("SizeTooLarge"), c.ToString());
                Assert.ThrowsAny<ArgumentException>(() => HKDF.Expand(HashAlgorithmName.SHA256, prk, okm, info));
                invalid++;
            }
        }

        Assert.Equal(83, valid);
        Assert.Equal(3, invalid);
    }
}
