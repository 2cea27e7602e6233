using SharpQuic.Core.Streams;

namespace SharpQuic.Core.Tests.Streams;

public sealed class ReceiveStreamTests
{
    private static readonly StreamId Id = StreamId.Create(false, false, 0);

    private static ReceiveStream NewStream(ulong window = 1000, ChunkPool? pool = null) =>
        new(Id, pool ?? new ChunkPool(64), window, window);

    private static TransportErrorCode Deliver(ReceiveStream stream, ulong offset, ReadOnlySpan<byte> data, bool fin = false) =>
        stream.OnStreamFrame(offset, data, fin, out _, out _);

    private static byte[] ReadAll(ReceiveStream stream, out bool finished)
    {
        var result = new List<byte>();
        var chunk = new byte[37];
        finished = false;
        int n;
        do
        {
            n = stream.Read(chunk, Instant.Zero, TimeSpan.Zero, out finished, out _, out _);
            result.AddRange(chunk.AsSpan(0, n).ToArray());
        }
        while (n > 0 && !finished);

        return result.ToArray();
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(15)]
    [InlineData(16)]
    public void RandomFragmentsWithOverlapsDuplicatesAndReorderingReassemble(int seed)
    {
        var random = new Random(seed);
        var pool = new ChunkPool(64);
        int size = random.Next(1, 5000);
        var data = new byte[size];
        random.NextBytes(data);
        var stream = new ReceiveStream(Id, pool, 8192, 8192);

        // Random fragments covering the whole stream, plus random overlapping extras, shuffled.
        var fragments = new List<(int Offset, int Length)>();
        for (int o = 0; o < size;)
        {
            int length = Math.Min(random.Next(1, 200), size - o);
            fragments.Add((o, length));
            o += length;
        }

        int covering = fragments.Count;
        for (int i = 0; i < covering; i++)
        {
            int start = random.Next(size);
            fragments.Add((start, Math.Min(random.Next(1, 300), size - start)));
        }

        fragments.Add(fragments[random.Next(fragments.Count)]);
        var shuffled = fragments.OrderBy(_ => random.Next()).ToList();

        var output = new List<byte>();
        var buffer = new byte[100];
        bool finished = false;
        foreach ((int offset, int length) in shuffled)
        {
            bool fin = offset + length == size;
            Assert.Equal(TransportErrorCode.NoError, Deliver(stream, (ulong)offset, data.AsSpan(offset, length), fin));
            Assert.True(stream.BufferedChunks <= (8192 / 64) + 1);

            // Sometimes read in between.
            if (random.Next(3) == 0)
            {
                int n = stream.Read(buffer, Instant.Zero, TimeSpan.Zero, out finished, out _, out _);
                output.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }

        output.AddRange(ReadAll(stream, out bool done));
        Assert.True(done || finished);
        Assert.Equal(data, output.ToArray());
        Assert.Equal(ReceiveStreamState.DataRead, stream.State);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void StatesFollowSizeKnownDataRecvdDataRead()
    {
        var stream = NewStream();
        byte[] data = new byte[100];
        Assert.Equal(ReceiveStreamState.Recv, stream.State);
        Deliver(stream, 50, data.AsSpan(50), fin: true);
        Assert.Equal(ReceiveStreamState.SizeKnown, stream.State);
        Deliver(stream, 0, data.AsSpan(0, 50));
        Assert.Equal(ReceiveStreamState.DataRecvd, stream.State);
        Assert.Equal(100, ReadAll(stream, out bool finished).Length);
        Assert.True(finished);
        Assert.Equal(ReceiveStreamState.DataRead, stream.State);
    }

    // RFC 9000 §4.5, one test per rule.
    [Fact]
    public void DataBeyondAKnownFinalSizeIsAFinalSizeError()
    {
        var stream = NewStream();
        Deliver(stream, 0, new byte[10], fin: true);
        Assert.Equal(TransportErrorCode.FinalSizeError, Deliver(stream, 5, new byte[10]));
    }

    [Fact]
    public void AFinChangingTheFinalSizeIsAFinalSizeError()
    {
        var stream = NewStream();
        Deliver(stream, 0, new byte[10], fin: true);
        Assert.Equal(TransportErrorCode.FinalSizeError, Deliver(stream, 0, new byte[8], fin: true));
        Assert.Equal(TransportErrorCode.NoError, Deliver(stream, 0, new byte[10], fin: true));
    }

    [Fact]
    public void AFinalSizeBelowReceivedDataIsAFinalSizeError()
    {
        var stream = NewStream();
        Deliver(stream, 0, new byte[20]);
        Assert.Equal(TransportErrorCode.FinalSizeError, Deliver(stream, 0, new byte[10], fin: true));
    }

    [Fact]
    public void AResetChangingTheFinalSizeIsAFinalSizeError()
    {
        var stream = NewStream();
        Deliver(stream, 0, new byte[10], fin: true);
        Assert.Equal(TransportErrorCode.FinalSizeError, stream.OnReset(1, 11, out _, out _, out _));
        Assert.Equal(TransportErrorCode.NoError, stream.OnReset(1, 10, out _, out _, out _));
    }

    [Fact]
    public void AResetBelowReceivedDataIsAFinalSizeError()
    {
        var stream = NewStream();
        Deliver(stream, 0, new byte[30]);
        Assert.Equal(TransportErrorCode.FinalSizeError, stream.OnReset(1, 29, out _, out _, out _));
    }

    [Fact]
    public void DataAfterAResetBeyondItsFinalSizeIsAFinalSizeError()
    {
        var stream = NewStream();
        Assert.Equal(TransportErrorCode.NoError, stream.OnReset(1, 10, out _, out _, out _));
        Assert.Equal(TransportErrorCode.FinalSizeError, Deliver(stream, 8, new byte[4]));
        Assert.Equal(TransportErrorCode.NoError, Deliver(stream, 0, new byte[10]));
    }

    [Fact]
    public void DataBeyondTheWindowIsAFlowControlError()
    {
        var stream = NewStream(window: 100);
        Assert.Equal(TransportErrorCode.NoError, Deliver(stream, 90, new byte[10]));
        Assert.Equal(TransportErrorCode.FlowControlError, Deliver(stream, 91, new byte[10]));
        Assert.Equal(TransportErrorCode.FlowControlError, stream.OnReset(0, 101, out _, out _, out _));
    }

    [Fact]
    public void ResetDropsDataAndReportsTheUnreadBytes()
    {
        var pool = new ChunkPool(64);
        var stream = NewStream(pool: pool);
        Deliver(stream, 0, new byte[200]);
        Assert.Equal(50, stream.Read(new byte[50], Instant.Zero, TimeSpan.Zero, out _, out _, out _));
        Assert.True(pool.Outstanding > 0);
        Assert.Equal(TransportErrorCode.NoError, stream.OnReset(77, 300, out ulong newly, out ulong unread, out bool changed));
        Assert.True(changed);
        Assert.Equal(100UL, newly);
        Assert.Equal(250UL, unread);
        Assert.Equal(ReceiveStreamState.ResetRecvd, stream.State);
        Assert.Equal(77UL, stream.ResetErrorCode);
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(0, stream.Read(new byte[10], Instant.Zero, TimeSpan.Zero, out _, out _, out _));
        stream.OnResetDelivered();
        Assert.Equal(ReceiveStreamState.ResetRead, stream.State);
    }

    [Fact]
    public void ResetAfterAllDataArrivedKeepsTheData()
    {
        var stream = NewStream();
        Deliver(stream, 0, new byte[10], fin: true);
        Assert.Equal(TransportErrorCode.NoError, stream.OnReset(3, 10, out _, out _, out bool changed));
        Assert.False(changed);
        Assert.Equal(10, ReadAll(stream, out bool finished).Length);
        Assert.True(finished);
    }

    [Fact]
    public void BufferedMemoryNeverExceedsTheWindow()
    {
        var pool = new ChunkPool(64);
        var stream = new ReceiveStream(Id, pool, 1024, 1024);

        // A hostile sender spreads single bytes across the whole window (32 holes, within the
        // fragmentation bound), touching every chunk.
        for (ulong offset = 1; offset < 1024; offset += 32)
        {
            Assert.Equal(TransportErrorCode.NoError, Deliver(stream, offset, new byte[1]));
        }

        Assert.True(pool.Outstanding <= (1024 / 64) + 1, $"{pool.Outstanding} chunks");
        Assert.Equal(TransportErrorCode.FlowControlError, Deliver(stream, 1024, new byte[1]));
    }

    [Fact]
    public void ExcessiveFragmentationIsRefused()
    {
        // 64 KiB window: at most 1024 holes are tracked (one per 64 bytes of window).
        var stream = new ReceiveStream(Id, new ChunkPool(64), 65536, 65536);
        TransportErrorCode error = TransportErrorCode.NoError;
        for (ulong offset = 1; offset < 65536 && error == TransportErrorCode.NoError; offset += 2)
        {
            error = Deliver(stream, offset, new byte[1]);
        }

        Assert.Equal(TransportErrorCode.ProtocolViolation, error);
    }
}
