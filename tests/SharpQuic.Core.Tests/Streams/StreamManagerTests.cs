using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Streams;

public sealed class StreamManagerTests
{
    private static readonly StreamId ClientUni0 = StreamId.Create(true, false, 0);
    private static readonly StreamId ServerUni0 = StreamId.Create(false, false, 0);
    private static readonly StreamId ClientBidi0 = StreamId.Create(true, true, 0);

    [Fact]
    public void FramesOnTheWrongSideOfAUnidirectionalStreamAreStreamStateErrors()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        Assert.True(client.TryOpenStream(StreamDirection.Unidirectional, out StreamId uni));
        Assert.Equal(ClientUni0, uni);

        // Our unidirectional stream is send-only: no STREAM (§19.8), RESET_STREAM (§19.4) or STREAM_DATA_BLOCKED (§19.13).
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleStream(new(uni.Value, 0, [1], false), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleResetStream(new(uni.Value, 0, 0), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleStreamDataBlocked(new(uni.Value, 0), Instant.Zero));

        // The peer's unidirectional stream is receive-only: no STOP_SENDING (§19.5) or MAX_STREAM_DATA (§19.10).
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleStopSending(new(ServerUni0.Value, 0), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleMaxStreamData(new(ServerUni0.Value, 10), Instant.Zero));
    }

    [Fact]
    public void FramesForOurStreamsNotYetOpenedAreStreamStateErrors()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleStream(new(ClientBidi0.Value, 0, [1], false), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleResetStream(new(ClientBidi0.Value, 0, 0), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleStopSending(new(ClientBidi0.Value, 0), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleMaxStreamData(new(ClientUni0.Value, 10), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleStreamDataBlocked(new(ClientBidi0.Value, 10), Instant.Zero));

        client.TryOpenStream(StreamDirection.Bidirectional, out _);
        Assert.Equal(TransportErrorCode.NoError, client.HandleStream(new(ClientBidi0.Value, 0, [1], false), Instant.Zero));
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleStream(new(StreamId.Create(true, true, 1).Value, 0, [1], false), Instant.Zero));
    }

    [Fact]
    public void StopSendingAndMaxStreamDataOpenAPeerBidirectionalStream()
    {
        var (_, server) = StreamTestKit.Pair(new StreamManagerOptions());
        Assert.Equal(TransportErrorCode.NoError, server.HandleMaxStreamData(new(ClientBidi0.Value, 5000), Instant.Zero));
        Assert.Contains(StreamTestKit.Events(server), e => e.Kind == StreamEventKind.Opened && e.StreamId == ClientBidi0);
    }

    [Fact]
    public void LateFramesForAClosedStreamAreIgnored()
    {
        var (client, server) = StreamTestKit.Pair(new StreamManagerOptions());
        client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id);
        client.Write(id, new byte[100], fin: true);
        StreamTestKit.Packet packet = StreamTestKit.BuildPacket(client)!;
        Assert.Equal(TransportErrorCode.NoError, StreamTestKit.Deliver(server, packet, Instant.Zero));
        Assert.Equal(StreamReadStatus.Finished, server.Read(id, new byte[200], Instant.Zero).Status);
        Assert.False(server.IsOpen(id));

        // A retransmission, a reset and a blocked signal after the close: no error, nothing reopened.
        Assert.Equal(TransportErrorCode.NoError, StreamTestKit.Deliver(server, packet, Instant.Zero));
        Assert.Equal(TransportErrorCode.NoError, server.HandleResetStream(new(id.Value, 1, 100), Instant.Zero));
        Assert.Equal(TransportErrorCode.NoError, server.HandleStreamDataBlocked(new(id.Value, 100), Instant.Zero));
        Assert.False(server.IsOpen(id));

        // On the sender, the acknowledgment closes the stream; later acks and losses are ignored.
        packet.Acked(client);
        Assert.False(client.IsOpen(id));
        packet.Lost(client);
        Assert.Null(StreamTestKit.BuildPacket(client));
    }

    [Fact]
    public void ResetRoundTrip()
    {
        var (client, server) = StreamTestKit.Pair(new StreamManagerOptions());
        client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id);
        client.Write(id, new byte[3000]);
        StreamTestKit.Packet first = StreamTestKit.BuildPacket(client)!;   // ~1200 bytes sent
        StreamTestKit.Deliver(server, first, Instant.Zero);
        first.Acked(client);
        ulong sent = (ulong)first.Stream.Sum(f => f.Length);

        client.AbortWrite(id, 0x1234);
        Assert.True(client.TryGetSendState(id, out SendStreamState state));
        Assert.Equal(SendStreamState.ResetSent, state);
        Assert.Equal(0, client.Write(id, new byte[10]));

        // The RESET_STREAM is lost once, then sent again with the same final size.
        StreamTestKit.Packet lost = StreamTestKit.BuildPacket(client)!;
        Assert.Equal(FrameType.ResetStream, Assert.Single(lost.Control).Type);
        Assert.Empty(lost.Stream); // buffered data is never sent after a reset
        lost.Lost(client);
        StreamTestKit.Packet reset = StreamTestKit.BuildPacket(client)!;
        Assert.Equal(TransportErrorCode.NoError, StreamTestKit.Deliver(server, reset, Instant.Zero));
        var events = StreamTestKit.Events(server);
        Assert.Contains(events, e => e.Kind == StreamEventKind.ResetReceived && e.StreamId == id && e.ErrorCode == 0x1234);
        StreamReadResult read = server.Read(id, new byte[10], Instant.Zero);
        Assert.Equal(StreamReadStatus.Reset, read.Status);
        Assert.Equal(0x1234UL, read.ErrorCode);
        Assert.False(server.IsOpen(id));

        reset.Acked(client);
        Assert.False(client.IsOpen(id));
        Assert.Equal(sent, (ulong)first.Stream.Sum(f => f.Length));
    }

    [Fact]
    public void StopSendingRoundTrip()
    {
        var (client, server) = StreamTestKit.Pair(new StreamManagerOptions());
        client.TryOpenStream(StreamDirection.Bidirectional, out StreamId id);
        client.Write(id, new byte[500]);
        StreamTestKit.Deliver(server, StreamTestKit.BuildPacket(client)!, Instant.Zero);

        server.AbortRead(id, 77, Instant.Zero);
        StreamTestKit.Packet stop = StreamTestKit.BuildPacket(server)!;
        Assert.Equal(FrameType.StopSending, Assert.Single(stop.Control).Type);
        Assert.Equal(TransportErrorCode.NoError, StreamTestKit.Deliver(client, stop, Instant.Zero));
        Assert.Contains(StreamTestKit.Events(client), e => e.Kind == StreamEventKind.StopSendingReceived && e.ErrorCode == 77);

        // RFC 9000 §3.5: the answer is a RESET_STREAM with the peer's code.
        StreamTestKit.Packet reset = StreamTestKit.BuildPacket(client)!;
        Assert.Equal(new SentControlFrame(FrameType.ResetStream, id, 77), Assert.Single(reset.Control));
        Assert.Equal(TransportErrorCode.NoError, StreamTestKit.Deliver(server, reset, Instant.Zero));

        // The server's receiving part is done; its sending part (bidirectional) is still open.
        Assert.True(server.TryGetReceiveState(id, out ReceiveStreamState receiveState));
        Assert.Equal(ReceiveStreamState.ResetRead, receiveState);
        server.Write(id, [1, 2, 3], fin: true);
        StreamTestKit.Packet answer = StreamTestKit.BuildPacket(server)!;
        Assert.Equal(TransportErrorCode.NoError, StreamTestKit.Deliver(client, answer, Instant.Zero));
        answer.Acked(server);
        Assert.False(server.IsOpen(id));

        var buffer = new byte[10];
        StreamReadResult read = client.Read(id, buffer, Instant.Zero);
        Assert.Equal(StreamReadStatus.Finished, read.Status);
        Assert.Equal(3, read.BytesRead);
        reset.Acked(client);
        Assert.False(client.IsOpen(id));
    }

    [Fact]
    public void AbortingReadAfterTheFinArrivedFinishesWithoutStopSending()
    {
        var (client, server) = StreamTestKit.Pair(new StreamManagerOptions { MaxData = 200 });
        client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id);
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(id.Value, 100, new byte[50], true), Instant.Zero));
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(id.Value, 0, new byte[20], false), Instant.Zero));
        server.AbortRead(id, 5, Instant.Zero);
        Assert.False(server.IsOpen(id));

        // No STOP_SENDING (the peer sent everything), and the whole final size (150) counts as
        // consumed, so the connection window moves on: MAX_DATA 150 + 200.
        var frames = StreamTestKit.DrainFrames(server);
        Assert.Equal(0, frames.Count(FrameType.StopSending));
        Assert.Equal(350UL, frames.MaxDataValue);

        // Late data for the finished stream is ignored.
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new(id.Value, 20, new byte[80], false), Instant.Zero));
        Assert.Equal(StreamReadStatus.Closed, server.Read(id, new byte[10], Instant.Zero).Status);
    }

    [Fact]
    public void EventsSignalReadableOnceUntilRead()
    {
        var (client, server) = StreamTestKit.Pair(new StreamManagerOptions());
        client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id);
        server.HandleStream(new(id.Value, 0, new byte[10], false), Instant.Zero);
        server.HandleStream(new(id.Value, 10, new byte[10], false), Instant.Zero);
        Assert.Single(StreamTestKit.Events(server), e => e.Kind == StreamEventKind.Readable);
        Assert.Equal(20, server.Read(id, new byte[100], Instant.Zero).BytesRead);
        server.HandleStream(new(id.Value, 20, new byte[10], true), Instant.Zero);
        Assert.Single(StreamTestKit.Events(server), e => e.Kind == StreamEventKind.Readable);
    }

    [Fact]
    public void WritableAndFinishedEventsFollowAcknowledgments()
    {
        var options = new StreamManagerOptions { SendBufferSize = 1000 };
        var (client, server) = StreamTestKit.Pair(options);
        client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id);
        Assert.Equal(1000, client.Write(id, new byte[1500]));
        Assert.Equal(0, client.GetWritable(id));
        StreamTestKit.Packet packet = StreamTestKit.BuildPacket(client)!;
        StreamTestKit.Deliver(server, packet, Instant.Zero);
        packet.Acked(client);
        Assert.Contains(StreamTestKit.Events(client), e => e.Kind == StreamEventKind.Writable && e.StreamId == id);
        Assert.Equal(1000, client.GetWritable(id));

        client.FinishWrites(id);
        packet = StreamTestKit.BuildPacket(client)!;
        packet.Acked(client);
        Assert.Contains(StreamTestKit.Events(client), e => e.Kind == StreamEventKind.Finished && e.StreamId == id);
        Assert.False(client.IsOpen(id));
    }

    [Fact]
    public void TryHandleFrameDispatchesStreamFramesAndLeavesOthers()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions { MaxStreamsBidi = 1 });
        var payload = new byte[64];
        var writer = new Core.Wire.QuicWriter(payload);
        Assert.True(new PingFrame().TryWrite(ref writer));
        Assert.True(new MaxStreamsFrame(true, 5).TryWrite(ref writer));
        Assert.True(new MaxDataFrame(1 << 30).TryWrite(ref writer));
        var frames = new FrameReader(payload.AsSpan(0, writer.Written), Core.Packets.PacketType.OneRtt);
        var handled = new List<bool>();
        while (frames.TryReadNext(out FrameType type, out TransportErrorCode error))
        {
            handled.Add(client.TryHandleFrame(ref frames, type, Instant.Zero, out error));
            Assert.Equal(TransportErrorCode.NoError, error);
        }

        Assert.Equal([false, true, true], handled);
        Assert.Equal(1UL << 30, client.ConnectionSendAvailable);
        Assert.Contains(StreamTestKit.Events(client), e => e.Kind == StreamEventKind.StreamsAvailable);

        // MAX_STREAMS above 2^60 is refused by the frame parser (RFC 9000 §19.11).
        byte[] bad = [0x12, 0xD0, 0, 0, 0, 0, 0, 0, 1]; // 2^60 + 1
        var badFrames = new FrameReader(bad, Core.Packets.PacketType.OneRtt);
        Assert.True(badFrames.TryReadNext(out FrameType badType, out _));
        Assert.True(client.TryHandleFrame(ref badFrames, badType, Instant.Zero, out TransportErrorCode badError));
        Assert.Equal(TransportErrorCode.FrameEncodingError, badError);
    }

    [Fact]
    public void ApplicationMisuseOfDirectionsThrows()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        Assert.Throws<InvalidOperationException>(() => client.Write(ServerUni0, [1]));
        Assert.Throws<InvalidOperationException>(() => client.Read(ClientUni0, new byte[1], Instant.Zero));
    }
}
