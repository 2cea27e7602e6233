using SharpQuic.Cryptography.KeyExchange.MLKem;

namespace SharpQuic.Cryptography.Tests.KeyExchange.MLKem;

/// <summary>The field and ring arithmetic against plain definitions.</summary>
public sealed class MLKemArithmeticTests
{
    private const int Q = 3329;

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(10)]
    [InlineData(11)]
    public void CompressMatchesRoundedDivisionForEveryCoefficient(int d)
    {
        for (int x = 0; x < Q; x++)
        {
            // ⌈(2^d/q)·x⌋ mod 2^d with exact rational rounding (half up).
            int expected = (int)((((long)x << (d + 1)) + Q) / (2 * Q)) & ((1 << d) - 1);
            Assert.Equal(expected, MLKemEncoding.Compress(x, d));
        }

        for (int y = 0; y < 1 << d; y++)
        {
            int expected = (int)((((long)y * Q * 2) + (1 << d)) / (2L << d));
            Assert.Equal(expected, MLKemEncoding.Decompress(y, d));
        }
    }

    [Fact]
    public void ReductionsAreCorrectOverTheirRanges()
    {
        for (int a = short.MinValue; a <= short.MaxValue; a++)
        {
            short r = MLKemPoly.BarrettReduce((short)a);
            Assert.InRange(r, -(Q - 1) / 2, (Q - 1) / 2);
            Assert.Equal(Mod(a), Mod(r));
        }

        var random = new Random(16);
        for (int i = 0; i < 100_000; i++)
        {
            int a = random.Next(-Q * (1 << 15) + 1, Q * (1 << 15));
            short r = MLKemPoly.MontgomeryReduce(a);
            Assert.InRange(r, -Q + 1, Q - 1);
            Assert.Equal(Mod(a), Mod((long)r << 16));
        }
    }

    [Fact]
    public void NttProductEqualsNegacyclicSchoolbookProduct()
    {
        var random = new Random(256);
        short[] a = new short[256];
        short[] b = new short[256];
        short[] product = new short[256];
        for (int trial = 0; trial < 20; trial++)
        {
            for (int i = 0; i < 256; i++)
            {
                a[i] = (short)random.Next(-Q + 1, Q);
                b[i] = (short)random.Next(-2, 3);
            }

            long[] expected = new long[256];
            for (int i = 0; i < 256; i++)
            {
                for (int j = 0; j < 256; j++)
                {
                    long p = (long)a[i] * b[j];
                    if (i + j < 256)
                    {
                        expected[i + j] += p;
                    }
                    else
                    {
                        expected[i + j - 256] -= p;  // X^256 = -1
                    }
                }
            }

            MLKemPoly.Ntt(a);
            MLKemPoly.Ntt(b);
            MLKemPoly.MultiplyAccumulate(a, b, 1, product);
            MLKemPoly.InverseNtt(product);
            for (int i = 0; i < 256; i++)
            {
                Assert.InRange(product[i], -Q + 1, Q - 1);
                Assert.Equal(Mod(expected[i]), Mod(product[i]));
            }
        }
    }

    [Fact]
    public void ModulusCheckFindsAnyCoefficientAtOrAboveQ()
    {
        byte[] encoded = new byte[384];
        short[] coefficients = new short[256];
        var random = new Random(12);
        for (int i = 0; i < 256; i++)
        {
            coefficients[i] = (short)random.Next(0, Q);
        }

        MLKemEncoding.Encode12(coefficients, encoded);
        Assert.True(MLKemEncoding.AllBelowQ(encoded));
        short[] decoded = new short[256];
        MLKemEncoding.Decode12(encoded, decoded);
        Assert.Equal(coefficients, decoded);

        for (int position = 0; position < 256; position += 51)
        {
            foreach (int bad in new[] { Q, Q + 1, 4095 })
            {
                short[] copy = (short[])coefficients.Clone();
                copy[position] = (short)bad;
                byte[] raw = new byte[384];
                EncodeRaw12(copy, raw);
                Assert.False(MLKemEncoding.AllBelowQ(raw));
            }
        }
    }

    [Fact]
    public void BatchedSamplingMatchesOneStreamAtATime()
    {
        var random = new Random(13);
        byte[] seed = new byte[32];
        short[] batched = new short[7 * 256];
        short[] single = new short[256];
        short[] matrix = new short[9 * 256];
        for (int trial = 0; trial < 10; trial++)
        {
            random.NextBytes(seed);
            MLKemSampling.SampleCbd2(seed, 0, 7, batched);
            for (int i = 0; i < 7; i++)
            {
                MLKemSampling.SampleCbd2(seed, (byte)i, single);
                Assert.Equal(single, batched.AsSpan(i * 256, 256).ToArray());
                Assert.All(single, c => Assert.InRange(c, -2, 2));
            }

            foreach (bool transposed in new[] { false, true })
            {
                MLKemSampling.ExpandMatrix(seed, 3, transposed, matrix);
                for (int i = 0; i < 3; i++)
                {
                    for (int j = 0; j < 3; j++)
                    {
                        // Â[i, j] = SampleNTT(ρ ‖ j ‖ i) (FIPS 203 Algorithm 13 line 5).
                        MLKemSampling.SampleNtt(seed, (byte)(transposed ? i : j), (byte)(transposed ? j : i), single);
                        Assert.Equal(single, matrix.AsSpan(((3 * i) + j) * 256, 256).ToArray());
                        Assert.All(single, c => Assert.InRange(c, 0, Q - 1));
                    }
                }
            }
        }
    }

    private static void EncodeRaw12(short[] c, byte[] output)
    {
        for (int i = 0; i < 128; i++)
        {
            output[3 * i] = (byte)c[2 * i];
            output[(3 * i) + 1] = (byte)((c[2 * i] >> 8) | (c[(2 * i) + 1] << 4));
            output[(3 * i) + 2] = (byte)(c[(2 * i) + 1] >> 4);
        }
    }

    private static long Mod(long a) => ((a % Q) + Q) % Q;
}
