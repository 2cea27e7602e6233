using System.Text.Json;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Simulation;
using static SharpQuic.Core.Tests.Qlog.QlogRecords;

namespace SharpQuic.Core.Tests.Qlog;

/// <summary>Whole connections through the simulator with tracing into memory; the files are read back as JSON.</summary>
public sealed class QlogConnectionTests
{
    [Fact]
    public void WholeConnection_ProducesWellFormedMatchingTraces()
    {
        var factory = new MemoryTracerFactory();
        // No path MTU probes: on this 1,200-byte path they are dropped, and the test matches every packet sent to one received.
        var options = new ConnectionOptions { Tracing = factory, MaxPathMtuProbe = 1200, Streams = new StreamManagerOptions { MaxData = 1024 * 1024 } };
        string odcid;
        using (var pair = new QuicPair(7, connectionOptions: options))
        {
            Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
            odcid = Convert.ToHexStringLower(pair.Client!.OriginalDestinationConnectionId.Span);
            RunTransfer(pair, 40_000);
            QuicConnection client = pair.Client!;
            client.Close(0, "done", pair.Network.Now);
            pair.Network.RunUntil(() => client.State == ConnectionState.Closed && pair.ServerConnection!.State == ConnectionState.Closed, pair.Network.Now + TimeSpan.FromSeconds(5));
            Assert.Equal(ConnectionState.Closed, client.State);
        }

        Assert.Equal(2, factory.Created);
        List<JsonElement> clientRecords = Parse(factory.Client!.ToArray());
        List<JsonElement> serverRecords = Parse(factory.Server!.ToArray());
        CheckHeader(clientRecords[0], "client", odcid);
        CheckHeader(serverRecords[0], "server", odcid);
        List<JsonElement> clientEvents = clientRecords[1..];
        List<JsonElement> serverEvents = serverRecords[1..];

        foreach (List<JsonElement> events in new[] { clientEvents, serverEvents })
        {
            double previous = 0;
            foreach (JsonElement e in events)
            {
                // Every event: time (ms, ascending), "namespace:event" name, data object.
                double time = e.GetProperty("time").GetDouble();
                Assert.True(time >= previous, $"time went back at {Name(e)}");
                previous = time;
                Assert.StartsWith("quic:", Name(e), StringComparison.Ordinal);
                Assert.Equal(JsonValueKind.Object, e.GetProperty("data").ValueKind);
            }

            Assert.Equal("quic:connection_started", Name(events[0]));
            Assert.NotEmpty(Named(events, "quic:packets_acked"));
            Assert.NotEmpty(Named(events, "quic:recovery_metrics_updated"));
            Assert.NotEmpty(Named(events, "quic:congestion_state_updated"));
            Assert.Single(Named(events, "quic:connection_closed"));
            Assert.Contains(Named(events, "quic:recovery_metrics_updated"), e => e.GetProperty("data").TryGetProperty("smoothed_rtt", out _));
        }

        // The server heard the CONNECTION_CLOSE and drained: connection_closed is its last event. The client's
        // closing period may still log its CONNECTION_CLOSE packets after it, and nothing else.
        Assert.Equal("quic:connection_closed", Name(serverEvents[^1]));
        int closedAt = clientEvents.FindIndex(e => Name(e) == "quic:connection_closed");
        foreach (JsonElement e in clientEvents[(closedAt + 1)..])
        {
            Assert.Contains(Name(e), new[] { "quic:packet_sent", "quic:packet_received", "quic:packets_acked", "quic:recovery_metrics_updated", "quic:congestion_state_updated" });
        }

        JsonElement closed = clientEvents[closedAt].GetProperty("data");
        Assert.Equal("local", closed.GetProperty("initiator").GetString());
        Assert.Equal("application", closed.GetProperty("trigger").GetString());
        Assert.Equal("remote", Named(serverEvents, "quic:connection_closed").Single().GetProperty("data").GetProperty("initiator").GetString());

        // parameters_set: ours and the peer's; the client's remote set carries the server's initial_max_data.
        JsonElement remoteParams = Named(clientEvents, "quic:parameters_set").Single(e => e.GetProperty("data").GetProperty("initiator").GetString() == "remote").GetProperty("data");
        Assert.Equal(1024UL * 1024, remoteParams.GetProperty("initial_max_data").GetUInt64());
        Assert.Equal(odcid, remoteParams.GetProperty("original_destination_connection_id").GetString());
        Assert.Contains(Named(serverEvents, "quic:parameters_set"), e => e.GetProperty("data").GetProperty("initiator").GetString() == "remote");

        // Packets sent by one side are the ones the other received: same types and numbers.
        HashSet<string> clientSent = Packets(clientEvents, "quic:packet_sent");
        HashSet<string> serverReceived = Packets(serverEvents, "quic:packet_received");
        HashSet<string> serverSent = Packets(serverEvents, "quic:packet_sent");
        HashSet<string> clientReceived = Packets(clientEvents, "quic:packet_received");
        Assert.Contains("initial:0", clientSent);
        Assert.Contains("1RTT:0", serverReceived);
        Assert.Subset(clientSent, serverReceived);
        Assert.Subset(serverSent, clientReceived);
        Assert.True(serverReceived.Count > 20);

        // Frames: the client's stream data and the server's ACKs are there with their fields.
        JsonElement[] clientFrames = Frames(clientEvents, "quic:packet_sent");
        Assert.Contains(clientFrames, f => f.GetProperty("frame_type").GetString() == "crypto" && f.TryGetProperty("offset", out _));
        Assert.Contains(clientFrames, f => f.GetProperty("frame_type").GetString() == "stream" && f.TryGetProperty("fin", out JsonElement fin) && fin.GetBoolean());
        Assert.Contains(clientFrames, f => f.GetProperty("frame_type").GetString() == "padding");
        Assert.Contains(clientFrames, f => f.GetProperty("frame_type").GetString() == "connection_close" && f.GetProperty("error_space").GetString() == "application");
        JsonElement[] serverFrames = Frames(serverEvents, "quic:packet_sent");
        JsonElement ack = serverFrames.First(f => f.GetProperty("frame_type").GetString() == "ack");
        Assert.True(ack.GetProperty("acked_ranges").GetArrayLength() > 0);
        Assert.Contains(serverFrames, f => f.GetProperty("frame_type").GetString() == "handshake_done");
        long streamBytes = 0;
        foreach (JsonElement f in Frames(serverEvents, "quic:packet_received"))
        {
            if (f.GetProperty("frame_type").GetString() == "stream")
            {
                streamBytes += f.GetProperty("raw").GetProperty("length").GetInt64();
            }
        }

        Assert.True(streamBytes >= 40_000);

        // Stream 0: opened by the client (local), seen opening at the server (remote), closed on both.
        Assert.Contains(Named(clientEvents, "quic:stream_state_updated"), e => StreamState(e) == "0/sending/open/local");
        Assert.Contains(Named(serverEvents, "quic:stream_state_updated"), e => StreamState(e) == "0/receiving/open/remote");
        Assert.Contains(Named(serverEvents, "quic:stream_state_updated"), e => StreamState(e).StartsWith("0/receiving/closed", StringComparison.Ordinal));
        Assert.Contains(Named(clientEvents, "quic:stream_state_updated"), e => StreamState(e).StartsWith("0/sending/closed", StringComparison.Ordinal));
    }

    [Fact]
    public void LossyConnection_LogsPacketLost()
    {
        var factory = new MemoryTracerFactory();
        var conditions = new LinkConditions { Delay = TimeSpan.FromMilliseconds(10), Mtu = 1200, LossProbability = 0.1 };
        using (var pair = new QuicPair(11, conditions, new ConnectionOptions { Tracing = factory }))
        {
            Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(10)));
            RunTransfer(pair, 200_000);
        }

        List<JsonElement> client = Parse(factory.Client!.ToArray())[1..];
        List<JsonElement> lost = Named(client, "quic:packet_lost").ToList();
        Assert.NotEmpty(lost);

        // A lost packet is one the client sent, by type and number.
        HashSet<string> sent = Packets(client, "quic:packet_sent");
        foreach (JsonElement e in lost)
        {
            JsonElement header = e.GetProperty("data").GetProperty("header");
            Assert.Contains(header.GetProperty("packet_type").GetString() + ":" + header.GetProperty("packet_number").GetUInt64(), sent);
        }

        Assert.Contains(Named(client, "quic:congestion_state_updated"), e => e.GetProperty("data").GetProperty("new").GetString() == "recovery");
    }

    /// <summary>Client writes <paramref name="bytes"/> on a new bidirectional stream with FIN; the server reads it all.</summary>
    private static void RunTransfer(QuicPair pair, int bytes)
    {
        QuicConnection client = pair.Client!;
        QuicConnection server = pair.ServerConnection!;
        Assert.True(client.TryOpenStream(true, out StreamId id));
        var data = new byte[bytes];
        new Random(3).NextBytes(data);
        int sent = 0;
        long received = 0;
        bool finished = false;
        var buffer = new byte[16 * 1024];
        pair.ClientApp = now =>
        {
            while (client.PollEvent(out _))
            {
            }

            if (sent < bytes)
            {
                sent += client.Write(id, data.AsSpan(sent), fin: true);
            }
        };
        pair.ServerApp = now =>
        {
            while (server.PollEvent(out _))
            {
            }

            while (true)
            {
                StreamReadResult r = server.Read(id, buffer, now);
                received += r.BytesRead;
                if (r.Status == StreamReadStatus.Finished)
                {
                    finished = true;
                }

                if (r.Status != StreamReadStatus.Data)
                {
                    break;
                }
            }
        };
        pair.ClientApp(pair.Network.Now);
        Assert.True(pair.Network.RunUntil(() => finished, pair.Network.Now + TimeSpan.FromSeconds(30)));
        Assert.Equal(bytes, received);

        // Let the last acknowledgments arrive (the client's stream becomes "Data Recvd").
        pair.Network.RunFor(TimeSpan.FromMilliseconds(200));
    }

    private static void CheckHeader(JsonElement header, string role, string odcid)
    {
        Assert.Equal("urn:ietf:params:qlog:file:sequential", header.GetProperty("file_schema").GetString());
        Assert.Equal("application/qlog+json-seq", header.GetProperty("serialization_format").GetString());
        Assert.Equal("JSON-SEQ", header.GetProperty("qlog_format").GetString());
        Assert.False(string.IsNullOrEmpty(header.GetProperty("qlog_version").GetString()));
        JsonElement trace = header.GetProperty("trace");
        Assert.Equal(role, trace.GetProperty("vantage_point").GetProperty("type").GetString());
        JsonElement common = trace.GetProperty("common_fields");
        Assert.Equal(odcid, common.GetProperty("group_id").GetString());
        Assert.Equal("relative_to_epoch", common.GetProperty("time_format").GetString());
        Assert.Equal("monotonic", common.GetProperty("reference_time").GetProperty("clock_type").GetString());
        Assert.Equal("unknown", common.GetProperty("reference_time").GetProperty("epoch").GetString());
        string schema = trace.GetProperty("event_schemas")[0].GetString()!;
        Assert.StartsWith("urn:ietf:params:qlog:events:quic-", schema, StringComparison.Ordinal);
        Assert.False(header.TryGetProperty("events", out _));
    }

    private static HashSet<string> Packets(List<JsonElement> events, string name)
    {
        var set = new HashSet<string>();
        foreach (JsonElement e in Named(events, name))
        {
            JsonElement header = e.GetProperty("data").GetProperty("header");
            set.Add(header.GetProperty("packet_type").GetString() + ":" + header.GetProperty("packet_number").GetUInt64());
        }

        return set;
    }

    private static JsonElement[] Frames(List<JsonElement> events, string name)
    {
        var frames = new List<JsonElement>();
        foreach (JsonElement e in Named(events, name))
        {
            foreach (JsonElement f in e.GetProperty("data").GetProperty("frames").EnumerateArray())
            {
                frames.Add(f);
            }
        }

        return [.. frames];
    }

    private static string StreamState(JsonElement e)
    {
        JsonElement d = e.GetProperty("data");
        string trigger = d.TryGetProperty("trigger", out JsonElement t) ? t.GetString()! : "none";
        return $"{d.GetProperty("stream_id").GetUInt64()}/{d.GetProperty("stream_side").GetString()}/{d.GetProperty("new").GetString()}/{trigger}";
    }
}
