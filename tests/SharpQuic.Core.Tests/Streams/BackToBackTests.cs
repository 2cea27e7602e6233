using System.Security.Cryptography;
using SharpQuic.Core.Streams;

namespace SharpQuic.Core.Tests.Streams;

/// <summary>
/// Two stream managers back to back: frames written by one are parsed (FrameReader) and handled
/// by the other, through a link that loses, duplicates and reorders packets. Lost packets are
/// reported to the sender, which re-queues ranges and control frames.
/// </summary>
public sealed class BackToBackTests
{
    private sealed class Outgoing
    {
        public required StreamId Id { get; init; }

        public required byte[] Data { get; init; }

        public int Position { get; set; }

        public bool AbortHalfway { get; init; }

        public bool Aborted { get; set; }

        public bool Written { get; set; }

        public List<byte> Response { get; } = [];

        public bool ResponseDone { get; set; }
    }

    private sealed class Incoming
    {
        public IncrementalHash Hash { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public byte[]? Digest { get; set; }

        public bool Reset { get; set; }

        public bool ResponseWritten { get; set; }

        public bool Stopped { get; set; }
    }

    private sealed class Link(Random random, double loss)
    {
        private readonly List<(StreamTestKit.Packet Packet, StreamManager Sender)> _unacked = [];

        public int Lost { get; private set; }

        public void Transfer(StreamManager sender, StreamManager receiver, Instant now, int maxPackets)
        {
            // Acknowledge last round's delivered packets, in random order (delayed ACKs).
            foreach (var (packet, from) in _unacked.OrderBy(_ => random.Next()).ToList())
            {
                if (from == sender)
                {
                    packet.Acked(sender);
                    _unacked.Remove((packet, from));
                }
            }

            var packets = new List<StreamTestKit.Packet>();
            for (int i = 0; i < maxPackets && StreamTestKit.BuildPacket(sender) is { } packet; i++)
            {
                packets.Add(packet);
            }

            foreach (StreamTestKit.Packet packet in packets.OrderBy(_ => random.Next()))
            {
                double roll = random.NextDouble();
                if (roll < loss)
                {
                    Lost++;
                    packet.Lost(sender);
                    continue;
                }

                Assert.Equal(TransportErrorCode.NoError, StreamTestKit.Deliver(receiver, packet, now));
                if (roll < loss * 1.2)
                {
                    // Delivered, but declared lost anyway (spurious loss): the ranges go out again.
                    packet.Lost(sender);
                    continue;
                }

                if (roll > 0.98)
                {
                    Assert.Equal(TransportErrorCode.NoError, StreamTestKit.Deliver(receiver, packet, now)); // duplicate
                }

                _unacked.Add((packet, sender));
            }
        }
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.1)]
    [InlineData(3, 0.25)]
    public void TwoHundredStreamsArriveIntactThroughALossyLink(int seed, double loss)
    {
        var random = new Random(seed);
        var options = new StreamManagerOptions { MaxStreamsBidi = 20, MaxStreamsUni = 20, SendBufferSize = 64 * 1024 };
        var clientPool = new ChunkPool(4096);
        var serverPool = new ChunkPool(4096);
        var client = new StreamManager(true, options, clientPool);
        var server = new StreamManager(false, options, serverPool);
        client.SetPeerLimits(options.ToPeerLimits());
        server.SetPeerLimits(options.ToPeerLimits());
        client.SmoothedRtt = server.SmoothedRtt = TimeSpan.FromMilliseconds(5);

        const int StreamCount = 200;
        var toOpen = new Queue<(bool Bidi, byte[] Data, bool Abort)>();
        for (int i = 0; i < StreamCount; i++)
        {
            var data = new byte[random.Next(0, 60_000)];
            random.NextBytes(data);
            toOpen.Enqueue((random.Next(2) == 0, data, i % 17 == 5));
        }

        var outgoing = new Dictionary<StreamId, Outgoing>();
        var incoming = new Dictionary<StreamId, Incoming>();
        var link = new Link(random, loss);
        var buffer = new byte[7000];
        var now = Instant.FromMilliseconds(1);
        int stopEvents = 0;

        for (int round = 0; round < 20_000; round++)
        {
            // Client application: open what the limits allow, write what the buffers take.
            while (toOpen.Count > 0 && client.TryOpenStream(toOpen.Peek().Bidi ? StreamDirection.Bidirectional : StreamDirection.Unidirectional, out StreamId id))
            {
                var (_, data, abort) = toOpen.Dequeue();
                outgoing[id] = new Outgoing { Id = id, Data = data, AbortHalfway = abort && data.Length > 2000 };
            }

            foreach (Outgoing o in outgoing.Values)
            {
                if (o.Aborted || o.Written)
                {
                    continue;
                }

                if (o.AbortHalfway && o.Position >= o.Data.Length / 2)
                {
                    client.AbortWrite(o.Id, 0xAB);
                    o.Aborted = true;
                    continue;
                }

                // A stream to abort gets only its first half, then is reset the next round.
                int end = o.AbortHalfway ? o.Data.Length / 2 : o.Data.Length;
                int n = client.Write(o.Id, o.Data.AsSpan(o.Position, end - o.Position), fin: !o.AbortHalfway);
                o.Position += n;
                o.Written = !o.AbortHalfway && o.Position == o.Data.Length; // the FIN went with the last bytes
            }

            link.Transfer(client, server, now, 40);
            ServerApplication(server, incoming, buffer, now, round);
            link.Transfer(server, client, now, 40);
            stopEvents += ClientApplication(client, outgoing, buffer, now);
            now += TimeSpan.FromMilliseconds(1);

            if (toOpen.Count == 0 && client.StreamCount == 0 && server.StreamCount == 0 && !client.HasPendingSend && !server.HasPendingSend)
            {
                break;
            }
        }

        Assert.Empty(toOpen);
        Assert.Equal(0, client.StreamCount);
        Assert.Equal(0, server.StreamCount);
        Assert.Equal(StreamCount, incoming.Count);
        foreach (Outgoing o in outgoing.Values)
        {
            Incoming received = incoming[o.Id];
            byte[] expected = SHA256.HashData(o.Data);
            if (received.Stopped)
            {
                Assert.Null(received.Digest);
            }
            else if (o.Aborted)
            {
                Assert.True(received.Reset || expected.AsSpan().SequenceEqual(received.Digest), $"stream {o.Id}");
            }
            else
            {
                Assert.False(received.Reset, $"stream {o.Id} was reset");
                Assert.Equal(expected, received.Digest);
            }

            if (o.Id.IsBidirectional)
            {
                Assert.True(o.ResponseDone, $"no response on {o.Id}");
                byte[] response = [.. o.Response];
                Assert.True(response.Length == 0 ? received.Reset || received.Stopped : expected.AsSpan().SequenceEqual(response), $"response of {o.Id}");
            }
        }

        // The mix did exercise resets (client aborts) and STOP_SENDING (server stops reading).
        Assert.Contains(incoming.Values, i => i.Reset);
        Assert.Contains(incoming.Values, i => i.Stopped);
        Assert.True(stopEvents > 0);
        Assert.True(loss == 0 || link.Lost > 0);
        Assert.Equal(0, clientPool.Outstanding);
        Assert.Equal(0, serverPool.Outstanding);
    }

    private static void ServerApplication(StreamManager server, Dictionary<StreamId, Incoming> incoming, byte[] buffer, Instant now, int round)
    {
        while (server.PollEvent(out StreamEvent e))
        {
            switch (e.Kind)
            {
                case StreamEventKind.Opened:
                    incoming.Add(e.StreamId, new Incoming());
                    break;
                case StreamEventKind.Readable or StreamEventKind.ResetReceived:
                    Incoming state = incoming[e.StreamId];
                    if (e.StreamId.Index % 7 == 3 && !state.Stopped && state.Digest is null && !state.Reset)
                    {
                        // Stop reading some streams (STOP_SENDING, RFC 9000 §3.5): the client answers with a reset.
                        state.Stopped = true;
                        server.AbortRead(e.StreamId, 0xCD, now);
                        Respond(server, e.StreamId, state, []);
                        break;
                    }

                    while (true)
                    {
                        StreamReadResult r = server.Read(e.StreamId, buffer.AsSpan(0, 1 + ((round * 7919) % buffer.Length)), now);
                        state.Hash.AppendData(buffer, 0, r.BytesRead);
                        if (r.Status == StreamReadStatus.Finished)
                        {
                            state.Digest = state.Hash.GetHashAndReset();
                            Respond(server, e.StreamId, state, state.Digest);
                            break;
                        }

                        if (r.Status == StreamReadStatus.Reset)
                        {
                            Assert.Equal(0xABUL, r.ErrorCode);
                            state.Reset = true;
                            Respond(server, e.StreamId, state, []);
                            break;
                        }

                        if (r.Status is StreamReadStatus.WouldBlock or StreamReadStatus.Closed)
                        {
                            break;
                        }
                    }

                    break;
            }
        }
    }

    private static void Respond(StreamManager server, StreamId id, Incoming state, byte[] response)
    {
        if (id.IsBidirectional && !state.ResponseWritten)
        {
            state.ResponseWritten = true;
            Assert.Equal(response.Length, server.Write(id, response, fin: true));
        }
    }

    private static int ClientApplication(StreamManager client, Dictionary<StreamId, Outgoing> outgoing, byte[] buffer, Instant now)
    {
        int stopEvents = 0;
        while (client.PollEvent(out StreamEvent e))
        {
            if (e.Kind == StreamEventKind.StopSendingReceived)
            {
                Assert.Equal(0xCDUL, e.ErrorCode);
                stopEvents++;
            }

            if (e.Kind == StreamEventKind.Readable)
            {
                Outgoing o = outgoing[e.StreamId];
                while (true)
                {
                    StreamReadResult r = client.Read(e.StreamId, buffer, now);
                    o.Response.AddRange(buffer.AsSpan(0, r.BytesRead).ToArray());
                    if (r.Status == StreamReadStatus.Finished)
                    {
                        o.ResponseDone = true;
                    }

                    if (r.Status != StreamReadStatus.Data)
                    {
                        break;
                    }
                }
            }
        }

        return stopEvents;
    }
}
