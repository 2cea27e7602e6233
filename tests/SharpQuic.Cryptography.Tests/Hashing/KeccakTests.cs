using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using SharpQuic.Cryptography.Hashing;

namespace SharpQuic.Cryptography.Tests.Hashing;

public sealed class KeccakTests
{
    [Fact]
    public void EmptyInputDigestsMatchFips202Examples()
    {
        Span<byte> d32 = stackalloc byte[32];
        Span<byte> d64 = stackalloc byte[64];

        Keccak.Sha3_256([], d32);
        Assert.Equal("a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a", Convert.ToHexStringLower(d32));

        Keccak.Sha3_512([], d64);
        Assert.Equal(
            "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6"
            + "15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26",
            Convert.ToHexStringLower(d64));

        Keccak.Shake128([], d32);
        Assert.Equal("7f9c2ba4e88f827d616045507605853ed73b8093f6efbc88eb1a6eacfa66ef26", Convert.ToHexStringLower(d32));

        Keccak.Shake256([], d64);
        Assert.Equal(
            "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f"
            + "d75dc4ddd8c0f200cb05019d67b592f6fc821c49479ab48640292eacb3b7c4be",
            Convert.ToHexStringLower(d64));
    }

    [Fact]
    public void Sha3MatchesBclForEveryLengthUpTo500()
    {
        Assert.True(SHA3_256.IsSupported && SHA3_512.IsSupported, "the BCL reference is needed");
        var random = new Random(202);
        byte[] data = new byte[500];
        random.NextBytes(data);
        byte[] ours256 = new byte[32];
        byte[] ours512 = new byte[64];
        for (int length = 0; length <= data.Length; length++)
        {
            ReadOnlySpan<byte> input = data.AsSpan(0, length);
            Keccak.Sha3_256(input, ours256);
            Keccak.Sha3_512(input, ours512);
            Assert.Equal(SHA3_256.HashData(input), ours256);
            Assert.Equal(SHA3_512.HashData(input), ours512);
        }
    }

    [Fact]
    public void ShakeMatchesBclForEveryLengthUpTo500()
    {
        Assert.True(Shake128.IsSupported && Shake256.IsSupported, "the BCL reference is needed");
        var random = new Random(128);
        byte[] data = new byte[500];
        random.NextBytes(data);
        for (int length = 0; length <= data.Length; length++)
        {
            ReadOnlySpan<byte> input = data.AsSpan(0, length);
            int outputLength = random.Next(1, 1001);
            byte[] ours = new byte[outputLength];

            Keccak.Shake128(input, ours);
            Assert.Equal(Shake128.HashData(input, outputLength), ours);

            Keccak.Shake256(input, ours);
            Assert.Equal(Shake256.HashData(input, outputLength), ours);
        }
    }

    [Fact]
    public void IncrementalAbsorbAndSqueezeMatchOneShot()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            byte[] data = new byte[random.Next(0, 1200)];
            random.NextBytes(data);
            int outputLength = random.Next(1, 1001);
            byte[] expected128 = Shake128.HashData(data, outputLength);
            byte[] expected256 = Shake256.HashData(data, outputLength);

            Assert.Equal(expected128, Chunked(KeccakSponge.CreateShake128(), data, outputLength, random));
            Assert.Equal(expected256, Chunked(KeccakSponge.CreateShake256(), data, outputLength, random));
            Assert.Equal(SHA3_256.HashData(data), Chunked(KeccakSponge.CreateSha3_256(), data, 32, random));
            Assert.Equal(SHA3_512.HashData(data), Chunked(KeccakSponge.CreateSha3_512(), data, 64, random));
        }
    }

    [Fact]
    public void FourWayPermutationMatchesScalarOnEachState()
    {
        var random = new Random(1600);
        var scalar = new KeccakLanes[4];
        KeccakLanesX4 vector = default;
        for (int lane = 0; lane < 25; lane++)
        {
            ulong[] values = new ulong[4];
            for (int p = 0; p < 4; p++)
            {
                values[p] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 40);
                scalar[p][lane] = values[p];
            }

            vector[lane] = Vector256.Create(values[0], values[1], values[2], values[3]);
        }

        for (int rounds = 0; rounds < 3; rounds++)
        {
            KeccakF1600X4.Permute(ref vector);
            for (int p = 0; p < 4; p++)
            {
                KeccakF1600.Permute(ref scalar[p]);
            }
        }

        for (int lane = 0; lane < 25; lane++)
        {
            for (int p = 0; p < 4; p++)
            {
                Assert.Equal(scalar[p][lane], vector[lane].GetElement(p));
            }
        }
    }

    [Fact]
    public void AbsorbAfterSqueezeThrows()
    {
        KeccakSponge sponge = KeccakSponge.CreateShake128();
        sponge.Squeeze(new byte[1]);
        bool threw = false;
        try
        {
            sponge.Absorb(new byte[1]);
        }
        catch (InvalidOperationException)
        {
            threw = true;
        }

        Assert.True(threw);
    }

    private static byte[] Chunked(KeccakSponge sponge, byte[] data, int outputLength, Random random)
    {
        int at = 0;
        while (at < data.Length)
        {
            int n = Math.Min(data.Length - at, random.Next(0, 300));
            sponge.Absorb(data.AsSpan(at, n));
            at += n;
        }

        byte[] output = new byte[outputLength];
        at = 0;
        while (at < outputLength)
        {
            int n = Math.Min(outputLength - at, random.Next(0, 400));
            sponge.Squeeze(output.AsSpan(at, n));
            at += n;
        }

        return output;
    }
}
