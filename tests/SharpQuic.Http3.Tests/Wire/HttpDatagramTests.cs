using SharpQuic.Http3.Wire;
using static SharpQuic.Http3.Tests.Wire.Harness;

namespace SharpQuic.Http3.Tests.Wire;

public sealed class HttpDatagramTests
{
    [Fact]
    public void Datagrams_round_trip_with_the_quarter_stream_id()
    {
        var random = new Random(2_1);
        var buffer = new byte[128];
        for (int i = 0; i < 2000; i++)
        {
            ulong streamId = 4 * (VarIntValue(random) >> 2);
            byte[] payload = Bytes(random, random.Next(0, 100));
            Assert.True(HttpDatagram.TryWrite(buffer, streamId, payload, out int written));
            Assert.Equal(HttpDatagram.GetLength(streamId, payload.Length), written);
            Assert.True(HttpDatagram.TryParse(buffer.AsSpan(0, written), out ulong parsed, out ReadOnlySpan<byte> got, out _));
            Assert.Equal(streamId, parsed);
            Assert.True(got.SequenceEqual(payload));
        }
    }

    [Fact]
    public void Stream_8_is_quarter_id_2()
    {
        var buffer = new byte[4];
        Assert.True(HttpDatagram.TryWrite(buffer, 8, [0xaa], out int written));
        Assert.Equal(new byte[] { 0x02, 0xaa }, buffer[..written]);
    }

    [Fact]
    public void Short_or_out_of_range_datagrams_are_datagram_errors()
    {
        Assert.False(HttpDatagram.TryParse([], out _, out _, out Http3ErrorCode error));
        Assert.Equal(Http3ErrorCode.DatagramError, error);
        Assert.False(HttpDatagram.TryParse([0x40], out _, out _, out error));
        Assert.Equal(Http3ErrorCode.DatagramError, error);
        Assert.False(HttpDatagram.TryParse(VarInts(1UL << 60), out _, out _, out error));
        Assert.Equal(Http3ErrorCode.DatagramError, error);
        Assert.True(HttpDatagram.TryParse(VarInts((1UL << 60) - 1), out ulong id, out _, out _));
        Assert.Equal(((1UL << 60) - 1) * 4, id);
    }

    [Fact]
    public void Writing_for_a_stream_that_is_not_client_bidirectional_throws()
    {
        Assert.Throws<ArgumentException>(() => HttpDatagram.TryWrite(new byte[8], 3, [], out _));
        Assert.False(HttpDatagram.TryWrite(new byte[1], 4, [1], out _));
    }
}
