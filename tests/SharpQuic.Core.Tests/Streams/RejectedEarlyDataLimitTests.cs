using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Tests.Streams;

/// <summary>
/// <see cref="StreamManager.ReplacePeerLimitsAfterRejectedEarlyData"/>: after 0-RTT was rejected the server's new,
/// possibly lower, limits replace the remembered ones (RFC 9000 §7.4.1, RFC 9001 §4.6.2), and the data sent in
/// 0-RTT is sent again as new data under them.
/// </summary>
public sealed class RejectedEarlyDataLimitTests
{
    [Fact]
    public void Resent_early_data_never_exceeds_the_servers_lower_max_data()
    {
        var remembered = new StreamManagerOptions { MaxData = 1024 * 1024 };
        var lowered = new StreamManagerOptions { MaxData = 4096 };
        var client = new StreamManager(true, new StreamManagerOptions());
        client.SetPeerLimits(remembered.ToPeerLimits());
        Assert.True(client.TryOpenStream(StreamDirection.Bidirectional, out StreamId id));
        byte[] data = new byte[20_000];
        Random.Shared.NextBytes(data);
        Assert.Equal(data.Length, client.Write(id, data));

        // The 0-RTT flight: well past 4 KiB, then every packet lost (rejected).
        var early = new List<StreamTestKit.Packet>();
        while (early.Count < 10 && StreamTestKit.BuildPacket(client) is { } p)
        {
            early.Add(p);
        }

        Assert.True(early.Sum(p => p.Length) > 8000);
        foreach (StreamTestKit.Packet p in early)
        {
            p.Lost(client);
        }

        client.ReplacePeerLimitsAfterRejectedEarlyData(lowered.ToPeerLimits());

        // The server with its new limits receives everything the client now sends: no FLOW_CONTROL_ERROR.
        var server = new StreamManager(false, lowered);
        server.SetPeerLimits(new StreamManagerOptions().ToPeerLimits());
        int bytes = 0;
        while (StreamTestKit.BuildPacket(client) is { } p)
        {
            Assert.Equal(TransportErrorCode.NoError, StreamTestKit.Deliver(server, p, Instant.Zero));
            bytes += p.Stream.Sum(f => f.Length);
        }

        Assert.Equal(4096, bytes);
    }

    [Fact]
    public void Without_the_replacement_the_resent_flight_would_exceed_the_limit()
    {
        // The bug this guards against: SetPeerLimits only raises, so the remembered 1 MiB stayed.
        var client = new StreamManager(true, new StreamManagerOptions());
        client.SetPeerLimits(new StreamManagerOptions { MaxData = 1024 * 1024 }.ToPeerLimits());
        Assert.True(client.TryOpenStream(StreamDirection.Bidirectional, out StreamId id));
        client.Write(id, new byte[20_000]);
        var early = new List<StreamTestKit.Packet>();
        while (early.Count < 10 && StreamTestKit.BuildPacket(client) is { } p)
        {
            early.Add(p);
        }

        early.ForEach(p => p.Lost(client));
        var lowered = new StreamManagerOptions { MaxData = 4096 };
        client.SetPeerLimits(lowered.ToPeerLimits());
        var server = new StreamManager(false, lowered);
        server.SetPeerLimits(new StreamManagerOptions().ToPeerLimits());
        TransportErrorCode error = TransportErrorCode.NoError;
        while (error == TransportErrorCode.NoError && StreamTestKit.BuildPacket(client) is { } p)
        {
            error = StreamTestKit.Deliver(server, p, Instant.Zero);
        }

        Assert.Equal(TransportErrorCode.FlowControlError, error);
    }
}
