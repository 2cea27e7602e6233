namespace SharpQuic.Tests.Api;

/// <summary>Session resumption and 0-RTT through the public API on loopback.</summary>
[Collection(LoopbackCollection.Name)]
public sealed class ResumptionTests
{
    [Fact]
    public async Task Ticket_is_surfaced_and_resumes_the_next_connection()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        byte[] ticket = await FirstTicketAsync(listener);

        var (client, server) = await TestPeers.PairAsync(listener, o => o.ResumptionTicket = ticket);
        await using (client)
        await using (server)
        {
            Assert.True(client.IsResumed);
            Assert.True(server.IsResumed);
            Assert.False(client.IsEarlyDataConnection);
            Assert.Null(client.EarlyDataAccepted);
            Assert.Equal(TestPeers.Alpn, client.NegotiatedApplicationProtocol);
        }
    }

    [Fact]
    public async Task Garbage_ticket_gives_a_full_handshake()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener, o => o.ResumptionTicket = [1, 2, 3, 4]);
        await using (client)
        await using (server)
        {
            Assert.False(client.IsResumed);
            Assert.NotNull(client.RemoteCertificate);
        }
    }

    [Fact]
    public async Task Early_data_accepted_connect_returns_before_the_handshake()
    {
        await using QuicListener listener = await TestPeers.ListenAsync(o => o.AcceptEarlyData = true);
        byte[] ticket = await FirstTicketAsync(listener);
        byte[] request = "GET /idempotent"u8.ToArray();

        ValueTask<QuicConnection> accept = listener.AcceptConnectionAsync();
        await using QuicConnection client = await TestPeers.ConnectAsync(listener, o =>
        {
            o.ResumptionTicket = ticket;
            o.EnableEarlyData = true;
        });
        Assert.True(client.IsEarlyDataConnection);
        Assert.Equal(TestPeers.Alpn, client.NegotiatedApplicationProtocol);
        await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
        await stream.WriteAsync(request, completeWrites: true);

        await using QuicConnection server = await accept;
        await using (QuicStream inbound = await server.AcceptInboundStreamAsync())
        {
            Assert.Equal(request, await TestPeers.ReadToEndAsync(inbound));
            await inbound.WriteAsync("ok"u8.ToArray(), completeWrites: true);
        }

        Assert.Equal("ok"u8.ToArray(), await TestPeers.ReadToEndAsync(stream));
        Assert.True(client.IsResumed);
        Assert.True(client.EarlyDataAccepted);
        Assert.True(server.EarlyDataAccepted);
    }

    [Fact]
    public async Task Early_data_refused_by_policy_arrives_in_1rtt()
    {
        await using QuicListener listener = await TestPeers.ListenAsync(o => o.AcceptEarlyData = false);
        byte[] ticket = await FirstTicketAsync(listener);
        byte[] request = new byte[10_000];
        Random.Shared.NextBytes(request);

        ValueTask<QuicConnection> accept = listener.AcceptConnectionAsync();
        await using QuicConnection client = await TestPeers.ConnectAsync(listener, o =>
        {
            o.ResumptionTicket = ticket;
            o.EnableEarlyData = true;
        });

        // The server's tickets do not allow early data: the client waits for the handshake.
        Assert.False(client.IsEarlyDataConnection);
        Assert.True(client.IsResumed);
        await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
        await stream.WriteAsync(request, completeWrites: true);
        await using QuicConnection server = await accept;
        await using QuicStream inbound = await server.AcceptInboundStreamAsync();
        Assert.Equal(request, await TestPeers.ReadToEndAsync(inbound));
    }

    [Fact]
    public async Task Reused_ticket_is_refused_and_data_still_arrives()
    {
        await using QuicListener listener = await TestPeers.ListenAsync(o => o.AcceptEarlyData = true);
        byte[] ticket = await FirstTicketAsync(listener);
        for (int attempt = 0; attempt < 2; attempt++)
        {
            ValueTask<QuicConnection> accept = listener.AcceptConnectionAsync();
            await using QuicConnection client = await TestPeers.ConnectAsync(listener, o =>
            {
                o.ResumptionTicket = ticket;
                o.EnableEarlyData = true;
            });
            Assert.True(client.IsEarlyDataConnection, "the client cannot know the ticket was used");
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
            await stream.WriteAsync(new byte[] { (byte)attempt, 1, 2, 3 }, completeWrites: true);
            await using QuicConnection server = await accept;
            await using QuicStream inbound = await server.AcceptInboundStreamAsync();
            Assert.Equal(new byte[] { (byte)attempt, 1, 2, 3 }, await TestPeers.ReadToEndAsync(inbound));

            // RFC 8446bis §8.1: the second use gets a full handshake, and 0-RTT is refused.
            Assert.Equal(attempt == 0, client.IsResumed);
            Assert.Equal(attempt == 0, client.EarlyDataAccepted);
        }
    }

    private static async Task<byte[]> FirstTicketAsync(QuicListener listener)
    {
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            Assert.False(client.IsResumed);
            for (int i = 0; i < 200 && client.ResumptionTicket is null; i++)
            {
                await Task.Delay(10);
            }

            return client.ResumptionTicket ?? throw new Xunit.Sdk.XunitException("no ticket arrived");
        }
    }
}
