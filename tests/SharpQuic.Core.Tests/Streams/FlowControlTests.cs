using SharpQuic.Core.Streams;

namespace SharpQuic.Core.Tests.Streams;

public sealed class FlowControlTests
{
    [Fact]
    public void SendCreditIsConsumedAndOnlyRaisedUpwards()
    {
        var credit = new SendCredit(100);
        credit.Consume(60);
        Assert.Equal(40UL, credit.Available);
        Assert.False(credit.Raise(90));   // RFC 9000 §4.1: smaller limits are ignored
        Assert.Equal(100UL, credit.Limit);
        Assert.True(credit.Raise(150));
        Assert.Equal(90UL, credit.Available);
        Assert.Throws<InvalidOperationException>(() => credit.Consume(91));
    }

    [Fact]
    public void BlockedIsReportedOncePerLimit()
    {
        var credit = new SendCredit(10);
        Assert.False(credit.TryReportBlocked()); // not blocked yet
        credit.Consume(10);
        Assert.True(credit.TryReportBlocked());
        Assert.False(credit.TryReportBlocked());
        Assert.True(credit.IsBlockedAt(10));
        credit.Raise(20);
        Assert.False(credit.IsBlockedAt(10));
        credit.Consume(10);
        Assert.True(credit.TryReportBlocked());
        Assert.False(credit.TryReportBlocked());
    }

    [Fact]
    public void ReceiveWindowRejectsDataBeyondTheLimit()
    {
        var window = new ReceiveWindow(1000, 1000);
        Assert.Equal(TransportErrorCode.NoError, window.OnReceived(1000));
        Assert.Equal(TransportErrorCode.FlowControlError, window.OnReceived(1001));
        Assert.Equal(1000UL, window.Received);
    }

    [Fact]
    public void UpdatesAreIssuedWhenHalfTheWindowIsConsumed()
    {
        var window = new ReceiveWindow(1000, 1000);
        Assert.False(window.OnConsumed(400, Instant.Zero, TimeSpan.Zero));
        Assert.False(window.OnConsumed(100, Instant.Zero, TimeSpan.Zero)); // exactly half left
        Assert.True(window.OnConsumed(1, Instant.Zero, TimeSpan.Zero));
        Assert.Equal(1501UL, window.Limit);
        Assert.False(window.OnConsumed(1, Instant.Zero, TimeSpan.Zero));
    }

    [Fact]
    public void FastReaderDoublesTheWindowUpToTheMaximum()
    {
        var window = new ReceiveWindow(1000, 8000);
        TimeSpan rtt = TimeSpan.FromMilliseconds(50);
        var now = Instant.FromMilliseconds(1000);

        // Half a window consumed every 10 ms, well under one RTT: each update doubles.
        ulong[] expected = [1000, 2000, 4000, 8000, 8000];
        for (int i = 0; i < expected.Length; i++)
        {
            ulong half = (window.Window / 2) + 1;
            Assert.True(window.OnConsumed(half, now, rtt));
            Assert.Equal(expected[i], window.Window);
            Assert.Equal(window.Consumed + window.Window, window.Limit);
            now += TimeSpan.FromMilliseconds(10);
        }
    }

    [Fact]
    public void SlowReaderKeepsTheWindow()
    {
        var window = new ReceiveWindow(1000, 8000);
        TimeSpan rtt = TimeSpan.FromMilliseconds(50);
        var now = Instant.FromMilliseconds(1000);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(window.OnConsumed(501, now, rtt));
            now += TimeSpan.FromMilliseconds(200);
        }

        Assert.Equal(1000UL, window.Window);
    }

    [Fact]
    public void StreamLevelViolationThroughTheManagerIsAFlowControlError()
    {
        var (client, server) = StreamTestKit.Pair(new StreamManagerOptions { MaxStreamDataBidiRemote = 100 });
        Assert.True(client.TryOpenStream(StreamDirection.Bidirectional, out StreamId id));
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(id.Value, 0, new byte[100], false), Instant.Zero));
        Assert.Equal(TransportErrorCode.FlowControlError, server.HandleStream(new(id.Value, 100, new byte[1], false), Instant.Zero));
    }

    [Fact]
    public void ConnectionLevelViolationThroughTheManagerIsAFlowControlError()
    {
        var (client, server) = StreamTestKit.Pair(new StreamManagerOptions { MaxData = 150, MaxStreamDataBidiRemote = 100 });
        Assert.True(client.TryOpenStream(StreamDirection.Bidirectional, out StreamId a));
        Assert.True(client.TryOpenStream(StreamDirection.Bidirectional, out StreamId b));

        // The connection limit counts the sum of highest offsets, gaps included (RFC 9000 §4.1).
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(a.Value, 99, new byte[1], false), Instant.Zero));
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(b.Value, 40, new byte[10], false), Instant.Zero));
        Assert.Equal(TransportErrorCode.FlowControlError, server.HandleStream(new(b.Value, 50, new byte[1], false), Instant.Zero));
    }

    [Fact]
    public void ResetFinalSizeCountsTowardsTheConnectionLimit()
    {
        var (client, server) = StreamTestKit.Pair(new StreamManagerOptions { MaxData = 150, MaxStreamDataBidiRemote = 100 });
        client.TryOpenStream(StreamDirection.Bidirectional, out StreamId a);
        client.TryOpenStream(StreamDirection.Bidirectional, out StreamId b);
        // Unread data on one stream plus a reset's final size on another exceed MAX_DATA.
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(a.Value, 0, new byte[100], false), Instant.Zero));
        Assert.Equal(TransportErrorCode.FlowControlError, server.HandleResetStream(new(b.Value, 0, 51), Instant.Zero));
    }

    [Fact]
    public void SenderIsLimitedByCreditAndReportsBlockedOncePerLimit()
    {
        var (client, server) = StreamTestKit.Pair(
            new StreamManagerOptions { MaxData = 10_000, MaxStreamDataBidiRemote = 1000 });
        client.TryOpenStream(StreamDirection.Bidirectional, out StreamId id);
        Assert.Equal(3000, client.Write(id, new byte[3000]));

        var frames = StreamTestKit.DrainFrames(client);
        Assert.Equal(1000, frames.StreamBytes);
        Assert.Equal(1, frames.Count(Core.Wire.Frames.FrameType.StreamDataBlocked));
        Assert.Equal(1000UL, frames.StreamDataBlockedLimit);

        // Nothing more, and no second blocked frame at the same limit.
        var again = StreamTestKit.DrainFrames(client);
        Assert.Equal(0, again.Total);

        // MAX_STREAM_DATA unblocks; the next block at the new limit is reported again.
        Assert.Equal(TransportErrorCode.NoError, client.HandleMaxStreamData(new(id.Value, 2500), Instant.Zero));
        var more = StreamTestKit.DrainFrames(client);
        Assert.Equal(1500, more.StreamBytes);
        Assert.Equal(1, more.Count(Core.Wire.Frames.FrameType.StreamDataBlocked));
        Assert.Equal(2500UL, more.StreamDataBlockedLimit);
        _ = server;
    }

    [Fact]
    public void ConnectionCreditBlocksAllStreamsAndDataBlockedIsSentOnce()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions { MaxData = 1500, MaxStreamDataBidiRemote = 10_000 });
        client.TryOpenStream(StreamDirection.Bidirectional, out StreamId a);
        client.TryOpenStream(StreamDirection.Bidirectional, out StreamId b);
        client.Write(a, new byte[1000]);
        client.Write(b, new byte[1000]);
        var frames = StreamTestKit.DrainFrames(client);
        Assert.Equal(1500, frames.StreamBytes);
        Assert.Equal(1, frames.Count(Core.Wire.Frames.FrameType.DataBlocked));
        Assert.Equal(0, StreamTestKit.DrainFrames(client).Total);

        client.HandleMaxData(new(1700));
        client.HandleMaxData(new(1600)); // ignored: smaller
        Assert.Equal(200UL, client.ConnectionSendAvailable);
        var more = StreamTestKit.DrainFrames(client);
        Assert.Equal(200, more.StreamBytes);
        Assert.Equal(1, more.Count(Core.Wire.Frames.FrameType.DataBlocked));
    }

    [Fact]
    public void ReadingPastHalfTheWindowEmitsMaxStreamDataAndMaxData()
    {
        var options = new StreamManagerOptions { MaxData = 4000, MaxStreamDataBidiRemote = 1000, MaxStreamWindowLimit = 1000, MaxDataWindowLimit = 4000 };
        var (client, server) = StreamTestKit.Pair(options);
        client.TryOpenStream(StreamDirection.Bidirectional, out StreamId id);
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(id.Value, 0, new byte[1000], false), Instant.Zero));

        var buffer = new byte[500];
        Assert.Equal(500, server.Read(id, buffer, Instant.Zero).BytesRead);
        Assert.Equal(0, StreamTestKit.DrainFrames(server).Total); // exactly half: not yet

        Assert.Equal(1, server.Read(id, buffer.AsSpan(0, 1), Instant.Zero).BytesRead);
        var frames = StreamTestKit.DrainFrames(server);
        Assert.Equal(1, frames.Count(Core.Wire.Frames.FrameType.MaxStreamData));
        Assert.Equal(1501UL, frames.MaxStreamDataValue);
        Assert.Equal(0, frames.Count(Core.Wire.Frames.FrameType.MaxData));

        // The connection window (4000) is half consumed after 2001 bytes.
        ulong offset = 1000;
        while (offset < 2100)
        {
            Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(id.Value, offset, new byte[100], false), Instant.Zero));
            offset += 100;
            while (server.Read(id, buffer, Instant.Zero).BytesRead > 0)
            {
            }
        }

        frames = StreamTestKit.DrainFrames(server);
        Assert.Equal(1, frames.Count(Core.Wire.Frames.FrameType.MaxData));
        Assert.Equal(server.ConnectionReceiveLimit, frames.MaxDataValue);
        Assert.True(frames.MaxDataValue > 4000);
    }
}
