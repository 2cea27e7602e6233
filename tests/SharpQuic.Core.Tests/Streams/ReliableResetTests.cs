using SharpQuic.Core.Packets;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Streams;

/// <summary>RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset): the wire, the transport parameter, both stream parts.</summary>
public sealed class ReliableResetTests
{
    private static readonly Instant Now = Instant.Zero;

    private static byte[] Data(int length)
    {
        byte[] data = new byte[length];
        new Random(length).NextBytes(data);
        return data;
    }

    private static (StreamManager Client, StreamManager Server) Pair(bool peerAccepts = true)
    {
        var (client, server) = StreamTestKit.Pair(new StreamManagerOptions());
        client.PeerAcceptsResetStreamAt = peerAccepts;
        server.PeerAcceptsResetStreamAt = peerAccepts;
        return (client, server);
    }

    private static List<StreamTestKit.Packet> Drain(StreamManager sender)
    {
        var packets = new List<StreamTestKit.Packet>();
        while (StreamTestKit.BuildPacket(sender) is { } packet)
        {
            packets.Add(packet);
        }

        return packets;
    }

    private static void DeliverAll(StreamManager receiver, IEnumerable<StreamTestKit.Packet> packets)
    {
        foreach (StreamTestKit.Packet packet in packets)
        {
            Assert.Equal(TransportErrorCode.NoError, StreamTestKit.Deliver(receiver, packet, Now));
        }
    }

    /// <summary>Reads until the stream blocks, ends or resets.</summary>
    private static (byte[] Data, StreamReadResult Last) ReadAll(StreamManager receiver, StreamId id)
    {
        var data = new List<byte>();
        byte[] buffer = new byte[4096];
        while (true)
        {
            StreamReadResult r = receiver.Read(id, buffer, Now);
            data.AddRange(buffer.AsSpan(0, r.BytesRead).ToArray());
            if (r.Status != StreamReadStatus.Data)
            {
                return ([.. data], r);
            }
        }
    }

    private static int StreamBytes(IEnumerable<StreamTestKit.Packet> packets) => packets.Sum(p => p.Stream.Sum(s => s.Length));

    private static List<SentControlFrame> Controls(IEnumerable<StreamTestKit.Packet> packets, FrameType type) =>
        [.. packets.SelectMany(p => p.Control).Where(c => c.Type == type)];

    [Fact]
    public void The_frame_round_trips_and_a_reliable_size_above_the_final_size_is_FRAME_ENCODING_ERROR()
    {
        byte[] buffer = new byte[64];
        var writer = new QuicWriter(buffer);
        Assert.True(new ResetStreamAtFrame(4, 0x52e4a40fa8db, 100_000, 17).TryWrite(ref writer));
        Assert.Equal(0x24, buffer[0]);

        var frames = new FrameReader(buffer.AsSpan(0, writer.Written), PacketType.OneRtt);
        Assert.True(frames.TryReadNext(out FrameType type, out _));
        Assert.Equal(FrameType.ResetStreamAt, type);
        Assert.Equal(TransportErrorCode.NoError, frames.ReadResetStreamAt(out ResetStreamAtFrame parsed));
        Assert.Equal((4UL, 0x52e4a40fa8dbUL, 100_000UL, 17UL), (parsed.StreamId, parsed.ApplicationErrorCode, parsed.FinalSize, parsed.ReliableSize));

        // Reliable 9 > final 8.
        frames = new FrameReader([0x24, 0x04, 0x00, 0x08, 0x09], PacketType.OneRtt);
        frames.TryReadNext(out _, out _);
        Assert.Equal(TransportErrorCode.FrameEncodingError, frames.ReadResetStreamAt(out _));

        // Truncated: no reliable size.
        frames = new FrameReader([0x24, 0x04, 0x00, 0x08], PacketType.OneRtt);
        frames.TryReadNext(out _, out _);
        Assert.Equal(TransportErrorCode.FrameEncodingError, frames.ReadResetStreamAt(out _));
    }

    [Theory]
    [InlineData(PacketType.Initial, false)]
    [InlineData(PacketType.Handshake, false)]
    [InlineData(PacketType.ZeroRtt, true)]
    [InlineData(PacketType.OneRtt, true)]
    public void The_frame_belongs_to_the_application_data_space(PacketType packet, bool allowed)
    {
        Assert.True(FrameTypeRules.IsKnown(0x24));
        Assert.Equal(allowed, FrameTypeRules.IsAllowedIn(FrameType.ResetStreamAt, packet));
        Assert.True(FrameTypeRules.IsAckEliciting(FrameType.ResetStreamAt));
    }

    [Fact]
    public void The_transport_parameter_is_empty_and_anything_else_is_TRANSPORT_PARAMETER_ERROR()
    {
        var ours = new TransportParameters { InitialSourceConnectionId = [], ResetStreamAt = true };
        byte[] buffer = new byte[256];
        byte[] encoded = buffer[..ours.Encode(buffer)];
        Assert.Equal(TransportErrorCode.NoError, TransportParameters.TryParse(encoded, false, out TransportParameters? parsed, out _));
        Assert.True(parsed!.ResetStreamAt);
        Assert.Contains("1d00", Convert.ToHexStringLower(encoded), StringComparison.Ordinal);

        Assert.Equal(TransportErrorCode.NoError, TransportParameters.TryParse(Convert.FromHexString("0f00"), false, out parsed, out _));
        Assert.False(parsed!.ResetStreamAt);

        Assert.Equal(TransportErrorCode.TransportParameterError, TransportParameters.TryParse(Convert.FromHexString("0f00" + "1d0100"), false, out _, out string? reason));
        Assert.Contains("reset_stream_at", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Lost_data_below_the_reliable_size_is_sent_again_and_nothing_beyond_it()
    {
        var (client, server) = Pair();
        Assert.True(client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id));
        byte[] data = Data(10_000);
        Assert.Equal(data.Length, client.Write(id, data));
        List<StreamTestKit.Packet> first = Drain(client);
        Assert.Equal(10_000, StreamBytes(first));
        first.ForEach(p => p.Lost(client));

        client.AbortWrite(id, 7, reliableSize: 3_000);
        List<StreamTestKit.Packet> second = Drain(client);

        Assert.Equal(3_000, StreamBytes(second));
        Assert.All(second.SelectMany(p => p.Stream), s => Assert.True(s.Offset + (ulong)s.Length <= 3_000));
        SentControlFrame reset = Assert.Single(Controls(second, FrameType.ResetStreamAt));
        Assert.Equal(3_000UL, reset.Value);
        Assert.Empty(Controls(second, FrameType.ResetStream));

        DeliverAll(server, second);
        (byte[] read, StreamReadResult last) = ReadAll(server, id);
        Assert.Equal(data[..3_000], read);
        Assert.Equal(StreamReadStatus.Reset, last.Status);
        Assert.Equal(7UL, last.ErrorCode);
        Assert.Equal(10_000UL, last.FinalSize); // every byte sent once counts (RFC 9000 §4.5)
    }

    [Fact]
    public void Unsent_data_below_the_reliable_size_goes_out_and_the_frame_follows_it()
    {
        var (client, server) = Pair();
        Assert.True(client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id));
        byte[] data = Data(10_000);
        client.Write(id, data);

        client.AbortWrite(id, 9, reliableSize: 4_000);
        List<StreamTestKit.Packet> packets = Drain(client);

        Assert.Equal(4_000, StreamBytes(packets));
        int framePacket = packets.FindIndex(p => p.Control.Any(c => c.Type == FrameType.ResetStreamAt));
        int lastData = packets.FindLastIndex(p => p.Stream.Count > 0);
        Assert.True(framePacket > lastData, "RESET_STREAM_AT waits until the reliable prefix was sent once (its final size must fit flow control).");

        // The frame alone arrives first (reordering): reads wait for the prefix, then deliver it, then the reset.
        DeliverAll(server, [packets[framePacket]]);
        Assert.Equal(StreamReadStatus.WouldBlock, server.Read(id, new byte[100], Now).Status);
        DeliverAll(server, packets.Where((_, i) => i != framePacket));
        (byte[] read, StreamReadResult last) = ReadAll(server, id);
        Assert.Equal(data[..4_000], read);
        Assert.Equal((StreamReadStatus.Reset, 9UL, 4_000UL), (last.Status, last.ErrorCode, last.FinalSize));
    }

    [Fact]
    public void A_lost_frame_is_sent_again_and_the_part_ends_once_frame_and_prefix_are_acknowledged()
    {
        var (client, _) = Pair();
        Assert.True(client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id));
        client.Write(id, Data(5_000));
        client.AbortWrite(id, 1, reliableSize: 2_000);
        List<StreamTestKit.Packet> packets = Drain(client);
        StreamTestKit.Packet withFrame = packets.Single(p => p.Control.Any(c => c.Type == FrameType.ResetStreamAt));
        withFrame.Lost(client);
        foreach (StreamTestKit.Packet p in packets.Where(p => p != withFrame))
        {
            p.Acked(client);
        }

        Assert.True(client.TryGetSendState(id, out SendStreamState state));
        Assert.Equal(SendStreamState.ResetSent, state);
        List<StreamTestKit.Packet> again = Drain(client);
        Assert.Single(Controls(again, FrameType.ResetStreamAt));
        Assert.Equal(0, StreamBytes(again));

        again.ForEach(p => p.Acked(client));
        Assert.False(client.IsOpen(id)); // terminal and released (the stream had no receive part)
    }

    [Fact]
    public void Without_the_peers_transport_parameter_it_is_a_plain_RESET_STREAM()
    {
        var (client, server) = Pair(peerAccepts: false);
        Assert.True(client.TryOpenStream(StreamDirection.Unidirectional, out StreamId id));
        client.Write(id, Data(5_000));
        List<StreamTestKit.Packet> first = Drain(client);
        client.AbortWrite(id, 3, reliableSize: 2_000);
        List<StreamTestKit.Packet> second = Drain(client);

        Assert.Single(Controls(second, FrameType.ResetStream));
        Assert.Empty(Controls(second, FrameType.ResetStreamAt));
        DeliverAll(server, second); // the reset overtakes the data: nothing is delivered
        DeliverAll(server, first);
        Assert.Equal(StreamReadStatus.Reset, server.Read(id, new byte[100], Now).Status);
    }

    [Fact]
    public void STOP_SENDING_after_RESET_STREAM_AT_is_answered_with_RESET_STREAM_of_the_same_code_and_final_size()
    {
        var (client, _) = Pair();
        Assert.True(client.TryOpenStream(StreamDirection.Bidirectional, out StreamId id));
        client.Write(id, Data(5_000));
        List<StreamTestKit.Packet> first = Drain(client);
        first.ForEach(p => p.Lost(client));
        client.AbortWrite(id, 11, reliableSize: 2_000);

        Assert.Equal(TransportErrorCode.NoError, client.HandleStopSending(new StopSendingFrame(id.Value, 99), Now));
        List<StreamTestKit.Packet> packets = Drain(client);
        Assert.Equal(0, StreamBytes(packets)); // nothing is owed any more
        var frames = new StreamTestKit.FrameSummary();
        foreach (StreamTestKit.Packet p in packets)
        {
            var reader = new FrameReader(p.Payload.AsSpan(0, p.Length), PacketType.OneRtt);
            while (reader.TryReadNext(out FrameType type, out _))
            {
                if (type == FrameType.ResetStream)
                {
                    Assert.Equal(TransportErrorCode.NoError, reader.ReadResetStream(out ResetStreamFrame reset));
                    frames.Resets.Add(reset);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        ResetStreamFrame only = Assert.Single(frames.Resets);
        Assert.Equal((11UL, 5_000UL), (only.ApplicationErrorCode, only.FinalSize));
    }

    [Fact]
    public void STOP_SENDING_before_the_prefix_went_out_resets_at_what_was_sent_within_flow_control()
    {
        // The peer grants 256 KiB per stream; the reliable size lies beyond it, so the prefix cannot all go out yet.
        var (client, _) = Pair();
        Assert.True(client.TryOpenStream(StreamDirection.Bidirectional, out StreamId id));
        client.Write(id, Data(300_000));
        client.AbortWrite(id, 12, reliableSize: 290_000);
        List<StreamTestKit.Packet> sent = Drain(client);
        Assert.Empty(Controls(sent, FrameType.ResetStreamAt)); // still waiting for credit to send the prefix
        ulong sentBytes = (ulong)StreamBytes(sent);
        Assert.True(sentBytes < 290_000);

        Assert.Equal(TransportErrorCode.NoError, client.HandleStopSending(new StopSendingFrame(id.Value, 99), Now));
        List<StreamTestKit.Packet> packets = Drain(client);
        var reader = new FrameReader(packets.Single(p => p.Control.Any(c => c.Type == FrameType.ResetStream)).Payload, PacketType.OneRtt);
        ResetStreamFrame reset = default;
        while (reader.TryReadNext(out FrameType type, out _))
        {
            if (type == FrameType.ResetStream)
            {
                Assert.Equal(TransportErrorCode.NoError, reader.ReadResetStream(out reset));
                break;
            }

            reader.Skip();
        }

        Assert.Equal((12UL, sentBytes), (reset.ApplicationErrorCode, reset.FinalSize));
    }

    [Fact]
    public void A_second_frame_lowers_the_reliable_size_and_one_raising_it_is_ignored()
    {
        var (_, server) = Pair();
        var id = StreamId.Create(clientInitiated: true, bidirectional: false, 0);
        byte[] data = Data(1_000);
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new StreamFrame(id.Value, 0, data, false), Now));

        Assert.Equal(TransportErrorCode.NoError, server.HandleResetStreamAt(new ResetStreamAtFrame(id.Value, 5, 1_000, 800), Now));
        Assert.Equal(TransportErrorCode.NoError, server.HandleResetStreamAt(new ResetStreamAtFrame(id.Value, 5, 1_000, 300), Now));
        Assert.Equal(TransportErrorCode.NoError, server.HandleResetStreamAt(new ResetStreamAtFrame(id.Value, 5, 1_000, 900), Now));

        (byte[] read, StreamReadResult last) = ReadAll(server, id);
        Assert.Equal(data[..300], read);
        Assert.Equal(StreamReadStatus.Reset, last.Status);
    }

    [Fact]
    public void A_frame_after_everything_reliable_was_read_resets_at_once()
    {
        var (_, server) = Pair();
        var id = StreamId.Create(clientInitiated: true, bidirectional: false, 0);
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new StreamFrame(id.Value, 0, Data(500), false), Now));
        Assert.Equal(500, server.Read(id, new byte[1_000], Now).BytesRead);

        Assert.Equal(TransportErrorCode.NoError, server.HandleResetStreamAt(new ResetStreamAtFrame(id.Value, 5, 2_000, 400), Now));
        Assert.Contains(PollAll(server), e => e.Kind == StreamEventKind.ResetReceived && e.ErrorCode == 5);
        StreamReadResult r = server.Read(id, new byte[10], Now);
        Assert.Equal((StreamReadStatus.Reset, 5UL, 2_000UL), (r.Status, r.ErrorCode, r.FinalSize));
    }

    [Fact]
    public void All_data_arriving_after_the_frame_still_ends_in_a_reset_not_a_clean_end()
    {
        var (_, server) = Pair();
        var id = StreamId.Create(clientInitiated: true, bidirectional: false, 0);
        byte[] data = Data(600);
        Assert.Equal(TransportErrorCode.NoError, server.HandleResetStreamAt(new ResetStreamAtFrame(id.Value, 2, 600, 200), Now));
        Assert.Equal(TransportErrorCode.NoError, server.HandleStream(new StreamFrame(id.Value, 0, data, false), Now));

        (byte[] read, StreamReadResult last) = ReadAll(server, id);
        Assert.Equal(data[..200], read);
        Assert.Equal((StreamReadStatus.Reset, 2UL, 600UL), (last.Status, last.ErrorCode, last.FinalSize));
    }

    [Theory]
    [InlineData(6UL, 1_000UL, TransportErrorCode.StreamStateError)] // another error code (§5.2)
    [InlineData(5UL, 1_001UL, TransportErrorCode.FinalSizeError)] // another final size (RFC 9000 §4.5)
    public void A_second_frame_must_keep_code_and_final_size(ulong code, ulong finalSize, TransportErrorCode expected)
    {
        var (_, server) = Pair();
        var id = StreamId.Create(clientInitiated: true, bidirectional: false, 0);
        Assert.Equal(TransportErrorCode.NoError, server.HandleResetStreamAt(new ResetStreamAtFrame(id.Value, 5, 1_000, 100), Now));
        Assert.Equal(expected, server.HandleResetStreamAt(new ResetStreamAtFrame(id.Value, code, finalSize, 50), Now));
    }

    [Fact]
    public void A_RESET_STREAM_with_another_code_after_RESET_STREAM_AT_is_STREAM_STATE_ERROR()
    {
        var (_, server) = Pair();
        var id = StreamId.Create(clientInitiated: true, bidirectional: false, 0);
        Assert.Equal(TransportErrorCode.NoError, server.HandleResetStreamAt(new ResetStreamAtFrame(id.Value, 5, 1_000, 100), Now));
        Assert.Equal(TransportErrorCode.StreamStateError, server.HandleResetStream(new ResetStreamFrame(id.Value, 6, 1_000), Now));
    }

    [Fact]
    public void The_final_size_is_flow_controlled_and_the_frame_is_refused_on_a_send_only_stream()
    {
        var (client, server) = Pair();
        var id = StreamId.Create(clientInitiated: true, bidirectional: false, 0);
        ulong window = new StreamManagerOptions().MaxStreamDataUni;
        Assert.Equal(TransportErrorCode.FlowControlError, server.HandleResetStreamAt(new ResetStreamAtFrame(id.Value, 5, window + 1, 0), Now));

        Assert.True(client.TryOpenStream(StreamDirection.Unidirectional, out StreamId ours));
        Assert.Equal(TransportErrorCode.StreamStateError, client.HandleResetStreamAt(new ResetStreamAtFrame(ours.Value, 5, 10, 0), Now));
    }

    private static List<StreamEvent> PollAll(StreamManager manager)
    {
        var events = new List<StreamEvent>();
        while (manager.PollEvent(out StreamEvent e))
        {
            events.Add(e);
        }

        return events;
    }
}
