using System.Text.Json;
using SharpQuic.Cryptography.KeyExchange.MLKem;

namespace SharpQuic.Cryptography.Tests.KeyExchange.MLKem;

/// <summary>
/// Every case of the four Wycheproof ML-KEM-768 files, run on the managed implementation
/// (the platform's is not available on OpenSSL 3.0 and is tested by its vendor). Each test
/// asserts that it ran as many cases as the file's numberOfTests: none is skipped.
/// </summary>
public sealed class MLKemWycheproofTests
{
    [Fact]
    public void KeyGenFromSeed()
    {
        const string file = "mlkem_768_keygen_seed_test.json";
        var failures = new List<string>();
        int run = 0;
        byte[] ek = new byte[MLKem768.EncapsulationKeySize];
        byte[] dk = new byte[MLKem768.DecapsulationKeySize];
        foreach (WycheproofCase c in Wycheproof.Load(file))
        {
            run++;
            Assert.Equal("valid", c.Result);
            MLKem768Managed.KeyGenFromSeed(c.Hex("seed"), ek, dk);
            if (!ek.AsSpan().SequenceEqual(c.Hex("ek")) || !dk.AsSpan().SequenceEqual(c.Hex("dk")))
            {
                failures.Add(c.ToString());
            }
        }

        Assert.Empty(failures);
        Assert.Equal(NumberOfTests(file), run);
    }

    [Fact]
    public void Encapsulate()
    {
        const string file = "mlkem_768_encaps_test.json";
        var failures = new List<string>();
        int run = 0;
        int rejected = 0;
        byte[] ct = new byte[MLKem768.CiphertextSize];
        byte[] ss = new byte[MLKem768.SharedSecretSize];
        foreach (WycheproofCase c in Wycheproof.Load(file))
        {
            run++;
            byte[] ek = c.Hex("ek");
            bool ok = MLKem768Managed.TryEncapsulate(ek, c.Hex("m"), ct, ss);
            bool pass = c.Result switch
            {
                "valid" => ok && ct.AsSpan().SequenceEqual(c.Hex("c")) && ss.AsSpan().SequenceEqual(c.Hex("K")),

                // Wrong lengths, "Public key not reduced" and the ModulusOverflow flag: the type
                // and modulus checks of FIPS 203 §7.2 must reject them.
                "invalid" => !ok && !MLKem768Managed.IsValidEncapsulationKey(ek),
                _ => false,
            };
            rejected += ok ? 0 : 1;
            if (!pass)
            {
                failures.Add(c.ToString());
            }
        }

        Assert.Empty(failures);
        Assert.Equal(NumberOfTests(file), run);
        Assert.Equal(132, rejected);
    }

    [Fact]
    public void DecapsulateWithExpandedKey()
    {
        const string file = "mlkem_768_semi_expanded_decaps_test.json";
        var failures = new List<string>();
        int run = 0;
        byte[] ss = new byte[MLKem768.SharedSecretSize];
        foreach (WycheproofCase c in Wycheproof.Load(file))
        {
            run++;
            bool ok = MLKem768Managed.TryDecapsulate(c.Hex("dk"), c.Hex("c"), ss);
            bool pass = c.Result switch
            {
                // MalleableCiphertext cases are valid: decapsulation must give K.
                "valid" => ok && ss.AsSpan().SequenceEqual(c.Hex("K")),

                // IncorrectCiphertextLength, IncorrectDecapsulationKeyLength, and
                // InvalidDecapsulationKey (hash check of FIPS 203 §7.3).
                "invalid" => !ok,
                _ => false,
            };
            if (!pass)
            {
                failures.Add(c.ToString());
            }
        }

        Assert.Empty(failures);
        Assert.Equal(NumberOfTests(file), run);
    }

    [Fact]
    public void KeyGenThenDecapsulate()
    {
        const string file = "mlkem_768_test.json";
        var failures = new List<string>();
        int run = 0;
        byte[] ek = new byte[MLKem768.EncapsulationKeySize];
        byte[] dk = new byte[MLKem768.DecapsulationKeySize];
        byte[] ss = new byte[MLKem768.SharedSecretSize];
        foreach (WycheproofCase c in Wycheproof.Load(file))
        {
            run++;
            byte[] seed = c.Hex("seed");
            if (seed.Length != MLKem768.SeedSize)
            {
                // "Private key too short/long": the seed is the private key; it must be refused.
                bool refused = c.Result == "invalid"
                    && Assert.Throws<ArgumentException>(() => MLKem768Managed.KeyGenFromSeed(seed, ek, dk)) is not null;
                if (!refused)
                {
                    failures.Add(c.ToString());
                }

                continue;
            }

            MLKem768Managed.KeyGenFromSeed(seed, ek, dk);
            bool keyOk = !c.Has("ek") || ek.AsSpan().SequenceEqual(c.Hex("ek"));
            bool ok = MLKem768Managed.TryDecapsulate(dk, c.Hex("c"), ss);
            bool pass = c.Result switch
            {
                // Includes the Strcmp, random and bit-flipped ciphertexts: implicit rejection.
                "valid" => keyOk && ok && ss.AsSpan().SequenceEqual(c.Hex("K")),

                // "Ciphertext too short/long".
                "invalid" => keyOk && !ok,
                _ => false,
            };
            if (!pass)
            {
                failures.Add(c.ToString());
            }
        }

        Assert.Empty(failures);
        Assert.Equal(NumberOfTests(file), run);
    }

    private static int NumberOfTests(string fileName)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "vectors", "wycheproof", fileName);
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.GetProperty("numberOfTests").GetInt32();
    }
}
