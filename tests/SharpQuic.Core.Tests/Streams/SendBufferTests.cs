using SharpQuic.Core.Streams;

namespace SharpQuic.Core.Tests.Streams;

public sealed class SendBufferTests
{
    private static byte[] Pattern(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    [Fact]
    public void RangesComeOutInOrderWithTheWrittenBytes()
    {
        var pool = new ChunkPool(64);
        var buffer = new SendBuffer(pool, 1000);
        byte[] data = Pattern(150);
        Assert.Equal(150, buffer.Write(data));

        var sent = new List<byte>();
        while (buffer.TryGetNextRange(50, ulong.MaxValue, out ulong offset, out int length, out bool fin, out ulong newBytes))
        {
            Assert.Equal((ulong)sent.Count, offset);
            Assert.Equal((ulong)length, newBytes);
            Assert.False(fin);
            Assert.True(length <= 50);
            sent.AddRange(buffer.GetData(offset, length).ToArray());
        }

        Assert.Equal(data, sent.ToArray());
        Assert.Equal(150UL, buffer.SentEnd);
    }

    [Fact]
    public void RangesNeverCrossAChunkBoundary()
    {
        var buffer = new SendBuffer(new ChunkPool(64), 1000);
        buffer.Write(Pattern(200));
        Assert.True(buffer.TryGetNextRange(50, ulong.MaxValue, out _, out int first, out _, out _));
        Assert.True(buffer.TryGetNextRange(50, ulong.MaxValue, out ulong offset, out int second, out _, out _));
        Assert.Equal(50, first);
        Assert.Equal(50UL, offset);
        Assert.Equal(14, second); // 50..64 ends the first chunk
    }

    [Fact]
    public void NewDataStopsAtTheFlowControlLimit()
    {
        var buffer = new SendBuffer(new ChunkPool(64), 1000);
        buffer.Write(Pattern(100));
        Assert.True(buffer.TryGetNextRange(1000, 30, out _, out int length, out _, out ulong newBytes));
        Assert.Equal(30, length);
        Assert.Equal(30UL, newBytes);
        Assert.False(buffer.TryGetNextRange(1000, 30, out _, out _, out _, out _));
        Assert.True(buffer.HasSendable(31));
    }

    [Fact]
    public void LostRangesAreResentBeforeNewData()
    {
        var buffer = new SendBuffer(new ChunkPool(64), 1000);
        byte[] data = Pattern(60);
        buffer.Write(data.AsSpan(0, 40));
        Assert.True(buffer.TryGetNextRange(10, ulong.MaxValue, out _, out _, out _, out _));  // 0..10
        Assert.True(buffer.TryGetNextRange(10, ulong.MaxValue, out _, out _, out _, out _));  // 10..20
        Assert.True(buffer.TryGetNextRange(10, ulong.MaxValue, out _, out _, out _, out _));  // 20..30
        buffer.OnRangeAcked(0, 10, false);
        buffer.OnRangeLost(20, 10, false);
        buffer.OnRangeLost(10, 10, false);
        buffer.Write(data.AsSpan(40));

        Assert.True(buffer.TryGetNextRange(15, ulong.MaxValue, out ulong offset, out int length, out _, out ulong newBytes));
        Assert.Equal((10UL, 15, 0UL), (offset, length, newBytes));
        Assert.Equal(data.AsSpan(10, 15).ToArray(), buffer.GetData(offset, length).ToArray());
        Assert.True(buffer.TryGetNextRange(15, ulong.MaxValue, out offset, out length, out _, out newBytes));
        Assert.Equal((25UL, 5, 0UL), (offset, length, newBytes));
        Assert.True(buffer.TryGetNextRange(15, ulong.MaxValue, out offset, out length, out _, out newBytes));
        Assert.Equal((30UL, 15, 15UL), (offset, length, newBytes));
    }

    [Fact]
    public void AcknowledgedPartsOfALostRangeAreNotResent()
    {
        var buffer = new SendBuffer(new ChunkPool(64), 1000);
        buffer.Write(Pattern(30));
        buffer.TryGetNextRange(10, ulong.MaxValue, out _, out _, out _, out _);
        buffer.TryGetNextRange(10, ulong.MaxValue, out _, out _, out _, out _);
        buffer.TryGetNextRange(10, ulong.MaxValue, out _, out _, out _, out _);
        buffer.OnRangeAcked(10, 10, false);   // a retransmission of the middle was acked
        buffer.OnRangeLost(0, 30, false);     // an old frame covering everything was lost
        Assert.True(buffer.TryGetNextRange(100, ulong.MaxValue, out ulong offset, out int length, out _, out _));
        Assert.Equal((0UL, 10), (offset, length));
        Assert.True(buffer.TryGetNextRange(100, ulong.MaxValue, out offset, out length, out _, out _));
        Assert.Equal((20UL, 10), (offset, length));
        Assert.False(buffer.TryGetNextRange(100, ulong.MaxValue, out _, out _, out _, out _));

        // A spurious loss: acknowledged after being declared lost, it is not sent again.
        buffer.OnRangeLost(0, 10, false);
        buffer.OnRangeAcked(0, 10, false);
        Assert.False(buffer.HasLost);
    }

    [Fact]
    public void FinRidesOnTheLastRange()
    {
        var buffer = new SendBuffer(new ChunkPool(64), 1000);
        buffer.Write(Pattern(20));
        buffer.Finish();
        Assert.Equal(0, buffer.Writable);
        Assert.True(buffer.TryGetNextRange(10, ulong.MaxValue, out _, out _, out bool fin, out _));
        Assert.False(fin);
        Assert.True(buffer.TryGetNextRange(10, ulong.MaxValue, out ulong offset, out _, out fin, out _));
        Assert.True(fin);
        Assert.Equal(10UL, offset);
        Assert.False(buffer.TryGetNextRange(10, ulong.MaxValue, out _, out _, out _, out _));
        buffer.OnRangeAcked(0, 10, false);
        Assert.False(buffer.IsFullyAcked);
        buffer.OnRangeAcked(10, 10, true);
        Assert.True(buffer.IsFullyAcked);
    }

    [Fact]
    public void FinAloneAfterAllDataWasSent()
    {
        var buffer = new SendBuffer(new ChunkPool(64), 1000);
        buffer.Write(Pattern(20));
        Assert.True(buffer.TryGetNextRange(100, ulong.MaxValue, out _, out _, out bool fin, out _));
        Assert.False(fin);
        buffer.Finish();
        Assert.True(buffer.TryGetNextRange(100, ulong.MaxValue, out ulong offset, out int length, out fin, out _));
        Assert.Equal((20UL, 0, true), (offset, length, fin));
    }

    [Fact]
    public void EmptyStreamSendsOnlyAFin()
    {
        var buffer = new SendBuffer(new ChunkPool(64), 1000);
        buffer.Finish();
        Assert.True(buffer.TryGetNextRange(0, 0, out ulong offset, out int length, out bool fin, out _));
        Assert.Equal((0UL, 0, true), (offset, length, fin));
        Assert.False(buffer.HasSendable(0));
        buffer.OnRangeAcked(0, 0, true);
        Assert.True(buffer.IsFullyAcked);
    }

    [Fact]
    public void LostFinIsSentAgainAloneOrWithLostData()
    {
        var buffer = new SendBuffer(new ChunkPool(64), 1000);
        buffer.Write(Pattern(20));
        buffer.Finish();
        Assert.True(buffer.TryGetNextRange(100, ulong.MaxValue, out _, out _, out bool fin, out _));
        Assert.True(fin);

        // Only the FIN is pending again when the data was acknowledged by another copy.
        buffer.OnRangeAcked(0, 20, false);
        buffer.OnRangeLost(0, 20, true);
        Assert.True(buffer.TryGetNextRange(100, ulong.MaxValue, out ulong offset, out int length, out fin, out _));
        Assert.Equal((20UL, 0, true), (offset, length, fin));

        // Data and FIN lost together come back together.
        var other = new SendBuffer(new ChunkPool(64), 1000);
        other.Write(Pattern(20));
        other.Finish();
        other.TryGetNextRange(100, ulong.MaxValue, out _, out _, out _, out _);
        other.OnRangeLost(0, 20, true);
        Assert.True(other.TryGetNextRange(100, ulong.MaxValue, out offset, out length, out fin, out _));
        Assert.Equal((0UL, 20, true), (offset, length, fin));
        Assert.False(other.TryGetNextRange(100, ulong.MaxValue, out _, out _, out _, out _));
    }

    [Fact]
    public void WritesStopAtTheBufferLimitUntilAcknowledged()
    {
        var buffer = new SendBuffer(new ChunkPool(64), 100);
        Assert.Equal(100, buffer.Write(Pattern(150)));
        Assert.Equal(0, buffer.Writable);
        Assert.Equal(0, buffer.Write(Pattern(10)));
        buffer.TryGetNextRange(64, ulong.MaxValue, out _, out _, out _, out _);
        Assert.Equal(0, buffer.Writable); // sent is not acknowledged
        buffer.OnRangeAcked(0, 64, false);
        Assert.Equal(64, buffer.Writable);
    }

    [Fact]
    public void AcknowledgedPrefixReturnsChunksToThePool()
    {
        var pool = new ChunkPool(64);
        var buffer = new SendBuffer(pool, 10_000);
        buffer.Write(Pattern(640));
        Assert.Equal(10, pool.Outstanding);
        var ranges = new List<(ulong, int)>();
        while (buffer.TryGetNextRange(64, ulong.MaxValue, out ulong o, out int l, out _, out _))
        {
            ranges.Add((o, l));
        }

        // Acknowledge from the back: nothing is released until the prefix is complete.
        for (int i = ranges.Count - 1; i >= 1; i--)
        {
            buffer.OnRangeAcked(ranges[i].Item1, (ulong)ranges[i].Item2, false);
        }

        Assert.Equal(10, pool.Outstanding);
        buffer.OnRangeAcked(0, 64, false);
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(0, buffer.ChunkCount);
        Assert.Equal(640UL, buffer.AckedPrefix);

        // The chunks are reused by later writes.
        buffer.Write(Pattern(100));
        Assert.Equal(2, pool.Outstanding);
        Assert.True(pool.Retained >= 8);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomAckAndLossSequencesDeliverEveryByteAsWritten(int seed)
    {
        var random = new Random(seed);
        var pool = new ChunkPool(128);
        var buffer = new SendBuffer(pool, 2000);
        byte[] data = Pattern(20_000, seed);
        var received = new byte[data.Length];
        var receivedMask = new bool[data.Length];
        var inFlight = new List<(ulong Offset, byte[] Bytes, bool Fin)>();
        int written = 0;
        bool finAcked = false;

        for (int step = 0; step < 200_000 && !buffer.IsFullyAcked; step++)
        {
            switch (random.Next(4))
            {
                case 0 when written < data.Length:
                    written += buffer.Write(data.AsSpan(written, Math.Min(random.Next(1, 700), data.Length - written)));
                    if (written == data.Length)
                    {
                        buffer.Finish();
                    }

                    break;
                case 1:
                    if (buffer.TryGetNextRange(random.Next(0, 300), ulong.MaxValue, out ulong offset, out int length, out bool fin, out _))
                    {
                        inFlight.Add((offset, buffer.GetData(offset, length).ToArray(), fin));
                    }

                    break;
                default:
                    if (inFlight.Count > 0)
                    {
                        int i = random.Next(inFlight.Count);
                        var frame = inFlight[i];
                        inFlight.RemoveAt(i);
                        if (random.Next(3) == 0)
                        {
                            buffer.OnRangeLost(frame.Offset, (ulong)frame.Bytes.Length, frame.Fin);
                        }
                        else
                        {
                            // The "peer" receives what was in the frame.
                            frame.Bytes.CopyTo(received, (int)frame.Offset);
                            for (int b = 0; b < frame.Bytes.Length; b++)
                            {
                                receivedMask[(int)frame.Offset + b] = true;
                            }

                            finAcked |= frame.Fin;
                            buffer.OnRangeAcked(frame.Offset, (ulong)frame.Bytes.Length, frame.Fin);
                        }
                    }

                    break;
            }

            Assert.True(buffer.WrittenEnd - buffer.AckedPrefix <= 2000, "never more than the limit buffered");
        }

        Assert.True(buffer.IsFullyAcked);
        Assert.True(finAcked);
        Assert.All(receivedMask, Assert.True);
        Assert.Equal(data, received);
        Assert.Equal(0, pool.Outstanding);
    }
}
