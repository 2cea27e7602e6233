using System.Security.Cryptography;
using SharpQuic.Cryptography.KeyExchange.MLKem;

namespace SharpQuic.Cryptography.Tests.KeyExchange.MLKem;

/// <summary>Round trips, implicit rejection, input checks and allocation of the managed ML-KEM-768.</summary>
public sealed class MLKem768Tests
{
    [Fact]
    public void RandomRoundTripsAgree()
    {
        byte[] ek = new byte[MLKem768.EncapsulationKeySize];
        byte[] dk = new byte[MLKem768.DecapsulationKeySize];
        byte[] ct = new byte[MLKem768.CiphertextSize];
        byte[] sent = new byte[MLKem768.SharedSecretSize];
        byte[] received = new byte[MLKem768.SharedSecretSize];
        var distinct = new HashSet<string>();
        for (int i = 0; i < 200; i++)
        {
            MLKem768Managed.GenerateKeyPair(ek, dk);
            Assert.True(MLKem768Managed.TryEncapsulate(ek, ct, sent));
            Assert.True(MLKem768Managed.TryDecapsulate(dk, ct, received));
            Assert.Equal(sent, received);
            distinct.Add(Convert.ToHexString(sent));
        }

        Assert.Equal(200, distinct.Count);
    }

    [Fact]
    public void FlippedCiphertextBitGivesTheImplicitRejectionKey()
    {
        var random = new Random(203);
        byte[] seed = new byte[MLKem768.SeedSize];
        byte[] ek = new byte[MLKem768.EncapsulationKeySize];
        byte[] dk = new byte[MLKem768.DecapsulationKeySize];
        byte[] ct = new byte[MLKem768.CiphertextSize];
        byte[] sent = new byte[MLKem768.SharedSecretSize];
        byte[] received = new byte[MLKem768.SharedSecretSize];
        for (int trial = 0; trial < 20; trial++)
        {
            random.NextBytes(seed);
            MLKem768Managed.KeyGenFromSeed(seed, ek, dk);
            Assert.True(MLKem768Managed.TryEncapsulate(ek, ct, sent));

            int bit = random.Next(ct.Length * 8);
            ct[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.True(MLKem768Managed.TryDecapsulate(dk, ct, received));

            Assert.NotEqual(sent, received);
            byte[] zc = [.. seed.AsSpan(32, 32), .. ct];
            Assert.Equal(Shake256.HashData(zc, 32), received);
        }
    }

    [Fact]
    public void KeyGenFromSeedLaysOutTheDecapsulationKey()
    {
        byte[] seed = RandomNumberGenerator.GetBytes(MLKem768.SeedSize);
        byte[] ek = new byte[MLKem768.EncapsulationKeySize];
        byte[] dk = new byte[MLKem768.DecapsulationKeySize];
        MLKem768Managed.KeyGenFromSeed(seed, ek, dk);

        // dk = dk_PKE (1152) ‖ ek (1184) ‖ H(ek) (32) ‖ z (32), FIPS 203 Algorithm 16.
        Assert.Equal(ek, dk.AsSpan(1152, 1184).ToArray());
        Assert.Equal(SHA3_256.HashData(ek), dk.AsSpan(2336, 32).ToArray());
        Assert.Equal(seed.AsSpan(32).ToArray(), dk.AsSpan(2368).ToArray());
        Assert.True(MLKem768Managed.IsValidEncapsulationKey(ek));
        Assert.True(MLKem768Managed.IsValidDecapsulationKey(dk));
    }

    [Fact]
    public void UnreducedEncapsulationKeyCoefficientIsRejected()
    {
        byte[] ek = new byte[MLKem768.EncapsulationKeySize];
        byte[] dk = new byte[MLKem768.DecapsulationKeySize];
        MLKem768Managed.GenerateKeyPair(ek, dk);
        byte[] ct = new byte[MLKem768.CiphertextSize];
        byte[] ss = new byte[MLKem768.SharedSecretSize];

        // Coefficient 511 (the second of the triple at bytes 765..767) set to q = 3329 = 0xD01.
        ek[766] = (byte)((ek[766] & 0x0F) | 0x10);
        ek[767] = 0xD0;
        Assert.False(MLKem768Managed.TryEncapsulate(ek, ct, ss));

        // q - 1 is accepted.
        ek[766] = (byte)(ek[766] & 0x0F);
        Assert.True(MLKem768Managed.TryEncapsulate(ek, ct, ss));
        Assert.False(MLKem768Managed.TryEncapsulate(ek.AsSpan(0, 1183), ct, ss));
    }

    [Fact]
    public void MalformedDecapsulationInputsAreRejected()
    {
        byte[] ek = new byte[MLKem768.EncapsulationKeySize];
        byte[] dk = new byte[MLKem768.DecapsulationKeySize];
        byte[] ct = new byte[MLKem768.CiphertextSize + 1];
        byte[] ss = new byte[MLKem768.SharedSecretSize];
        MLKem768Managed.GenerateKeyPair(ek, dk);
        Assert.True(MLKem768Managed.TryEncapsulate(ek, ct, ss));

        Assert.True(MLKem768Managed.TryDecapsulate(dk, ct.AsSpan(0, MLKem768.CiphertextSize), ss));
        Assert.False(MLKem768Managed.TryDecapsulate(dk, ct, ss));
        Assert.False(MLKem768Managed.TryDecapsulate(dk, ct.AsSpan(0, MLKem768.CiphertextSize - 1), ss));
        Assert.False(MLKem768Managed.TryDecapsulate(dk.AsSpan(1), ct.AsSpan(0, MLKem768.CiphertextSize), ss));

        dk[2000] ^= 1;  // inside the embedded ek: the hash check fails.
        Assert.False(MLKem768Managed.TryDecapsulate(dk, ct.AsSpan(0, MLKem768.CiphertextSize), ss));
    }

    [Fact]
    public void CallerBugsThrow()
    {
        byte[] ek = new byte[MLKem768.EncapsulationKeySize];
        byte[] dk = new byte[MLKem768.DecapsulationKeySize];
        Assert.Throws<ArgumentException>(() => MLKem768Managed.KeyGenFromSeed(new byte[63], ek, dk));
        Assert.Throws<ArgumentException>(() => MLKem768Managed.KeyGenFromSeed(new byte[64], new byte[1183], dk));
        MLKem768Managed.GenerateKeyPair(ek, dk);
        Assert.Throws<ArgumentException>(() => MLKem768Managed.TryEncapsulate(ek, new byte[1087], new byte[32]));
        Assert.Throws<ArgumentException>(() => MLKem768Managed.TryEncapsulate(ek, new byte[31], new byte[1088], new byte[32]));
        Assert.Throws<ArgumentException>(() => MLKem768Managed.TryDecapsulate(dk, new byte[1088], new byte[31]));
    }

    [Fact]
    public void ProviderAgreesWithManaged()
    {
        Assert.Equal(System.Security.Cryptography.MLKem.IsSupported, MLKem768.UsesPlatform);
        byte[] ek = new byte[MLKem768.EncapsulationKeySize];
        byte[] dk = new byte[MLKem768.DecapsulationKeySize];
        byte[] ct = new byte[MLKem768.CiphertextSize];
        byte[] sent = new byte[MLKem768.SharedSecretSize];
        byte[] received = new byte[MLKem768.SharedSecretSize];
        MLKem768.GenerateKeyPair(ek, dk);
        Assert.True(MLKem768.TryEncapsulate(ek, ct, sent));
        Assert.True(MLKem768Managed.TryDecapsulate(dk, ct, received));
        Assert.Equal(sent, received);
        Assert.True(MLKem768.TryDecapsulate(dk, ct, received));
        Assert.Equal(sent, received);
        Assert.False(MLKem768.TryEncapsulate(ek.AsSpan(1), ct, sent));
        Assert.False(MLKem768.TryDecapsulate(dk, ct.AsSpan(1), received));
    }

    [Fact]
    public void EncapsulateAndDecapsulateAllocateNothing()
    {
        byte[] ek = new byte[MLKem768.EncapsulationKeySize];
        byte[] dk = new byte[MLKem768.DecapsulationKeySize];
        byte[] ct = new byte[MLKem768.CiphertextSize];
        byte[] sent = new byte[MLKem768.SharedSecretSize];
        byte[] received = new byte[MLKem768.SharedSecretSize];
        MLKem768Managed.GenerateKeyPair(ek, dk);
        Assert.True(MLKem768Managed.TryEncapsulate(ek, ct, sent));  // warm up (type initialisers, JIT)
        Assert.True(MLKem768Managed.TryDecapsulate(dk, ct, received));

        long before = GC.GetAllocatedBytesForCurrentThread();
        bool all = true;
        for (int i = 0; i < 20; i++)
        {
            all &= MLKem768Managed.TryEncapsulate(ek, ct, sent);
            all &= MLKem768Managed.TryDecapsulate(dk, ct, received);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(all);
        Assert.Equal(0, allocated);
        Assert.Equal(sent, received);
    }
}
