using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Streams;

public sealed class SchedulingTests
{
    [Fact]
    public void StreamsWithDataTakeTurns()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        var ids = new StreamId[3];
        for (int i = 0; i < ids.Length; i++)
        {
            client.TryOpenStream(StreamDirection.Unidirectional, out ids[i]);
            client.Write(ids[i], new byte[10_000]);
        }

        var order = new List<StreamId>();
        for (int i = 0; i < 9; i++)
        {
            StreamTestKit.Packet packet = StreamTestKit.BuildPacket(client)!;
            order.AddRange(packet.Stream.Select(f => f.StreamId));
        }

        // Full packets hold one frame each (sometimes two at a chunk boundary): the order cycles.
        var distinctRuns = order.Where((id, i) => i == 0 || order[i - 1] != id).ToList();
        for (int i = 3; i < distinctRuns.Count; i++)
        {
            Assert.Equal(distinctRuns[i - 3], distinctRuns[i]);
        }

        Assert.Equal(3, distinctRuns.Take(3).Distinct().Count());
    }

    [Fact]
    public void LostDataGoesBeforeNewDataOfTheSameStream()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id);
        client.Write(id, new byte[5000]);
        StreamTestKit.Packet first = StreamTestKit.BuildPacket(client)!;
        StreamTestKit.Packet second = StreamTestKit.BuildPacket(client)!;
        first.Lost(client);
        StreamTestKit.Packet third = StreamTestKit.BuildPacket(client)!;
        Assert.Equal(first.Stream[0].Offset, third.Stream[0].Offset);
        Assert.Equal(first.Stream[0].Length, third.Stream[0].Length);
        Assert.True(second.Stream[0].Offset > 0);
    }

    [Fact]
    public void LostDataIsResentEvenWithoutConnectionCredit()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions { MaxData = 1000 });
        client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id);
        client.Write(id, new byte[3000]);
        StreamTestKit.Packet packet = StreamTestKit.BuildPacket(client)!;
        Assert.Equal(1000, packet.Stream.Sum(f => f.Length));
        Assert.Equal(FrameType.DataBlocked, Assert.Single(StreamTestKit.BuildPacket(client)!.Control).Type);
        Assert.Null(StreamTestKit.BuildPacket(client));

        packet.Lost(client);
        StreamTestKit.Packet again = StreamTestKit.BuildPacket(client)!;
        Assert.Equal(1000, again.Stream.Sum(f => f.Length));
        Assert.Equal(0UL, again.Stream[0].Offset);
    }

    [Fact]
    public void LostControlFramesAreResentWhileTheyStillMatter()
    {
        var options = new StreamManagerOptions { MaxData = 1000, MaxStreamDataBidiRemote = 600, MaxStreamDataBidiLocal = 600, MaxStreamWindowLimit = 600, MaxDataWindowLimit = 1000 };
        var (client, server) = StreamTestKit.Pair(options);
        client.TryOpenStream(StreamDirection.Bidirectional, out StreamId id);
        client.Write(id, new byte[2000]);

        // STREAM_DATA_BLOCKED: resent after loss while blocked at that limit.
        StreamTestKit.Packet data = StreamTestKit.BuildPacket(client)!;
        StreamTestKit.Packet blocked = StreamTestKit.BuildPacket(client)!;
        Assert.Equal(FrameType.StreamDataBlocked, Assert.Single(blocked.Control).Type);
        blocked.Lost(client);
        Assert.Equal(blocked.Control[0], Assert.Single(StreamTestKit.BuildPacket(client)!.Control));

        // MAX_STREAM_DATA and MAX_DATA from the reader: resent after loss while current.
        StreamTestKit.Deliver(server, data, Instant.Zero);
        Assert.Equal(600, server.Read(id, new byte[1000], Instant.Zero).BytesRead);
        StreamTestKit.Packet updates = StreamTestKit.BuildPacket(server)!;
        Assert.Contains(updates.Control, f => f.Type == FrameType.MaxStreamData && f.Value == 1200);
        Assert.Contains(updates.Control, f => f.Type == FrameType.MaxData && f.Value == 1600);
        updates.Lost(server);
        StreamTestKit.Packet resent = StreamTestKit.BuildPacket(server)!;
        Assert.Equal(updates.Control.OrderBy(f => f.Type), resent.Control.OrderBy(f => f.Type));

        // Once the limit is raised, the old STREAM_DATA_BLOCKED is no longer worth resending.
        StreamTestKit.Deliver(client, resent, Instant.Zero);
        blocked.Lost(client);
        StreamTestKit.Packet next = StreamTestKit.BuildPacket(client)!;
        Assert.DoesNotContain(next.Control, f => f.Type == FrameType.StreamDataBlocked && f.Value == 600);

        // STOP_SENDING: resent after loss until the peer's reset arrives.
        server.AbortRead(id, 9, Instant.Zero);
        StreamTestKit.Packet stop = StreamTestKit.BuildPacket(server)!;
        Assert.Contains(stop.Control, f => f.Type == FrameType.StopSending);
        stop.Lost(server);
        StreamTestKit.Packet stopAgain = StreamTestKit.BuildPacket(server)!;
        Assert.Contains(stopAgain.Control, f => f.Type == FrameType.StopSending && f.Value == 9);
        Assert.Equal(TransportErrorCode.NoError, server.HandleResetStream(new(id.Value, 9, 1200), Instant.Zero));
        stopAgain.Lost(server);
        StreamTestKit.Packet none = StreamTestKit.BuildPacket(server) ?? new StreamTestKit.Packet();
        Assert.DoesNotContain(none.Control, f => f.Type == FrameType.StopSending);
    }

    [Fact]
    public void FastReaderGrowsTheStreamWindowAndSlowReaderDoesNot()
    {
        ulong Run(TimeSpan readInterval)
        {
            var stream = new ReceiveStream(StreamId.Create(true, false, 0), new ChunkPool(1024), 4096, 65536);
            var now = Instant.FromMilliseconds(1);
            var buffer = new byte[1024];
            ulong offset = 0;
            for (int i = 0; i < 200; i++)
            {
                ulong room = stream.MaxStreamData - offset;
                int n = (int)Math.Min(room, 1024);
                Assert.Equal(TransportErrorCode.NoError, stream.OnStreamFrame(offset, new byte[n], false, out _, out _));
                offset += (ulong)n;
                stream.Read(buffer, now, TimeSpan.FromMilliseconds(20), out _, out _, out _);
                now += readInterval;
            }

            return stream.Window;
        }

        Assert.Equal(65536UL, Run(TimeSpan.FromMilliseconds(1)));
        Assert.Equal(4096UL, Run(TimeSpan.FromMilliseconds(50)));
    }
}
