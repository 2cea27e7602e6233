using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Streams;

public sealed class StreamLimitTests
{
    [Fact]
    public void APeerStreamOpensEveryLowerStreamOfItsType()
    {
        var (_, server) = StreamTestKit.Pair(new StreamManagerOptions { MaxStreamsBidi = 10 });
        var third = StreamId.Create(true, true, 3);
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(third.Value, 0, new byte[5], false), Instant.Zero));
        var opened = StreamTestKit.Events(server).Where(e => e.Kind == StreamEventKind.Opened).Select(e => e.StreamId.Value).ToArray();
        Assert.Equal([0UL, 4UL, 8UL, 12UL], opened);
        Assert.Equal(4, server.StreamCount);

        // A lower stream arriving later is already open: no second Opened event.
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(4, 0, new byte[5], false), Instant.Zero));
        Assert.DoesNotContain(StreamTestKit.Events(server), e => e.Kind == StreamEventKind.Opened);
    }

    [Fact]
    public void APeerStreamBeyondOurLimitIsAStreamLimitError()
    {
        var (_, server) = StreamTestKit.Pair(new StreamManagerOptions { MaxStreamsBidi = 2, MaxStreamsUni = 1 });
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(StreamId.Create(true, true, 1).Value, 0, [], false), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamLimitError, server.HandleStream(new(StreamId.Create(true, true, 2).Value, 0, [], false), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamLimitError, server.HandleStream(new(StreamId.Create(true, false, 1).Value, 0, [], false), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamLimitError, server.HandleStopSending(new(StreamId.Create(true, true, 5).Value, 0), Instant.Zero));
    }

    [Fact]
    public void OpeningBeyondThePeerLimitQueuesStreamsBlockedOncePerLimit()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions { MaxStreamsUni = 2 });
        Assert.True(client.TryOpenStream(StreamDirection.Unidirectional, out StreamId first));
        Assert.True(client.TryOpenStream(StreamDirection.Unidirectional, out StreamId second));
        Assert.Equal(2UL, first.Value);
        Assert.Equal(6UL, second.Value);
        Assert.False(client.TryOpenStream(StreamDirection.Unidirectional, out _));
        Assert.False(client.TryOpenStream(StreamDirection.Unidirectional, out _));

        var frames = StreamTestKit.DrainFrames(client);
        Assert.Equal(1, frames.Count(FrameType.StreamsBlockedUni));
        Assert.Equal(2UL, frames.StreamsBlockedValue);

        // MAX_STREAMS never decreases: a smaller value is ignored; a larger one lets us open again.
        client.HandleMaxStreams(new(false, 1));
        Assert.False(client.TryOpenStream(StreamDirection.Unidirectional, out _));
        Assert.Equal(0, StreamTestKit.DrainFrames(client).Total);
        client.HandleMaxStreams(new(false, 3));
        var events = StreamTestKit.Events(client);
        Assert.Contains(events, e => e.Kind == StreamEventKind.StreamsAvailable && e.StreamId.Value == 10);
        Assert.True(client.TryOpenStream(StreamDirection.Unidirectional, out StreamId third));
        Assert.Equal(10UL, third.Value);
        Assert.False(client.TryOpenStream(StreamDirection.Unidirectional, out _));
        Assert.Equal(3UL, StreamTestKit.DrainFrames(client).StreamsBlockedValue);
    }

    [Fact]
    public void ClosingPeerStreamsRaisesMaxStreamsAndKeepsTheConcurrency()
    {
        var (_, server) = StreamTestKit.Pair(new StreamManagerOptions { MaxStreamsUni = 3 });
        var buffer = new byte[16];
        for (ulong index = 0; index < 3; index++)
        {
            Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(StreamId.Create(true, false, index).Value, 0, new byte[4], true), Instant.Zero));
        }

        Assert.Equal(TransportErrorCode.StreamLimitError, server.HandleStream(new(StreamId.Create(true, false, 3).Value, 0, [], true), Instant.Zero));
        Assert.Equal(0, StreamTestKit.DrainFrames(server).Count(FrameType.MaxStreamsUni));

        // Reading stream 0 to its end closes it: the limit moves to 4.
        Assert.Equal(StreamReadStatus.Finished, server.Read(StreamId.Create(true, false, 0), buffer, Instant.Zero).Status);
        var frames = StreamTestKit.DrainFrames(server);
        Assert.Equal(1, frames.Count(FrameType.MaxStreamsUni));
        Assert.Equal(4UL, frames.MaxStreamsValue);
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(StreamId.Create(true, false, 3).Value, 0, [], true), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamLimitError, server.HandleStream(new(StreamId.Create(true, false, 4).Value, 0, [], true), Instant.Zero));

        // Closing two more raises it to 6, sent as one frame with the latest value.
        server.Read(StreamId.Create(true, false, 1), buffer, Instant.Zero);
        server.Read(StreamId.Create(true, false, 2), buffer, Instant.Zero);
        frames = StreamTestKit.DrainFrames(server);
        Assert.Equal(1, frames.Count(FrameType.MaxStreamsUni));
        Assert.Equal(6UL, frames.MaxStreamsValue);
    }

    [Fact]
    public void LostMaxStreamsIsResentOnlyWhileCurrent()
    {
        var (_, server) = StreamTestKit.Pair(new StreamManagerOptions { MaxStreamsUni = 1 });
        server.HandleStream(new(StreamId.Create(true, false, 0).Value, 0, [1], true), Instant.Zero);
        server.Read(StreamId.Create(true, false, 0), new byte[4], Instant.Zero);
        StreamTestKit.Packet packet = StreamTestKit.BuildPacket(server)!;
        Assert.Single(packet.Control);
        packet.Lost(server);
        StreamTestKit.Packet again = StreamTestKit.BuildPacket(server)!;
        Assert.Equal(packet.Control[0], again.Control[0]);

        // After a newer value, losing the old frame does not resend it.
        server.HandleStream(new(StreamId.Create(true, false, 1).Value, 0, [1], true), Instant.Zero);
        server.Read(StreamId.Create(true, false, 1), new byte[4], Instant.Zero);
        StreamTestKit.Packet newer = StreamTestKit.BuildPacket(server)!;
        Assert.Equal(3UL, newer.Control[0].Value);
        again.Lost(server);
        Assert.Null(StreamTestKit.BuildPacket(server));
    }
}
