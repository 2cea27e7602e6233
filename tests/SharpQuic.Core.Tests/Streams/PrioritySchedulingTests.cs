using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Streams;

/// <summary>RFC 9218 §10 scheduling of STREAM data by urgency and the incremental flag.</summary>
public sealed class PrioritySchedulingTests
{
    [Fact]
    public void EveryByteOfAMoreUrgentStreamGoesBeforeAnyByteOfALessUrgentOne()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        StreamId low = Open(client, StreamDirection.Unidirectional, urgency: 5, incremental: true);
        StreamId high = Open(client, StreamDirection.Unidirectional, urgency: 1, incremental: true);
        StreamId middle = Open(client, StreamDirection.Unidirectional, urgency: 3, incremental: false);
        foreach (StreamId id in new[] { low, high, middle })
        {
            Assert.Equal(20_000, client.Write(id, new byte[20_000], fin: true));
        }

        List<SentStreamFrame> frames = Drain(client);
        Assert.Equal(60_000, frames.Sum(f => f.Length));
        Assert.True(LastIndex(frames, high) < FirstIndex(frames, middle));
        Assert.True(LastIndex(frames, middle) < FirstIndex(frames, low));
        Assert.Equal(20_000, frames.Where(f => f.StreamId == high).Sum(f => f.Length));
        Assert.True(frames[LastIndex(frames, high)].Fin);
    }

    [Fact]
    public void NonIncrementalStreamsOfOneUrgencyFinishOneByOneInStreamIdOrder()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        var ids = new StreamId[4];
        for (int i = 0; i < ids.Length; i++)
        {
            Assert.True(client.TryOpenStream(StreamDirection.Bidirectional, out ids[i]));
        }

        // Priorities and data arrive in the reverse order: the stream ID alone decides.
        for (int i = ids.Length - 1; i >= 0; i--)
        {
            Assert.True(client.SetPriority(ids[i], 2, incremental: false));
            client.Write(ids[i], new byte[8000 + (i * 100)], fin: true);
        }

        List<SentStreamFrame> frames = Drain(client);
        List<StreamId> runs = Runs(frames);
        Assert.Equal(ids, runs);
        for (int i = 0; i < ids.Length; i++)
        {
            Assert.Equal(8000 + (i * 100), frames.Where(f => f.StreamId == ids[i]).Sum(f => f.Length));
        }
    }

    [Fact]
    public void IncrementalStreamsOfOneUrgencyInterleave()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        StreamId a = Open(client, StreamDirection.Unidirectional, urgency: 4, incremental: true);
        StreamId b = Open(client, StreamDirection.Unidirectional, urgency: 4, incremental: true);
        StreamId c = Open(client, StreamDirection.Unidirectional, urgency: 4, incremental: true);
        foreach (StreamId id in new[] { a, b, c })
        {
            client.Write(id, new byte[12_000]);
        }

        List<SentStreamFrame> frames = Drain(client);
        List<StreamId> runs = Runs(frames);

        // Every stream is served before any of them has sent half its data, and the turns keep cycling.
        Assert.True(runs.Count >= 20);
        Assert.Equal(3, runs.Take(3).Distinct().Count());
        for (int i = 3; i < runs.Count - 3; i++)
        {
            Assert.Equal(runs[i - 3], runs[i]);
        }
    }

    [Fact]
    public void NonIncrementalStreamsGoBeforeIncrementalOnesOfTheSameUrgency()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        StreamId incremental = Open(client, StreamDirection.Unidirectional, urgency: 3, incremental: true);
        StreamId whole = Open(client, StreamDirection.Unidirectional, urgency: 3, incremental: false);
        StreamId urgent = Open(client, StreamDirection.Unidirectional, urgency: 2, incremental: true);
        client.Write(incremental, new byte[10_000]);
        client.Write(whole, new byte[10_000]);
        client.Write(urgent, new byte[3_000]);

        List<StreamId> runs = Runs(Drain(client));
        Assert.Equal([urgent, whole, incremental], runs);
    }

    [Fact]
    public void APriorityChangeTakesEffectMidTransfer()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        StreamId first = Open(client, StreamDirection.Bidirectional, urgency: 3, incremental: false);
        StreamId second = Open(client, StreamDirection.Bidirectional, urgency: 3, incremental: false);
        StreamId third = Open(client, StreamDirection.Bidirectional, urgency: 6, incremental: true);
        client.Write(first, new byte[30_000], fin: true);
        client.Write(second, new byte[30_000], fin: true);
        client.Write(third, new byte[30_000], fin: true);

        var frames = new List<SentStreamFrame>();
        for (int i = 0; i < 5; i++)
        {
            frames.AddRange(StreamTestKit.BuildPacket(client)!.Stream);
        }

        Assert.All(frames, f => Assert.Equal(first, f.StreamId));

        // The queued third stream jumps ahead of both; the head stream drops behind the second.
        Assert.True(client.SetPriority(third, 0, incremental: false));
        Assert.True(client.SetPriority(first, 5, incremental: false));
        Assert.True(client.TryGetPriority(third, out byte urgency, out bool isIncremental));
        Assert.Equal((0, false), (urgency, isIncremental));

        List<SentStreamFrame> rest = Drain(client);
        Assert.Equal([third, second, first], Runs(rest));
        Assert.Equal(90_000, frames.Concat(rest).Sum(f => f.Length));

        // The first stream resumes where it stopped: no byte is sent twice.
        ulong resumedAt = rest.First(f => f.StreamId == first).Offset;
        Assert.Equal((ulong)frames.Sum(f => f.Length), resumedAt);
    }

    [Fact]
    public void SwitchingAQueuedStreamBetweenIncrementalAndNotLeavesNoDuplicateTurns()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        StreamId a = Open(client, StreamDirection.Unidirectional, urgency: 3, incremental: true);
        StreamId b = Open(client, StreamDirection.Unidirectional, urgency: 3, incremental: true);
        client.Write(a, new byte[6000]);
        client.Write(b, new byte[6000]);

        // Back and forth while queued: stale entries must not make a stream count twice or send twice.
        for (int i = 0; i < 10; i++)
        {
            client.SetPriority(a, (byte)(i % 8), incremental: i % 2 == 0);
        }

        client.SetPriority(a, 3, incremental: true);
        List<SentStreamFrame> frames = Drain(client);
        Assert.Equal(6000, frames.Where(f => f.StreamId == a).Sum(f => f.Length));
        Assert.Equal(6000, frames.Where(f => f.StreamId == b).Sum(f => f.Length));
        Assert.Equal(frames.Count, frames.Select(f => (f.StreamId, f.Offset)).Distinct().Count());
        Assert.True(Runs(frames).Count > 2);
        Assert.False(client.HasPendingSend);
    }

    [Fact]
    public void AFlowControlBlockedUrgentStreamDoesNotStallLessUrgentOnes()
    {
        // The peer allows 1000 bytes on the client's unidirectional streams, 256 KiB on its bidirectional ones.
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions(), new StreamManagerOptions { MaxStreamDataUni = 1000 });
        StreamId urgent = Open(client, StreamDirection.Unidirectional, urgency: 0, incremental: false);
        StreamId background = Open(client, StreamDirection.Bidirectional, urgency: 7, incremental: true);
        client.Write(urgent, new byte[5000], fin: true);
        client.Write(background, new byte[50_000]);

        var frames = new List<SentStreamFrame>();
        var control = new List<SentControlFrame>();
        for (int i = 0; i < 6; i++)
        {
            StreamTestKit.Packet packet = StreamTestKit.BuildPacket(client)!;
            frames.AddRange(packet.Stream);
            control.AddRange(packet.Control);
        }

        Assert.Equal(1000, frames.Where(f => f.StreamId == urgent).Sum(f => f.Length));
        Assert.True(LastIndex(frames, urgent) < FirstIndex(frames, background));
        Assert.True(frames.Where(f => f.StreamId == background).Sum(f => f.Length) > 3000);
        Assert.Contains(control, f => f.Type == FrameType.StreamDataBlocked && f.StreamId == urgent);

        // Credit arrives: the urgent stream takes over again until it is done.
        Assert.Equal(TransportErrorCode.NoError, client.HandleMaxStreamData(new(urgent.Value, 10_000), Instant.Zero));
        List<SentStreamFrame> rest = Drain(client);
        Assert.Equal([urgent, background], Runs(rest));
        Assert.Equal(4000, rest.Where(f => f.StreamId == urgent).Sum(f => f.Length));
        Assert.Equal(50_000, frames.Concat(rest).Where(f => f.StreamId == background).Sum(f => f.Length));
    }

    [Fact]
    public void StreamsWithoutAPriorityAreUrgencyThreeIncrementalAndTakeTurns()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        var ids = new StreamId[3];
        for (int i = 0; i < ids.Length; i++)
        {
            Assert.True(client.TryOpenStream(StreamDirection.Unidirectional, out ids[i]));
            client.Write(ids[i], new byte[9000]);
            Assert.True(client.TryGetPriority(ids[i], out byte urgency, out bool incremental));
            Assert.Equal((3, true), (urgency, incremental));
        }

        // A stream set to the same default values behaves like the others.
        Assert.True(client.SetPriority(ids[1], 3, incremental: true));
        List<StreamId> runs = Runs(Drain(client));
        Assert.True(runs.Count >= 15);
        for (int i = 3; i < runs.Count - 3; i++)
        {
            Assert.Equal(runs[i - 3], runs[i]);
        }

        // A non-incremental stream at the default urgency goes ahead of them.
        StreamId whole = Open(client, StreamDirection.Unidirectional, urgency: 3, incremental: false);
        foreach (StreamId id in ids)
        {
            client.Write(id, new byte[3000]);
        }

        client.Write(whole, new byte[3000]);
        Assert.Equal(whole, Runs(Drain(client))[0]);
    }

    [Fact]
    public void SetPriorityRejectsUrgencyAboveSevenAndUnknownStreams()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        Assert.True(client.TryOpenStream(StreamDirection.Bidirectional, out StreamId id));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.SetPriority(id, 8, false));
        Assert.True(client.SetPriority(id, 7, false));
        Assert.False(client.SetPriority(StreamId.Create(true, true, 40), 1, true));
        Assert.False(client.TryGetPriority(StreamId.Create(true, true, 40), out _, out _));
    }

    [Fact]
    public void LostDataOfAStreamIsResentBeforeItsNewData()
    {
        var (client, _) = StreamTestKit.Pair(new StreamManagerOptions());
        StreamId urgent = Open(client, StreamDirection.Unidirectional, urgency: 1, incremental: false);
        StreamId slow = Open(client, StreamDirection.Unidirectional, urgency: 6, incremental: false);
        client.Write(urgent, new byte[3000]);
        client.Write(slow, new byte[3000]);
        StreamTestKit.Packet first = StreamTestKit.BuildPacket(client)!;
        Assert.Equal(urgent, first.Stream[0].StreamId);
        first.Lost(client);
        StreamTestKit.Packet again = StreamTestKit.BuildPacket(client)!;
        Assert.Equal(urgent, again.Stream[0].StreamId);
        Assert.Equal(0UL, again.Stream[0].Offset);
    }

    [Fact]
    public void SchedulingAndReprioritizingAllocateNothingOnceWarm()
    {
        var options = new StreamManagerOptions { MaxData = 1UL << 40, MaxStreamDataUni = 1UL << 30, MaxDataWindowLimit = 1UL << 30 };
        var (client, _) = StreamTestKit.Pair(options);
        var ids = new StreamId[6];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = Open(client, StreamDirection.Unidirectional, urgency: (byte)(i % 3), incremental: i % 2 == 0);
        }

        byte[] data = new byte[8192];
        byte[] packet = new byte[StreamTestKit.PacketSize];
        long frames = 0;
        void Round(int round)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                client.Write(ids[i], data);
            }

            // Move one queued stream around while it has data.
            client.SetPriority(ids[round % ids.Length], (byte)(round % 8), incremental: round % 3 == 0);
            while (true)
            {
                var writer = new Core.Wire.QuicWriter(packet);
                bool any = false;
                while (client.TryWriteStreamFrame(ref writer, out SentStreamFrame sent))
                {
                    client.OnStreamFrameAcked(sent);
                    frames++;
                    any = true;
                }

                if (!any)
                {
                    break;
                }
            }

            while (client.PollEvent(out _))
            {
            }
        }

        for (int r = 0; r < 200; r++)
        {
            Round(r);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        long framesBefore = frames;
        for (int r = 200; r < 400; r++)
        {
            Round(r);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(frames - framesBefore > 5000);
        Assert.Equal(0, allocated);
    }

    private static StreamId Open(StreamManager manager, StreamDirection direction, byte urgency, bool incremental)
    {
        Assert.True(manager.TryOpenStream(direction, out StreamId id));
        Assert.True(manager.SetPriority(id, urgency, incremental));
        return id;
    }

    /// <summary>Builds packets until nothing is left, returning every STREAM frame in sending order.</summary>
    private static List<SentStreamFrame> Drain(StreamManager sender)
    {
        var frames = new List<SentStreamFrame>();
        for (StreamTestKit.Packet? packet = StreamTestKit.BuildPacket(sender); packet is not null; packet = StreamTestKit.BuildPacket(sender))
        {
            frames.AddRange(packet.Stream);
        }

        return frames;
    }

    /// <summary>The stream of each run of consecutive frames of one stream.</summary>
    private static List<StreamId> Runs(List<SentStreamFrame> frames)
    {
        var runs = new List<StreamId>();
        foreach (SentStreamFrame f in frames)
        {
            if (runs.Count == 0 || runs[^1] != f.StreamId)
            {
                runs.Add(f.StreamId);
            }
        }

        return runs;
    }

    private static int FirstIndex(List<SentStreamFrame> frames, StreamId id) => frames.FindIndex(f => f.StreamId == id);

    private static int LastIndex(List<SentStreamFrame> frames, StreamId id) => frames.FindLastIndex(f => f.StreamId == id);
}

/// <summary>The scheduler on its own: picks and the bound on stale entries.</summary>
public sealed class StreamSendSchedulerTests
{
    [Fact]
    public void PriorityFlipsOfStarvedStreamsDoNotPileUpEntries()
    {
        var scheduler = new StreamSendScheduler();
        var urgent = new StreamRecord(StreamId.Create(false, true, 0), null, null);
        scheduler.SetPriority(urgent, 0, incremental: false);
        scheduler.Enqueue(urgent);
        var starved = new StreamRecord[10];
        for (int i = 0; i < starved.Length; i++)
        {
            starved[i] = new StreamRecord(StreamId.Create(false, true, (ulong)i + 1), null, null);
            scheduler.Enqueue(starved[i]);
        }

        // A peer flipping priorities of streams in buckets that are never visited (the urgent stream always has data).
        for (int n = 0; n < 100_000; n++)
        {
            scheduler.SetPriority(starved[n % starved.Length], (byte)(6 + (n & 1)), incremental: (n & 2) == 0);
            Assert.True(scheduler.TryPeek(out StreamRecord head));
            Assert.Same(urgent, head);
            scheduler.AfterFrame();
        }

        Assert.Equal(11, scheduler.Count);
        Assert.InRange(scheduler.EntryCount, 11, (2 * 11) + 33);

        // Every stream is still there exactly once, in the order of its last priority.
        scheduler.TryPeek(out StreamRecord first);
        scheduler.RemoveHead();
        Assert.Same(urgent, first);
        var seen = new HashSet<StreamRecord>();
        int lastUrgency = -1;
        while (scheduler.TryPeek(out StreamRecord record))
        {
            Assert.True(seen.Add(record));
            Assert.True(record.Urgency >= lastUrgency);
            lastUrgency = record.Urgency;
            scheduler.RemoveHead();
        }

        Assert.Equal(10, seen.Count);
        Assert.Equal(0, scheduler.Count);
    }

    [Fact]
    public void NonIncrementalStreamsArePickedByLowestIdAndIncrementalOnesRotate()
    {
        var scheduler = new StreamSendScheduler();
        var records = new StreamRecord[4];
        for (int i = 0; i < records.Length; i++)
        {
            records[i] = new StreamRecord(StreamId.Create(true, true, (ulong)i), null, null);
        }

        scheduler.SetPriority(records[3], 2, incremental: false);
        scheduler.SetPriority(records[1], 2, incremental: false);
        scheduler.Enqueue(records[3]);
        scheduler.Enqueue(records[1]);
        scheduler.Enqueue(records[0]);
        scheduler.Enqueue(records[2]);

        // Non-incremental at urgency 2 stays at the head while it sends, lowest ID first.
        for (int n = 0; n < 3; n++)
        {
            Assert.True(scheduler.TryPeek(out StreamRecord head));
            Assert.Same(records[1], head);
            scheduler.AfterFrame();
        }

        scheduler.RemoveHead();
        Assert.True(scheduler.TryPeek(out StreamRecord next));
        Assert.Same(records[3], next);
        scheduler.RemoveHead();

        // The two default (urgency 3, incremental) streams alternate.
        var order = new List<StreamRecord>();
        for (int n = 0; n < 4; n++)
        {
            Assert.True(scheduler.TryPeek(out StreamRecord head));
            order.Add(head);
            scheduler.AfterFrame();
        }

        Assert.Equal([records[0], records[2], records[0], records[2]], order);
        Assert.Throws<InvalidOperationException>(() => scheduler.RemoveHead());
    }
}
