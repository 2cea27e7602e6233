using SharpQuic.Core.Connection;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Datagrams;

/// <summary>RFC 9221 between two simulated endpoints: negotiation, limits, queues, loss.</summary>
public sealed class DatagramConnectionTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    [Fact]
    public void Datagrams_flow_both_ways_when_both_enable_them()
    {
        using var pair = new QuicPair(61, connectionOptions: Options(1200));
        (QuicConnection client, QuicConnection server) = Handshake(pair, Options(1200));
        Assert.True(client.MaxDatagramPayloadSize > 0);
        Assert.True(server.MaxDatagramPayloadSize > 0);

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(DatagramSendResult.Queued, client.TrySendDatagram(Payload(i, 100 + i), out ulong id));
            Assert.Equal((ulong)i, id);
        }

        Assert.True(pair.Network.RunUntil(() => server.DatagramsPending == 20, pair.Network.Now + Limit));
        var buffer = new byte[2000];
        for (int i = 0; i < 20; i++)
        {
            Assert.True(server.TryReceiveDatagram(buffer, out int length));
            Assert.Equal(Payload(i, 100 + i), buffer.AsSpan(0, length).ToArray());
            Assert.Equal(DatagramSendResult.Queued, server.TrySendDatagram(buffer.AsSpan(0, length), out _));
        }

        Assert.False(server.TryReceiveDatagram(buffer, out _));
        Assert.True(pair.Network.RunUntil(() => client.DatagramsPending == 20, pair.Network.Now + Limit));
        Assert.Equal(20, client.DatagramsReceived);
        Assert.Equal(0, client.DatagramsDropped);
    }

    [Fact]
    public void MaxDatagramPayloadSize_is_exactly_what_fits_in_one_packet()
    {
        using var pair = new QuicPair(62, connectionOptions: Options(65535));
        (QuicConnection client, QuicConnection server) = Handshake(pair, Options(65535));
        int max = client.MaxDatagramPayloadSize;

        // One datagram of the maximum size arrives whole; one byte more is refused before it is queued.
        Assert.Equal(DatagramSendResult.TooLarge, client.TrySendDatagram(new byte[max + 1], out _));
        Assert.Equal(DatagramSendResult.Queued, client.TrySendDatagram(Payload(7, max), out _));
        Assert.True(pair.Network.RunUntil(() => server.DatagramsPending == 1, pair.Network.Now + Limit));
        Assert.True(server.TryPeekDatagram(out ReadOnlySpan<byte> got));
        Assert.Equal(Payload(7, max), got.ToArray());

        // The short header with a 4-byte packet number, the tag and the frame's type and 2-byte length leave no room
        // for one byte more in a datagram of the path's size (the link's MTU is 1,200 and drops anything larger).
        int overhead = 1 + client.DestinationConnectionId.Length + 4 + 16 + 1 + VarInt.EncodedLength((ulong)max);
        Assert.Equal(client.MaxSendDatagramSize, max + overhead);
    }

    [Fact]
    public void The_peers_max_datagram_frame_size_bounds_the_payload()
    {
        // The server accepts frames of 100 bytes: type (1) + length (2, as 97 > 63) + 97 bytes of payload.
        using var pair = new QuicPair(63, connectionOptions: Options(100));
        (QuicConnection client, QuicConnection server) = Handshake(pair, Options(1000));
        Assert.Equal(100 - 1 - VarInt.EncodedLength(97), client.MaxDatagramPayloadSize);
        Assert.True(server.MaxDatagramPayloadSize > client.MaxDatagramPayloadSize);
        Assert.Equal(DatagramSendResult.TooLarge, client.TrySendDatagram(new byte[98], out _));
        Assert.Equal(DatagramSendResult.Queued, client.TrySendDatagram(new byte[97], out _));
        Assert.True(pair.Network.RunUntil(() => server.DatagramsPending == 1, pair.Network.Now + Limit));
        Assert.Equal(ConnectionState.Open, server.State);
    }

    [Fact]
    public void Sending_to_a_peer_without_datagrams_is_refused()
    {
        using var pair = new QuicPair(64, connectionOptions: new ConnectionOptions());
        (QuicConnection client, QuicConnection server) = Handshake(pair, Options(1200));
        Assert.Equal(0, client.MaxDatagramPayloadSize);
        Assert.Equal(DatagramSendResult.NotSupportedByPeer, client.TrySendDatagram([1, 2, 3], out _));

        // The server may still send: the parameter is a one-way limit (RFC 9221 §3).
        Assert.True(server.MaxDatagramPayloadSize > 0);
        Assert.Equal(DatagramSendResult.Queued, server.TrySendDatagram([1, 2, 3], out _));
        Assert.True(pair.Network.RunUntil(() => client.DatagramsPending == 1, pair.Network.Now + Limit));
    }

    [Fact]
    public void A_datagram_when_none_was_advertised_is_a_protocol_violation()
    {
        using var pair = new QuicPair(65, connectionOptions: new ConnectionOptions());
        (QuicConnection client, QuicConnection server) = Handshake(pair, Options(1200));
        client.InjectedFrames = DatagramFrameBytes(10);
        Assert.True(pair.Network.RunUntil(() => client.State != ConnectionState.Open, pair.Network.Now + Limit));
        Assert.Equal(CloseReason.Local, server.CloseInfo!.Reason);
        Assert.Equal((ulong)TransportErrorCode.ProtocolViolation, server.CloseInfo.ErrorCode);
        Assert.Equal((ulong)TransportErrorCode.ProtocolViolation, client.CloseInfo!.ErrorCode);
    }

    [Fact]
    public void A_datagram_larger_than_advertised_is_a_protocol_violation()
    {
        // 50 bytes of payload make a 52-byte frame; the server said 51.
        using var pair = new QuicPair(66, connectionOptions: Options(51));
        (QuicConnection client, QuicConnection server) = Handshake(pair, Options(1200));
        client.InjectedFrames = DatagramFrameBytes(49);
        pair.Network.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.Equal(ConnectionState.Open, server.State);
        Assert.Equal(1, server.DatagramsReceived);

        client.InjectedFrames = DatagramFrameBytes(50);
        Assert.True(pair.Network.RunUntil(() => client.State != ConnectionState.Open, pair.Network.Now + Limit));
        Assert.Equal((ulong)TransportErrorCode.ProtocolViolation, server.CloseInfo!.ErrorCode);
    }

    [Fact]
    public void A_full_receive_queue_drops_the_oldest_and_counts()
    {
        using var pair = new QuicPair(67, connectionOptions: Options(1200, receiveQueue: 4));
        (QuicConnection client, QuicConnection server) = Handshake(pair, Options(1200));
        var events = new List<ConnectionEvent>();
        QuicPair.Drain(server, events);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(DatagramSendResult.Queued, client.TrySendDatagram(Payload(i, 30), out _));
        }

        Assert.True(pair.Network.RunUntil(() => server.DatagramsReceived == 10, pair.Network.Now + Limit));
        Assert.Equal(6, server.DatagramsDropped);
        Assert.Equal(4, server.DatagramsPending);
        var buffer = new byte[100];
        for (int i = 6; i < 10; i++)
        {
            Assert.True(server.TryReceiveDatagram(buffer, out int length));
            Assert.Equal(Payload(i, 30), buffer.AsSpan(0, length).ToArray());
        }

        // One DatagramReceived for the run of arrivals while the queue was never emptied.
        QuicPair.Drain(server, events);
        Assert.Single(events, e => e.Kind == ConnectionEventKind.DatagramReceived);

        // Emptied: the next arrival signals again.
        Assert.Equal(DatagramSendResult.Queued, client.TrySendDatagram(Payload(99, 30), out _));
        Assert.True(pair.Network.RunUntil(() => server.DatagramsPending == 1, pair.Network.Now + Limit));
        QuicPair.Drain(server, events);
        Assert.Equal(2, events.Count(e => e.Kind == ConnectionEventKind.DatagramReceived));
    }

    [Fact]
    public void A_too_small_buffer_leaves_the_datagram_queued()
    {
        using var pair = new QuicPair(68, connectionOptions: Options(1200));
        (QuicConnection client, QuicConnection server) = Handshake(pair, Options(1200));
        Assert.Equal(DatagramSendResult.Queued, client.TrySendDatagram(Payload(1, 40), out _));
        Assert.True(pair.Network.RunUntil(() => server.DatagramsPending == 1, pair.Network.Now + Limit));
        Assert.Throws<ArgumentException>(() => server.TryReceiveDatagram(new byte[39], out _));
        Assert.True(server.TryReceiveDatagram(new byte[40], out int length));
        Assert.Equal(40, length);
    }

    [Fact]
    public void A_full_send_queue_refuses_then_signals_room()
    {
        using var pair = new QuicPair(69, connectionOptions: Options(1200));
        (QuicConnection client, QuicConnection server) = Handshake(pair, Options(1200, sendQueue: 3));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(DatagramSendResult.Queued, client.TrySendDatagram(Payload(i, 10), out _));
        }

        Assert.Equal(DatagramSendResult.QueueFull, client.TrySendDatagram(Payload(3, 10), out _));
        var events = new List<ConnectionEvent>();
        Assert.True(pair.Network.RunUntil(
            () =>
            {
                QuicPair.Drain(client, events);
                return events.Exists(e => e.Kind == ConnectionEventKind.DatagramWritable);
            },
            pair.Network.Now + Limit));
        Assert.Equal(DatagramSendResult.Queued, client.TrySendDatagram(Payload(3, 10), out _));
        Assert.True(pair.Network.RunUntil(() => server.DatagramsReceived == 4, pair.Network.Now + Limit));
    }

    [Fact]
    public void Lost_datagrams_are_reported_and_never_sent_again()
    {
        using var pair = new QuicPair(70, connectionOptions: Options(1200));
        (QuicConnection client, QuicConnection server) = Handshake(pair, Options(1200, deliveryEvents: true));

        // Every third client datagram after the handshake is lost.
        int index = 0;
        pair.Network.GetLink(pair.ClientHost, pair.ServerHost).DropFilter = (in SimulatedDatagram d) => ++index % 3 == 0;
        var acked = new HashSet<ulong>();
        var lost = new HashSet<ulong>();
        var received = new List<int>();
        var buffer = new byte[2000];
        int next = 0;
        pair.ClientApp = now =>
        {
            while (client.PollEvent(out ConnectionEvent e))
            {
                if (e.Kind == ConnectionEventKind.DatagramAcked)
                {
                    Assert.True(acked.Add(e.DatagramId));
                }
                else if (e.Kind == ConnectionEventKind.DatagramLost)
                {
                    Assert.True(lost.Add(e.DatagramId));
                }
            }
        };
        pair.ServerApp = now =>
        {
            while (server.TryReceiveDatagram(buffer, out int length))
            {
                received.Add(BitConverter.ToInt32(buffer, 0));
            }
        };

        // One datagram per packet, 5 ms apart, so each loss takes exactly one.
        for (int i = 0; i < 60; i++)
        {
            Assert.Equal(DatagramSendResult.Queued, client.TrySendDatagram(Payload(next++, 600), out _));
            pair.Network.RunFor(TimeSpan.FromMilliseconds(5));
        }

        Assert.True(pair.Network.RunUntil(() => acked.Count + lost.Count == 60, pair.Network.Now + Limit));
        Assert.NotEmpty(lost);
        Assert.Empty(acked.Intersect(lost));

        // What arrived came once each, and nothing declared lost was received later: not retransmitted.
        pair.Network.RunFor(TimeSpan.FromSeconds(1));
        Assert.Equal(received.Count, received.Distinct().Count());
        Assert.Equal(acked.Count, received.Count);
        foreach (ulong id in lost)
        {
            Assert.DoesNotContain((int)id, received);
        }

        Assert.Equal(lost.Count, client.DatagramsLost);
        Assert.Equal(60, client.DatagramsSent);
    }

    internal static ConnectionOptions Options(int maxFrame, int receiveQueue = 128, int sendQueue = 128, bool deliveryEvents = false) => new()
    {
        MaxDatagramFrameSize = maxFrame,
        DatagramReceiveQueueLength = receiveQueue,
        DatagramSendQueueLength = sendQueue,
        DatagramDeliveryEvents = deliveryEvents,
    };

    /// <summary>Connects a client with its own options to the pair's server (which has the pair's options).</summary>
    internal static (QuicConnection Client, QuicConnection Server) Handshake(QuicPair pair, ConnectionOptions clientOptions)
    {
        QuicConnection client = pair.ClientEndpoint.ConnectWithOptions(pair.Network.Now, QuicPair.ServerAddress, pair.ClientTls, clientOptions, QuicVersion.V1);
        Assert.True(pair.Network.RunUntil(() => client.IsHandshakeConfirmed && pair.ServerConnection is { IsHandshakeComplete: true }, pair.Network.Now + Limit));
        return (client, pair.ServerConnection!);
    }

    private static byte[] Payload(int seed, int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((seed * 31) + i);
        }

        if (length >= 4)
        {
            BitConverter.TryWriteBytes(bytes, seed);
        }

        return bytes;
    }

    private static byte[] DatagramFrameBytes(int length)
    {
        var buffer = new byte[length + 8];
        var writer = new QuicWriter(buffer);
        Assert.True(new DatagramFrame(new byte[length]).TryWrite(ref writer));
        return buffer.AsSpan(0, writer.Written).ToArray();
    }
}
