using SharpQuic.Core.Connection;
using SharpQuic.Core.Streams;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.ZeroRtt;

/// <summary>
/// After a 0-RTT rejection the server's new transport parameters apply, also where they are lower than the
/// remembered ones (RFC 9001 §4.6.2, RFC 9000 §7.4.1): the client resends its early data under the new limits.
/// </summary>
public sealed class RejectedEarlyDataLimitsTests
{
    // A long delay: MAX_DATA cannot come back before the whole resent flight would have left.
    private static readonly LinkConditions SlowLink = new() { Delay = TimeSpan.FromMilliseconds(100), Mtu = 1200 };

    private static readonly byte[] TicketKey = [.. Enumerable.Range(50, 32).Select(i => (byte)i)];

    [Fact]
    public void Rejected_with_lower_max_data_client_stays_within_the_new_limit()
    {
        using var protector = new ServerResumption(TicketKey, singleUseTickets: false);
        byte[] ticket;
        DateTimeOffset later;
        using (var first = new ZeroRttPair(401, protector, DateTimeOffset.UtcNow))
        {
            ticket = first.FirstTicket();
            later = first.WallNow + TimeSpan.FromSeconds(1);
        }

        // initial_max_data 4 KiB instead of the remembered 1 MiB: the server refuses 0-RTT (§7.4.1) and any byte past
        // 4 KiB before its MAX_DATA would be a FLOW_CONTROL_ERROR (RFC 9000 §4.1).
        const ulong newLimit = 4 * 1024;
        var lowered = new ConnectionOptions { Streams = new StreamManagerOptions { MaxData = newLimit } };
        using var pair = new ZeroRttPair(402, protector, later, serverOptions: lowered, conditions: SlowLink);
        QuicConnection client = pair.Connect(pair.ClientTls(ticket, earlyData: true));
        Assert.True(client.TryOpenStream(true, out StreamId id));
        byte[] payload = Payload(40_000);
        int written = client.Write(id, payload, fin: true);
        Assert.Equal(payload.Length, written);

        bool done = pair.RunUntilFinished(client, 1, TimeSpan.FromSeconds(10));
        QuicConnection server = pair.ServerConnections[0];
        Assert.True(done, $"client {client.State} {client.CloseInfo}; server {server.State} {server.CloseInfo}");
        Assert.False(client.EarlyDataAccepted);
        Assert.Equal(0, server.ZeroRttPackets);

        // The 0-RTT flight was larger than the new limit: the test is about data that had to wait for MAX_DATA.
        Assert.True(client.ZeroRttPackets * 1000 > (long)newLimit, $"only {client.ZeroRttPackets} 0-RTT packets");
        Assert.Equal(payload, pair.Received[(server, id.Value)]);
        Assert.Equal(ConnectionState.Open, server.State);
    }

    [Fact]
    public void Rejected_with_lower_stream_data_limit_client_stays_within_it()
    {
        using var protector = new ServerResumption(TicketKey, singleUseTickets: false);
        byte[] ticket;
        DateTimeOffset later;
        using (var first = new ZeroRttPair(403, protector, DateTimeOffset.UtcNow))
        {
            ticket = first.FirstTicket();
            later = first.WallNow + TimeSpan.FromSeconds(1);
        }

        var lowered = new ConnectionOptions { Streams = new StreamManagerOptions { MaxStreamDataBidiRemote = 2 * 1024 } };
        using var pair = new ZeroRttPair(404, protector, later, serverOptions: lowered, conditions: SlowLink);
        QuicConnection client = pair.Connect(pair.ClientTls(ticket, earlyData: true));
        Assert.True(client.TryOpenStream(true, out StreamId id));
        byte[] payload = Payload(20_000);
        Assert.Equal(payload.Length, client.Write(id, payload, fin: true));

        bool done = pair.RunUntilFinished(client, 1, TimeSpan.FromSeconds(10));
        QuicConnection server = pair.ServerConnections[0];
        Assert.True(done, $"client {client.State} {client.CloseInfo}; server {server.State} {server.CloseInfo}");
        Assert.False(client.EarlyDataAccepted);
        Assert.Equal(payload, pair.Received[(server, id.Value)]);
    }

    private static byte[] Payload(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 13) + 5);
        }

        return bytes;
    }
}
