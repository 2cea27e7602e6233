using System.Numerics;
using System.Security.Cryptography;
using SharpQuic.Cryptography.KeyExchange;

namespace SharpQuic.Cryptography.Tests.KeyExchange;

/// <summary>Field25519 checked against System.Numerics.BigInteger arithmetic mod 2^255 - 19.</summary>
public sealed class X25519FieldTests
{
    private static readonly BigInteger P = (BigInteger.One << 255) - 19;
    private const ulong Mask51 = (1UL << 51) - 1;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(18)]
    public void Encodings_from_p_upwards_reduce_to_their_residue(int k)
    {
        // RFC 7748 §5: u-coordinates p .. 2^255 - 1 are non-canonical and must be reduced.
        Span<byte> encoded = stackalloc byte[32];
        ToLittleEndian(P + k, encoded);
        Span<byte> output = stackalloc byte[32];
        Field25519.FromBytes(encoded).ToBytes(output);
        Assert.Equal(new BigInteger(k), FromLittleEndian(output));
    }

    [Fact]
    public void Top_bit_is_ignored_when_decoding()
    {
        Span<byte> encoded = stackalloc byte[32];
        encoded.Fill(0xFF);
        Span<byte> output = stackalloc byte[32];
        Field25519.FromBytes(encoded).ToBytes(output);

        // 2^255 - 1 = p + 18.
        Assert.Equal(new BigInteger(18), FromLittleEndian(output));
    }

    [Fact]
    public void Arithmetic_matches_BigInteger_on_edge_and_random_elements()
    {
        var elements = new List<Field25519>
        {
            default,
            Field25519.One,
            FromBig(P - 1),
            FromBig(P - 19),
            new() { L0 = Mask51, L1 = Mask51, L2 = Mask51, L3 = Mask51, L4 = Mask51 },          // 2^255 - 1, non-canonical
            new() { L0 = Mask51 + 57, L1 = Mask51 + (1UL << 13), L2 = Mask51, L3 = Mask51, L4 = Mask51 }, // largest reduced limbs
        };
        for (int i = 0; i < 200; i++)
        {
            elements.Add(FromBig(new BigInteger(RandomNumberGenerator.GetBytes(32), isUnsigned: true) % P));
        }

        foreach (Field25519 a in elements)
        {
            BigInteger x = Value(a);
            Field25519.Square(out Field25519 sq, a);
            Assert.Equal(x * x % P, Canonical(sq));
            Field25519.MulSmall(out Field25519 small, a, 121665);
            Assert.Equal(x * 121665 % P, Canonical(small));
            Field25519.Invert(out Field25519 inv, a);
            Assert.Equal(BigInteger.ModPow(x, P - 2, P), Canonical(inv));

            Field25519 b = elements[RandomNumberGenerator.GetInt32(elements.Count)];
            BigInteger y = Value(b);
            Field25519.Mul(out Field25519 product, a, b);
            Assert.Equal(x * y % P, Canonical(product));
            Field25519.Sub(out Field25519 difference, a, b);
            Assert.Equal(((x - y) % P + P) % P, Canonical(difference));

            // Sums are not carried: multiplying and squaring them must still be exact.
            Field25519.Add(out Field25519 sum, a, b);
            Assert.Equal((x + y) % P, Canonical(sum));
            Field25519.Mul(out Field25519 sumProduct, sum, sum);
            Field25519.Square(out Field25519 sumSquare, sum);
            Assert.Equal((x + y) * (x + y) % P, Canonical(sumProduct));
            Assert.Equal((x + y) * (x + y) % P, Canonical(sumSquare));
        }
    }

    [Fact]
    public void Conditional_swap_swaps_only_on_one()
    {
        Field25519 a = FromBig(12345);
        Field25519 b = FromBig(P - 2);
        Field25519.ConditionalSwap(ref a, ref b, 0);
        Assert.Equal(new BigInteger(12345), Value(a));
        Field25519.ConditionalSwap(ref a, ref b, 1);
        Assert.Equal(P - 2, Value(a));
        Assert.Equal(new BigInteger(12345), Value(b));
    }

    private static BigInteger Value(in Field25519 f)
        => new BigInteger(f.L0) + (new BigInteger(f.L1) << 51) + (new BigInteger(f.L2) << 102) + (new BigInteger(f.L3) << 153) + (new BigInteger(f.L4) << 204);

    private static BigInteger Canonical(in Field25519 f)
    {
        Span<byte> bytes = stackalloc byte[32];
        f.ToBytes(bytes);
        BigInteger v = FromLittleEndian(bytes);
        Assert.True(v < P);
        return v;
    }

    private static Field25519 FromBig(BigInteger v) => new()
    {
        L0 = (ulong)(v & Mask51),
        L1 = (ulong)((v >> 51) & Mask51),
        L2 = (ulong)((v >> 102) & Mask51),
        L3 = (ulong)((v >> 153) & Mask51),
        L4 = (ulong)((v >> 204) & Mask51),
    };

    private static BigInteger FromLittleEndian(ReadOnlySpan<byte> bytes) => new(bytes, isUnsigned: true);

    private static void ToLittleEndian(BigInteger v, Span<byte> destination)
    {
        destination.Clear();
        Assert.True(v.TryWriteBytes(destination, out _, isUnsigned: true));
    }
}
