namespace SharpQuic.Cryptography.Hashing;

/// <summary>One-shot FIPS 202 functions over <see cref="KeccakSponge"/>; they allocate nothing.</summary>
internal static class Keccak
{
    /// <summary>SHA3-256 digest size in bytes.</summary>
    public const int Sha3_256Size = 32;

    /// <summary>SHA3-512 digest size in bytes.</summary>
    public const int Sha3_512Size = 64;

    /// <summary>SHA3-256(<paramref name="data"/>) into the first 32 bytes of <paramref name="digest"/>.</summary>
    public static void Sha3_256(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        KeccakSponge sponge = KeccakSponge.CreateSha3_256();
        sponge.Absorb(data);
        sponge.Squeeze(digest.Slice(0, Sha3_256Size));
        sponge.Clear();
    }

    /// <summary>SHA3-512(<paramref name="data"/>) into the first 64 bytes of <paramref name="digest"/>.</summary>
    public static void Sha3_512(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        KeccakSponge sponge = KeccakSponge.CreateSha3_512();
        sponge.Absorb(data);
        sponge.Squeeze(digest.Slice(0, Sha3_512Size));
        sponge.Clear();
    }

    /// <summary>SHAKE128(<paramref name="data"/>, 8·output.Length).</summary>
    public static void Shake128(ReadOnlySpan<byte> data, Span<byte> output)
    {
        KeccakSponge sponge = KeccakSponge.CreateShake128();
        sponge.Absorb(data);
        sponge.Squeeze(output);
        sponge.Clear();
    }

    /// <summary>SHAKE256(<paramref name="data"/>, 8·output.Length).</summary>
    public static void Shake256(ReadOnlySpan<byte> data, Span<byte> output)
    {
        KeccakSponge sponge = KeccakSponge.CreateShake256();
        sponge.Absorb(data);
        sponge.Squeeze(output);
        sponge.Clear();
    }
}
