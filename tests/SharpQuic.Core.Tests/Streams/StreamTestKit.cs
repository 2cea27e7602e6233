using SharpQuic.Core.Packets;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Streams;

/// <summary>Helpers: manager pairs, draining frames into packets, and a lossy in-memory link.</summary>
internal static class StreamTestKit
{
    public const int PacketSize = 1200;

    public static (StreamManager Client, StreamManager Server) Pair(StreamManagerOptions options, ChunkPool? pool = null) =>
        Pair(options, options, pool);

    public static (StreamManager Client, StreamManager Server) Pair(StreamManagerOptions clientOptions, StreamManagerOptions serverOptions, ChunkPool? pool = null)
    {
        var client = new StreamManager(true, clientOptions, pool);
        var server = new StreamManager(false, serverOptions, pool);
        client.SetPeerLimits(serverOptions.ToPeerLimits());
        server.SetPeerLimits(clientOptions.ToPeerLimits());
        return (client, server);
    }

    /// <summary>One packet's worth of frames, with what the manager must be told on ack or loss.</summary>
    public sealed class Packet
    {
        public byte[] Payload { get; } = new byte[PacketSize];

        public int Length { get; set; }

        public List<SentControlFrame> Control { get; } = [];

        public List<SentStreamFrame> Stream { get; } = [];

        public void Acked(StreamManager sender)
        {
            foreach (SentControlFrame f in Control)
            {
                sender.OnControlFrameAcked(f);
            }

            foreach (SentStreamFrame f in Stream)
            {
                sender.OnStreamFrameAcked(f);
            }
        }

        public void Lost(StreamManager sender)
        {
            foreach (SentControlFrame f in Control)
            {
                sender.OnControlFrameLost(f);
            }

            foreach (SentStreamFrame f in Stream)
            {
                sender.OnStreamFrameLost(f);
            }
        }
    }

    /// <summary>Builds one packet the way a connection would: control frames first, then stream data. Null when nothing was written.</summary>
    public static Packet? BuildPacket(StreamManager sender)
    {
        var packet = new Packet();
        var writer = new QuicWriter(packet.Payload);
        while (sender.TryWriteControlFrame(ref writer, out SentControlFrame control))
        {
            packet.Control.Add(control);
        }

        while (sender.TryWriteStreamFrame(ref writer, out SentStreamFrame stream))
        {
            packet.Stream.Add(stream);
        }

        packet.Length = writer.Written;
        return packet.Length == 0 ? null : packet;
    }

    /// <summary>Parses a packet and hands every frame to <paramref name="receiver"/>; returns the first error.</summary>
    public static TransportErrorCode Deliver(StreamManager receiver, Packet packet, Instant now)
    {
        var frames = new FrameReader(packet.Payload.AsSpan(0, packet.Length), PacketType.OneRtt);
        TransportErrorCode error;
        while (frames.TryReadNext(out FrameType type, out error))
        {
            if (!receiver.TryHandleFrame(ref frames, type, now, out error))
            {
                throw new InvalidOperationException($"unexpected frame {type}");
            }

            if (error != TransportErrorCode.NoError)
            {
                return error;
            }
        }

        return error;
    }

    /// <summary>What a manager sent, summarised (packets are built and acknowledged).</summary>
    public sealed class FrameSummary
    {
        public Dictionary<FrameType, int> Counts { get; } = [];

        public int StreamBytes { get; set; }

        public ulong StreamDataBlockedLimit { get; set; }

        public ulong MaxStreamDataValue { get; set; }

        public ulong MaxDataValue { get; set; }

        public ulong MaxStreamsValue { get; set; }

        public ulong StreamsBlockedValue { get; set; }

        public List<ResetStreamFrame> Resets { get; } = [];

        public List<StopSendingFrame> StopSendings { get; } = [];

        public int Total => Counts.Values.Sum();

        public int Count(FrameType type) => Counts.GetValueOrDefault(type);
    }

    /// <summary>Writes everything <paramref name="sender"/> has into packets, acknowledges them, and summarises the frames.</summary>
    public static FrameSummary DrainFrames(StreamManager sender)
    {
        var summary = new FrameSummary();
        for (Packet? packet = BuildPacket(sender); packet is not null; packet = BuildPacket(sender))
        {
            var frames = new FrameReader(packet.Payload.AsSpan(0, packet.Length), PacketType.OneRtt);
            while (frames.TryReadNext(out FrameType type, out TransportErrorCode error))
            {
                summary.Counts[type] = summary.Count(type) + 1;
                switch (type)
                {
                    case FrameType.Stream:
                        Assert.Equal(TransportErrorCode.NoError, frames.ReadStream(out StreamFrame s));
                        summary.StreamBytes += s.Data.Length;
                        break;
                    case FrameType.StreamDataBlocked:
                        frames.ReadStreamDataBlocked(out StreamDataBlockedFrame sdb);
                        summary.StreamDataBlockedLimit = sdb.MaximumStreamData;
                        break;
                    case FrameType.MaxStreamData:
                        frames.ReadMaxStreamData(out MaxStreamDataFrame msd);
                        summary.MaxStreamDataValue = msd.MaximumStreamData;
                        break;
                    case FrameType.MaxData:
                        frames.ReadMaxData(out MaxDataFrame md);
                        summary.MaxDataValue = md.MaximumData;
                        break;
                    case FrameType.MaxStreamsBidi or FrameType.MaxStreamsUni:
                        frames.ReadMaxStreams(out MaxStreamsFrame ms);
                        summary.MaxStreamsValue = ms.MaximumStreams;
                        break;
                    case FrameType.StreamsBlockedBidi or FrameType.StreamsBlockedUni:
                        frames.ReadStreamsBlocked(out StreamsBlockedFrame sb);
                        summary.StreamsBlockedValue = sb.MaximumStreams;
                        break;
                    case FrameType.ResetStream:
                        frames.ReadResetStream(out ResetStreamFrame rs);
                        summary.Resets.Add(rs);
                        break;
                    case FrameType.StopSending:
                        frames.ReadStopSending(out StopSendingFrame ss);
                        summary.StopSendings.Add(ss);
                        break;
                }

                Assert.Equal(TransportErrorCode.NoError, error);
            }

            packet.Acked(sender);
        }

        return summary;
    }

    /// <summary>Polls every event of a manager.</summary>
    public static List<StreamEvent> Events(StreamManager manager)
    {
        var events = new List<StreamEvent>();
        while (manager.PollEvent(out StreamEvent e))
        {
            events.Add(e);
        }

        return events;
    }
}
