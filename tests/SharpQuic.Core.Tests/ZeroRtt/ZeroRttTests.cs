using SharpQuic.Core.Connection;
using SharpQuic.Core.Streams;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.ZeroRtt;

/// <summary>Session resumption and 0-RTT over the simulated network (RFC 9001 §4.6, RFC 9000 §7.4.1).</summary>
public sealed class ZeroRttTests
{
    private static readonly byte[] TicketKey = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [Fact]
    public void Resumption_WithoutEarlyData_SkipsCertificates()
    {
        using var protector = new ServerResumption(TicketKey, singleUseTickets: false);
        using var pair = new ZeroRttPair(301, protector, DateTimeOffset.UtcNow);
        byte[] ticket = pair.FirstTicket();

        QuicConnection client = pair.Connect(pair.ClientTls(ticket));
        Assert.False(client.CanSendEarlyData);
        Assert.False(client.TryOpenStream(true, out _));
        Assert.True(pair.Network.RunUntil(() => client.IsHandshakeConfirmed, pair.Network.Now + TimeSpan.FromSeconds(5)));
        Assert.True(client.IsResumed);
        Assert.True(pair.ServerConnections[1].IsResumed);
        Assert.Null(client.EarlyDataAccepted);
        Assert.Equal(0, client.ZeroRttPackets);

        // A resumed connection gets a ticket of its own too.
        Assert.True(pair.Network.RunUntil(() => client.ResumptionTicket is not null, pair.Network.Now + TimeSpan.FromSeconds(2)));
        Assert.NotEqual(ticket, client.ResumptionTicket);
    }

    [Fact]
    public void Ticket_CarriesRememberedParameters()
    {
        using var protector = new ServerResumption(TicketKey, singleUseTickets: false);
        var options = new ConnectionOptions { Streams = new StreamManagerOptions { MaxData = 777_777, MaxStreamsBidi = 7, MaxStreamDataBidiRemote = 55_555 } };
        using var pair = new ZeroRttPair(302, protector, DateTimeOffset.UtcNow, serverOptions: options);
        ResumptionTicketInfo ticket = QuicConnection.DescribeTicket(pair.FirstTicket())!;
        Assert.Equal("sq", ticket.ApplicationProtocol);
        Assert.Equal(Connection.QuicPair.Host, ticket.ServerName);
        Assert.True(ticket.AllowsEarlyData);
        Assert.True(ticket.ExpiresAt > DateTimeOffset.UtcNow);
        RememberedParameters p = ticket.Parameters;
        Assert.Equal(777_777UL, p.InitialMaxData);
        Assert.Equal(7UL, p.InitialMaxStreamsBidi);
        Assert.Equal(55_555UL, p.InitialMaxStreamDataBidiRemote);
    }

    [Fact]
    public void EarlyData_Accepted_ServerReadsBeforeHandshakeCompletes()
    {
        using var protector = new ServerResumption(TicketKey, singleUseTickets: false);
        using var pair = new ZeroRttPair(303, protector, DateTimeOffset.UtcNow);
        byte[] ticket = pair.FirstTicket();
        byte[] payload = Payload(3000);

        QuicConnection client = pair.Connect(pair.ClientTls(ticket, earlyData: true));
        Assert.True(client.CanSendEarlyData);
        Assert.False(client.IsHandshakeComplete);
        Assert.True(client.TryOpenStream(true, out StreamId id));
        Assert.Equal(payload.Length, client.Write(id, payload, fin: true));

        Assert.True(pair.RunUntilFinished(client, 1, TimeSpan.FromSeconds(5)));
        QuicConnection server = pair.ServerConnections[1];
        Assert.Equal(payload, pair.Received[(server, id.Value)]);
        Assert.Contains((server, id.Value), pair.ReceivedEarly);
        Assert.True(client.EarlyDataAccepted);
        Assert.True(server.EarlyDataAccepted);
        Assert.True(client.IsResumed);
        Assert.True(client.ZeroRttPackets > 0);
        Assert.True(server.ZeroRttPackets > 0);
        Assert.False(client.CanSendEarlyData);
    }

    [Fact]
    public void EarlyData_DeferredServerOptions_EarlyPacketsAreKeptAndOpened()
    {
        using var protector = new ServerResumption(TicketKey, singleUseTickets: false);
        using var pair = new ZeroRttPair(304, protector, DateTimeOffset.UtcNow, deferServerOptions: true);
        byte[] ticket = pair.FirstTicket();
        QuicConnection client = pair.Connect(pair.ClientTls(ticket, earlyData: true));
        Assert.True(client.TryOpenStream(false, out StreamId id));
        client.Write(id, Payload(500), fin: true);

        Assert.True(pair.RunUntilFinished(client, 1, TimeSpan.FromSeconds(5)));
        QuicConnection server = pair.ServerConnections[1];
        Assert.Contains((server, id.Value), pair.ReceivedEarly);
        Assert.True(server.ZeroRttPackets > 0);
        Assert.True(client.EarlyDataAccepted);
    }

    [Fact]
    public void EarlyData_Rejected_DataArrivesIn1Rtt()
    {
        using var protector = new ServerResumption(TicketKey, singleUseTickets: false);
        byte[] ticket;
        DateTimeOffset later;
        using (var first = new ZeroRttPair(305, protector, DateTimeOffset.UtcNow))
        {
            ticket = first.FirstTicket();
            later = first.WallNow + TimeSpan.FromSeconds(1);
        }

        // The same ticket key, but this server refuses 0-RTT by policy.
        using var pair = new ZeroRttPair(306, protector, later, acceptEarlyData: false);
        byte[] payload = Payload(5000);
        QuicConnection client = pair.Connect(pair.ClientTls(ticket, earlyData: true));
        Assert.True(client.TryOpenStream(true, out StreamId id));
        client.Write(id, payload, fin: true);

        Assert.True(pair.RunUntilFinished(client, 1, TimeSpan.FromSeconds(5)));
        QuicConnection server = pair.ServerConnections[0];
        Assert.Equal(payload, pair.Received[(server, id.Value)]);
        Assert.DoesNotContain((server, id.Value), pair.ReceivedEarly);
        Assert.False(client.EarlyDataAccepted);
        Assert.True(client.IsResumed, "rejecting 0-RTT does not refuse the PSK");
        Assert.True(client.ZeroRttPackets > 0);
        Assert.Equal(0, server.ZeroRttPackets);
        var events = new List<ConnectionEvent>();
        Connection.QuicPair.Drain(client, events);
        Assert.Contains(events, e => e.Kind == ConnectionEventKind.EarlyDataRejected);
    }

    [Fact]
    public void SingleUseTicket_SecondUse_IsFullHandshake_DataStillArrives()
    {
        using var protector = new ServerResumption(TicketKey, singleUseTickets: true);
        using var pair = new ZeroRttPair(307, protector, DateTimeOffset.UtcNow);
        byte[] ticket = pair.FirstTicket();

        QuicConnection second = pair.Connect(pair.ClientTls(ticket, earlyData: true));
        Assert.True(second.TryOpenStream(true, out StreamId a));
        second.Write(a, Payload(100), fin: true);
        Assert.True(pair.RunUntilFinished(second, 1, TimeSpan.FromSeconds(5)));
        Assert.True(second.IsResumed);
        Assert.True(second.EarlyDataAccepted);

        // RFC 8446bis §8.1: a replayed ticket is refused; the data is resent in 1-RTT.
        QuicConnection third = pair.Connect(pair.ClientTls(ticket, earlyData: true));
        Assert.True(third.TryOpenStream(true, out StreamId b));
        byte[] payload = Payload(1500);
        third.Write(b, payload, fin: true);
        Assert.True(pair.RunUntilFinished(third, 2, TimeSpan.FromSeconds(5)));
        Assert.False(third.IsResumed);
        Assert.False(third.EarlyDataAccepted);
        QuicConnection server = pair.ServerConnections[2];
        Assert.Equal(payload, pair.Received[(server, b.Value)]);
        Assert.Equal(0, server.ZeroRttPackets);
    }

    [Fact]
    public void ServerWithReducedLimits_RefusesEarlyData()
    {
        using var protector = new ServerResumption(TicketKey, singleUseTickets: false);
        byte[] ticket;
        DateTimeOffset later;
        using (var first = new ZeroRttPair(308, protector, DateTimeOffset.UtcNow))
        {
            ticket = first.FirstTicket();
            later = first.WallNow + TimeSpan.FromSeconds(1);
        }

        // RFC 9000 §7.4.1: a server that cannot honour the remembered limits must not accept 0-RTT.
        var reduced = new ConnectionOptions { Streams = new StreamManagerOptions { MaxData = 64 * 1024 } };
        using var pair = new ZeroRttPair(309, protector, later, serverOptions: reduced);
        QuicConnection client = pair.Connect(pair.ClientTls(ticket, earlyData: true));
        Assert.True(client.TryOpenStream(true, out StreamId id));
        byte[] payload = Payload(2000);
        client.Write(id, payload, fin: true);
        bool done = pair.RunUntilFinished(client, 1, TimeSpan.FromSeconds(5));
        Assert.True(done, $"{client.State} {client.CloseInfo} {pair.ServerConnections[0].CloseInfo} {client.EarlyDataAccepted}");
        Assert.True(client.IsResumed);
        Assert.False(client.EarlyDataAccepted);
        Assert.Equal(payload, pair.Received[(pair.ServerConnections[0], id.Value)]);
    }

    [Fact]
    public void EarlyData_StreamsOpenOnlyUpToRememberedLimit()
    {
        using var protector = new ServerResumption(TicketKey, singleUseTickets: false);
        var options = new ConnectionOptions { Streams = new StreamManagerOptions { MaxStreamsBidi = 2 } };
        using var pair = new ZeroRttPair(310, protector, DateTimeOffset.UtcNow, serverOptions: options);
        byte[] ticket = pair.FirstTicket();
        QuicConnection client = pair.Connect(pair.ClientTls(ticket, earlyData: true));
        Assert.True(client.TryOpenStream(true, out StreamId a));
        Assert.True(client.TryOpenStream(true, out StreamId b));
        Assert.False(client.TryOpenStream(true, out _));
        client.Write(a, Payload(10), fin: true);
        client.Write(b, Payload(20), fin: true);
        Assert.True(pair.RunUntilFinished(client, 2, TimeSpan.FromSeconds(5)));
        Assert.True(client.EarlyDataAccepted);
    }

    [Fact]
    public void EarlyData_UnderLoss_AllDataArrives()
    {
        using var protector = new ServerResumption(TicketKey, singleUseTickets: false);
        using var pair = new ZeroRttPair(311, protector, DateTimeOffset.UtcNow);
        byte[] ticket = pair.FirstTicket();
        int n = 0;

        // Drop the second and third client datagrams of the resumed connection: 0-RTT packets among them.
        pair.Network.GetLink(pair.ClientHost, pair.ServerHost).DropFilter = (in SimulatedDatagram d) => ++n is 2 or 3;
        byte[] payload = Payload(6000);
        QuicConnection client = pair.Connect(pair.ClientTls(ticket, earlyData: true));
        Assert.True(client.TryOpenStream(true, out StreamId id));
        client.Write(id, payload, fin: true);
        Assert.True(pair.RunUntilFinished(client, 1, TimeSpan.FromSeconds(10)));
        Assert.Equal(payload, pair.Received[(pair.ServerConnections[1], id.Value)]);
    }

    private static byte[] Payload(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 7) + 3);
        }

        return bytes;
    }
}
