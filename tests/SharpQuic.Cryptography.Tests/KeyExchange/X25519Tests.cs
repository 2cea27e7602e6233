using System.Security.Cryptography;
using SharpQuic.Cryptography.KeyExchange;
using Xunit.Abstractions;

namespace SharpQuic.Cryptography.Tests.KeyExchange;

public sealed class X25519Tests(ITestOutputHelper output)
{
    private const string WycheproofFile = "x25519_test.json";

    // RFC 7748 §5.2, the two scalar / u-coordinate pairs.
    [Theory]
    [InlineData(
        "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
        "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552")]
    [InlineData(
        "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
        "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
        "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957")]
    public void Computes_the_RFC7748_section_5_2_vectors(string scalar, string u, string expected)
    {
        byte[] result = new byte[X25519.KeySize];
        Assert.True(X25519.TrySharedSecret(Convert.FromHexString(scalar), Convert.FromHexString(u), result));
        Assert.Equal(expected, Convert.ToHexStringLower(result));
    }

    // RFC 7748 §5.2, iterated: k = u = 9; repeat (k, u) = (X25519(k, u), k).
    [Theory]
    [InlineData(1, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")]
    [InlineData(1000, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")]
    public void Computes_the_RFC7748_iterated_vector(int iterations, string expected)
    {
        byte[] k = new byte[X25519.KeySize];
        byte[] u = new byte[X25519.KeySize];
        byte[] r = new byte[X25519.KeySize];
        k[0] = 9;
        u[0] = 9;
        for (int i = 0; i < iterations; i++)
        {
            Assert.True(X25519.TrySharedSecret(k, u, r));
            (u, k, r) = (k, r, u);
        }

        Assert.Equal(expected, Convert.ToHexStringLower(k));
    }

    // RFC 7748 §6.1, Alice and Bob.
    [Fact]
    public void Computes_the_RFC7748_section_6_1_exchange()
    {
        byte[] alicePrivate = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        byte[] bobPrivate = Convert.FromHexString("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
        byte[] alicePublic = new byte[X25519.KeySize];
        byte[] bobPublic = new byte[X25519.KeySize];

        X25519.DerivePublicKey(alicePrivate, alicePublic);
        X25519.DerivePublicKey(bobPrivate, bobPublic);
        Assert.Equal("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", Convert.ToHexStringLower(alicePublic));
        Assert.Equal("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", Convert.ToHexStringLower(bobPublic));

        byte[] aliceShared = new byte[X25519.KeySize];
        byte[] bobShared = new byte[X25519.KeySize];
        Assert.True(X25519.TrySharedSecret(alicePrivate, bobPublic, aliceShared));
        Assert.True(X25519.TrySharedSecret(bobPrivate, alicePublic, bobShared));
        const string Expected = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
        Assert.Equal(Expected, Convert.ToHexStringLower(aliceShared));
        Assert.Equal(Expected, Convert.ToHexStringLower(bobShared));
    }

    [Fact]
    public void Passes_every_Wycheproof_case()
    {
        using JsonDocumentCount count = new(WycheproofFile);
        int ran = 0, zeroRejected = 0, nonCanonical = 0;
        byte[] shared = new byte[X25519.KeySize];
        foreach (WycheproofCase c in Wycheproof.Load(WycheproofFile))
        {
            byte[] privateKey = c.Hex("private");
            byte[] publicKey = c.Hex("public");
            byte[] expected = c.Hex("shared");
            bool ok = X25519.TrySharedSecret(privateKey, publicKey, shared);

            if (c.Result == "invalid")
            {
                Assert.False(ok, c.ToString());
            }
            else if (expected.AsSpan().IndexOfAnyExcept((byte)0) < 0)
            {
                // RFC 7748 §6.1: an all-zero result means a small-order peer key; TLS aborts.
                Assert.True(c.HasFlag("ZeroSharedSecret"), c.ToString());
                Assert.False(ok, c.ToString());
                Assert.True(shared.AsSpan().IndexOfAnyExcept((byte)0) < 0, c.ToString());
                zeroRejected++;
            }
            else
            {
                Assert.True(ok, c.ToString());
                Assert.Equal(Convert.ToHexStringLower(expected), Convert.ToHexStringLower(shared));
            }

            if (c.HasFlag("NonCanonicalPublic"))
            {
                nonCanonical++;
            }

            ran++;
        }

        output.WriteLine($"Wycheproof x25519: {ran} cases ran ({zeroRejected} all-zero results rejected, {nonCanonical} non-canonical public keys).");
        Assert.Equal(count.NumberOfTests, ran);
        Assert.True(zeroRejected > 0);
        Assert.True(nonCanonical > 0);
    }

    [Fact]
    public void Random_key_pairs_agree_both_ways()
    {
        Span<byte> a = stackalloc byte[X25519.KeySize];
        Span<byte> b = stackalloc byte[X25519.KeySize];
        Span<byte> publicA = stackalloc byte[X25519.KeySize];
        Span<byte> publicB = stackalloc byte[X25519.KeySize];
        Span<byte> sharedAb = stackalloc byte[X25519.KeySize];
        Span<byte> sharedBa = stackalloc byte[X25519.KeySize];
        for (int i = 0; i < 200; i++)
        {
            X25519.GeneratePrivateKey(a);
            X25519.GeneratePrivateKey(b);
            X25519.DerivePublicKey(a, publicA);
            X25519.DerivePublicKey(b, publicB);
            Assert.False(publicA.SequenceEqual(publicB));

            Assert.True(X25519.TrySharedSecret(a, publicB, sharedAb));
            Assert.True(X25519.TrySharedSecret(b, publicA, sharedBa));
            Assert.True(sharedAb.SequenceEqual(sharedBa), $"pair {i}");
        }
    }

    [Fact]
    public void Public_key_matches_the_base_point_ladder()
    {
        // DerivePublicKey is defined as X25519(k, 9) (RFC 7748 §6.1).
        byte[] k = RandomNumberGenerator.GetBytes(X25519.KeySize);
        byte[] nine = new byte[X25519.KeySize];
        nine[0] = 9;
        byte[] viaDerive = new byte[X25519.KeySize];
        byte[] viaShared = new byte[X25519.KeySize];
        X25519.DerivePublicKey(k, viaDerive);
        Assert.True(X25519.TrySharedSecret(k, nine, viaShared));
        Assert.Equal(viaShared, viaDerive);
    }

    [Fact]
    public void Scalar_is_clamped()
    {
        // decodeScalar25519 ignores the three low bits and the top bit and sets bit 254, so
        // keys that differ only there give the same public key (RFC 7748 §5).
        byte[] k = RandomNumberGenerator.GetBytes(X25519.KeySize);
        byte[] variant = (byte[])k.Clone();
        variant[0] ^= 0x07;
        variant[31] ^= 0xC0;
        byte[] p1 = new byte[X25519.KeySize];
        byte[] p2 = new byte[X25519.KeySize];
        X25519.DerivePublicKey(k, p1);
        X25519.DerivePublicKey(variant, p2);
        Assert.Equal(p1, p2);
    }

    [Fact]
    public void Top_bit_of_the_peer_u_coordinate_is_ignored()
    {
        byte[] k = RandomNumberGenerator.GetBytes(X25519.KeySize);
        byte[] peer = new byte[X25519.KeySize];
        X25519.DerivePublicKey(RandomNumberGenerator.GetBytes(X25519.KeySize), peer);
        byte[] flipped = (byte[])peer.Clone();
        flipped[31] ^= 0x80;
        byte[] s1 = new byte[X25519.KeySize];
        byte[] s2 = new byte[X25519.KeySize];
        Assert.True(X25519.TrySharedSecret(k, peer, s1));
        Assert.True(X25519.TrySharedSecret(k, flipped, s2));
        Assert.Equal(s1, s2);
    }

    [Fact]
    public void Output_may_overlap_the_inputs()
    {
        byte[] k = RandomNumberGenerator.GetBytes(X25519.KeySize);
        byte[] peer = new byte[X25519.KeySize];
        X25519.DerivePublicKey(RandomNumberGenerator.GetBytes(X25519.KeySize), peer);
        byte[] expected = new byte[X25519.KeySize];
        Assert.True(X25519.TrySharedSecret(k, peer, expected));

        byte[] inPlaceKey = (byte[])k.Clone();
        Assert.True(X25519.TrySharedSecret(inPlaceKey, peer, inPlaceKey));
        Assert.Equal(expected, inPlaceKey);

        byte[] inPlacePeer = (byte[])peer.Clone();
        Assert.True(X25519.TrySharedSecret(k, inPlacePeer, inPlacePeer));
        Assert.Equal(expected, inPlacePeer);
    }

    [Theory]
    [InlineData(31, 32, 32)]
    [InlineData(33, 32, 32)]
    [InlineData(32, 0, 32)]
    [InlineData(32, 31, 32)]
    [InlineData(32, 65, 32)]
    [InlineData(32, 32, 16)]
    public void Rejects_wrong_lengths(int privateLength, int publicLength, int sharedLength)
    {
        byte[] privateKey = RandomNumberGenerator.GetBytes(privateLength);
        byte[] publicKey = new byte[publicLength];
        publicKey.AsSpan().Fill(0x42);
        byte[] shared = new byte[sharedLength];
        Assert.False(X25519.TrySharedSecret(privateKey, publicKey, shared));
    }

    [Fact]
    public void Shared_secret_does_not_allocate()
    {
        byte[] a = RandomNumberGenerator.GetBytes(X25519.KeySize);
        byte[] peer = new byte[X25519.KeySize];
        X25519.DerivePublicKey(RandomNumberGenerator.GetBytes(X25519.KeySize), peer);
        byte[] shared = new byte[X25519.KeySize];
        Assert.True(X25519.TrySharedSecret(a, peer, shared)); // JIT warm-up

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            X25519.TrySharedSecret(a, peer, shared);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    /// <summary>Reads the file's own "numberOfTests" so the case count is checked against it.</summary>
    private sealed class JsonDocumentCount : IDisposable
    {
        private readonly System.Text.Json.JsonDocument _document;

        public JsonDocumentCount(string fileName)
        {
            string path = Path.Combine(AppContext.BaseDirectory, "vectors", "wycheproof", fileName);
            _document = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
        }

        public int NumberOfTests => _document.RootElement.GetProperty("numberOfTests").GetInt32();

        public void Dispose() => _document.Dispose();
    }
}
