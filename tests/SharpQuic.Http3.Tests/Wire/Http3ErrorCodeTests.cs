using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.Wire;

public sealed class Http3ErrorCodeTests
{
    [Fact]
    public void Registered_code_points()
    {
        // RFC 9114 §8.1, RFC 9204 §6, RFC 9297 §2.1, draft-ietf-webtrans-http3 §9.5.
        Assert.Equal(0x100UL, (ulong)Http3ErrorCode.NoError);
        Assert.Equal(0x10aUL, (ulong)Http3ErrorCode.MissingSettings);
        Assert.Equal(0x110UL, (ulong)Http3ErrorCode.VersionFallback);
        Assert.Equal(0x202UL, (ulong)Http3ErrorCode.QPackDecoderStreamError);
        Assert.Equal(0x33UL, (ulong)Http3ErrorCode.DatagramError);
        Assert.Equal(0x3994bd84UL, (ulong)Http3ErrorCode.WebTransportBufferedStreamRejected);
        Assert.Equal(0x170d7b68UL, (ulong)Http3ErrorCode.WebTransportSessionGone);
    }

    [Fact]
    public void WebTransport_codes_map_onto_the_ends_of_the_reserved_range()
    {
        Assert.Equal(0x52e4a40fa8dbUL, WebTransportErrorCodes.ToHttp3(0));
        Assert.Equal(0x52e5ac983162UL, WebTransportErrorCodes.ToHttp3(uint.MaxValue));
        Assert.True(WebTransportErrorCodes.TryFromHttp3(0x52e4a40fa8db, out uint low));
        Assert.Equal(0u, low);
        Assert.True(WebTransportErrorCodes.TryFromHttp3(0x52e5ac983162, out uint high));
        Assert.Equal(uint.MaxValue, high);
        Assert.False(WebTransportErrorCodes.TryFromHttp3(0x52e4a40fa8db - 1, out _));
        Assert.False(WebTransportErrorCodes.TryFromHttp3(0x52e5ac983162 + 1, out _));
        Assert.False(WebTransportErrorCodes.TryFromHttp3((ulong)Http3ErrorCode.NoError, out _));
    }

    [Fact]
    public void The_mapping_skips_grease_code_points()
    {
        ulong first = WebTransportErrorCodes.First;
        // 29 and 30 are the two WebTransport codes around the first GREASE point in the range.
        Assert.Equal(first + 29, WebTransportErrorCodes.ToHttp3(29));
        Assert.True(Http3Grease.IsReserved(first + 30));
        Assert.Equal(first + 31, WebTransportErrorCodes.ToHttp3(30));
        Assert.False(WebTransportErrorCodes.TryFromHttp3(first + 30, out _));

        // Near the top as well.
        ulong greaseNearTop = WebTransportErrorCodes.Last - ((WebTransportErrorCodes.Last - 0x21) % 0x1f);
        Assert.True(Http3Grease.IsReserved(greaseNearTop));
        Assert.False(WebTransportErrorCodes.TryFromHttp3(greaseNearTop, out _));
        Assert.True(WebTransportErrorCodes.TryFromHttp3(greaseNearTop - 1, out uint below));
        Assert.True(WebTransportErrorCodes.TryFromHttp3(greaseNearTop + 1, out uint above));
        Assert.Equal(below + 1, above);
    }

    [Fact]
    public void The_mapping_is_a_monotonic_bijection_avoiding_grease()
    {
        var random = new Random(0x52e4);
        var samples = new List<uint> { 0, 1, 28, 29, 30, 31, 59, 60, 61, uint.MaxValue - 1, uint.MaxValue };
        for (int i = 0; i < 20_000; i++)
        {
            samples.Add((uint)random.NextInt64(0, 1L << 32));
        }

        foreach (uint code in samples)
        {
            ulong h = WebTransportErrorCodes.ToHttp3(code);
            Assert.InRange(h, WebTransportErrorCodes.First, WebTransportErrorCodes.Last);
            Assert.False(Http3Grease.IsReserved(h));
            Assert.True(WebTransportErrorCodes.TryFromHttp3(h, out uint back));
            Assert.Equal(code, back);
            if (code < uint.MaxValue)
            {
                ulong gap = WebTransportErrorCodes.ToHttp3(code + 1) - h;
                Assert.Equal(Http3Grease.IsReserved(h + 1) ? 2UL : 1UL, gap);
            }
        }
    }

    [Fact]
    public void Grease_values_have_the_reserved_form()
    {
        Assert.Equal(0x21UL, Http3Grease.Value(0));
        Assert.Equal(0x40UL, Http3Grease.Value(1));
        Assert.True(Http3Grease.IsReserved(Http3Grease.Value(Http3Grease.MaxIndex)));
        Assert.True(Http3Grease.Value(Http3Grease.MaxIndex) <= Core.Wire.VarInt.MaxValue);
        Assert.Throws<ArgumentOutOfRangeException>(() => Http3Grease.Value(Http3Grease.MaxIndex + 1));
        Assert.False(Http3Grease.IsReserved(0x20));
        Assert.False(Http3Grease.IsReserved(0x00));
        Assert.False(Http3Grease.IsReserved(0x41));
    }
}
