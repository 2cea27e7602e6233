using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Tests;

public sealed class VarIntTests
{
    // RFC 9000 Appendix A.1 sample encodings.
    [Theory]
    [InlineData("c2197c5eff14e88c", 151288809941952652UL)]
    [InlineData("9d7f3e7d", 494878333UL)]
    [InlineData("7bbd", 15293UL)]
    [InlineData("25", 37UL)]
    [InlineData("4025", 37UL)]
    public void Decodes_RFC9000_samples(string hex, ulong expected)
    {
        byte[] bytes = Convert.FromHexString(hex);
        Assert.True(VarInt.TryRead(bytes, out ulong value, out int n));
        Assert.Equal(expected, value);
        Assert.Equal(bytes.Length, n);
    }

    [Theory]
    [InlineData(0UL, 1)]
    [InlineData(63UL, 1)]
    [InlineData(64UL, 2)]
    [InlineData(16383UL, 2)]
    [InlineData(16384UL, 4)]
    [InlineData(1073741823UL, 4)]
    [InlineData(1073741824UL, 8)]
    [InlineData(VarInt.MaxValue, 8)]
    public void Round_trips_at_every_length_boundary(ulong value, int length)
    {
        Span<byte> buffer = stackalloc byte[8];
        Assert.True(VarInt.TryWrite(buffer, value, out int written));
        Assert.Equal(length, written);
        Assert.True(VarInt.TryRead(buffer[..written], out ulong back, out int read));
        Assert.Equal(value, back);
        Assert.Equal(length, read);
    }

    [Fact]
    public void Rejects_values_above_2_to_the_62()
        => Assert.Throws<ArgumentOutOfRangeException>(() => VarInt.EncodedLength(VarInt.MaxValue + 1));

    [Fact]
    public void Truncated_input_is_reported_not_thrown()
    {
        Assert.False(VarInt.TryRead([0xC2, 0x19, 0x7C], out _, out _));
        Assert.False(VarInt.TryRead([], out _, out _));
    }

    [Fact]
    public void Writer_refuses_what_does_not_fit_and_writes_nothing()
    {
        Span<byte> buffer = stackalloc byte[3];
        var writer = new QuicWriter(buffer);
        Assert.False(writer.TryWriteVarInt(1073741824UL));
        Assert.Equal(0, writer.Written);
        Assert.True(writer.TryWriteVarInt(16383UL));
        Assert.Equal(2, writer.Written);
    }

    [Fact]
    public void Reader_checks_length_prefix_against_remaining_bytes()
    {
        var reader = new QuicReader([0x05, 1, 2, 3]);
        Assert.False(reader.TryReadLengthPrefixed(out _));
        Assert.Equal(0, reader.Position);
    }
}
