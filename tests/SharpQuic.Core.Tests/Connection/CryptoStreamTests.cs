using SharpQuic.Core.Connection;

namespace SharpQuic.Core.Tests.Connection;

public sealed class CryptoStreamTests
{
    [Fact]
    public void Receive_OutOfOrderAndOverlapping_DeliversInOrder()
    {
        var stream = new CryptoReceiveStream(1024);
        byte[] data = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        Assert.True(stream.TryInsert(200, data.AsSpan(200, 100), out _));
        Assert.True(stream.Readable.IsEmpty);
        Assert.True(stream.TryInsert(50, data.AsSpan(50, 200), out _));
        Assert.True(stream.Readable.IsEmpty);
        Assert.True(stream.TryInsert(0, data.AsSpan(0, 60), out _));
        Assert.Equal(data, stream.Readable.ToArray());
        stream.Advance(300);
        Assert.Equal(300UL, stream.DeliveredOffset);

        // Old data again is ignored.
        Assert.True(stream.TryInsert(0, data.AsSpan(0, 100), out _));
        Assert.True(stream.Readable.IsEmpty);
    }

    [Fact]
    public void Receive_BeyondBuffer_IsCryptoBufferExceeded()
    {
        // RFC 9000 §7.5: more out-of-order data than we buffer.
        var stream = new CryptoReceiveStream(1000);
        Assert.True(stream.TryInsert(0, new byte[10], out _));
        stream.Advance(10);
        Assert.True(stream.TryInsert(900, new byte[110], out _));
        Assert.False(stream.TryInsert(900, new byte[111], out TransportErrorCode error));
        Assert.Equal(TransportErrorCode.CryptoBufferExceeded, error);
    }

    [Fact]
    public void Send_LostRangesFirst_ProbeResendsOnlyUnacknowledged()
    {
        var stream = new CryptoSendStream();
        stream.Append(new byte[3000]);
        Assert.True(stream.TryPeek(1000, out ulong o1, out ReadOnlySpan<byte> d1));
        stream.Consume(o1, d1.Length);
        Assert.True(stream.TryPeek(1000, out ulong o2, out ReadOnlySpan<byte> d2));
        stream.Consume(o2, d2.Length);
        Assert.Equal(2000UL, stream.NextOffset);

        stream.OnLost(0, 1000);
        Assert.True(stream.TryPeek(500, out ulong o3, out ReadOnlySpan<byte> d3));
        Assert.Equal(0UL, o3);
        Assert.Equal(500, d3.Length);
        stream.Consume(o3, d3.Length);
        Assert.True(stream.TryPeek(5000, out ulong o4, out _));
        Assert.Equal(500UL, o4);
        stream.Consume(500, 500);

        // New data, then a probe: only [1000, 2000) and [2000, 2500) are unacknowledged.
        Assert.True(stream.TryPeek(500, out ulong o5, out _));
        Assert.Equal(2000UL, o5);
        stream.Consume(2000, 500);
        stream.OnAcked(0, 1000);
        Assert.True(stream.QueueUnacknowledged());
        Assert.True(stream.TryPeek(5000, out ulong o6, out ReadOnlySpan<byte> d6));
        Assert.Equal(1000UL, o6);
        Assert.Equal(1500, d6.Length);
    }
}
