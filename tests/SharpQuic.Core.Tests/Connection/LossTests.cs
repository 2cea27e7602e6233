using SharpQuic.Core.Connection;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Streams;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Connection;

public sealed class LossTests
{
    [Theory]
    [InlineData(0.10)]
    [InlineData(0.30)]
    public void Handshake_UnderRandomLossBothWays_Completes(double loss)
    {
        // Several seeds: one handshake is a handful of datagrams, so each seed loses different ones.
        long dropped = 0;
        for (int seed = 1; seed <= 6; seed++)
        {
            using var pair = new QuicPair(seed * 17, new LinkConditions { Delay = TimeSpan.FromMilliseconds(20), Mtu = 1200, LossProbability = loss });
            Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(60)), $"handshake at {loss:P0} loss, seed {seed}");
            dropped += pair.Network.GetLink(pair.ClientHost, pair.ServerHost).Statistics.DroppedTotal
                + pair.Network.GetLink(pair.ServerHost, pair.ClientHost).Statistics.DroppedTotal;
        }

        Assert.True(dropped > 0, "the links did drop datagrams");
    }

    [Fact]
    public void Handshake_WholeFirstFlightLost_RecoveredByPto()
    {
        using var pair = new QuicPair(21);
        int droppedClient = 0;
        int droppedServer = 0;
        pair.Network.GetLink(pair.ClientHost, pair.ServerHost).DropFilter = (in SimulatedDatagram d) =>
        {
            // Every datagram of the client's first flight (all Initial, sent before anything came back).
            if (d.Index < 2)
            {
                droppedClient++;
                return true;
            }

            return false;
        };
        bool serverFirstFlightDone = false;
        pair.Network.GetLink(pair.ServerHost, pair.ClientHost).DropFilter = (in SimulatedDatagram d) =>
        {
            // The server's first flight: every long-header datagram until the first short-header one.
            if (!serverFirstFlightDone && (d.Bytes[0] & 0x80) != 0 && droppedServer < 4)
            {
                droppedServer++;
                return true;
            }

            serverFirstFlightDone = true;
            return false;
        };

        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, droppedClient);
        Assert.True(droppedServer >= 2, $"server flight datagrams dropped: {droppedServer}");
        Assert.True(pair.Network.Now > Instant.FromMilliseconds(900), "recovery needed at least one PTO (initial RTT 333 ms)");
    }

    [Fact]
    public void ThousandConcurrentStreams_FivePercentLoss_AllHashesMatch()
    {
        using var pair = new QuicPair(31, new LinkConditions { Delay = TimeSpan.FromMilliseconds(15), Mtu = 1200, LossProbability = 0.05 });
        var server = new EchoServer();
        pair.ServerApp = now => server.Run(pair.ServerConnection, now);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(30)));

        var random = new Random(99);
        var streams = new List<EchoClientStream>();
        int toOpen = 1000;
        var buffer = new byte[65536];
        QuicConnection client = pair.Client!;
        void App(Instant now)
        {
            while (client.PollEvent(out _))
            {
            }

            while (streams.Count < toOpen && client.TryOpenStream(true, out StreamId id))
            {
                var payload = new byte[random.Next(0, 20_000)];
                random.NextBytes(payload);
                streams.Add(new EchoClientStream(id, payload));
            }

            foreach (EchoClientStream s in streams)
            {
                if (!s.Done)
                {
                    s.Pump(client, now, buffer);
                }
            }
        }

        pair.ClientApp = App;
        App(pair.Network.Now);
        Assert.True(pair.Network.RunUntil(() => streams.Count == toOpen && streams.TrueForAll(s => s.Done), pair.Network.Now + TimeSpan.FromSeconds(300)),
            $"done: {streams.Count(s => s.Done)} of {streams.Count}");
        foreach (EchoClientStream s in streams)
        {
            Assert.Equal(s.ExpectedHash, s.ReceivedHash);
        }
    }

    [Fact]
    public void Close_WithApplicationError_PeerSeesCodeAndReason()
    {
        using var pair = new QuicPair(41);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        pair.Client!.Close(0x1234, "bye now", pair.Network.Now);
        QuicConnection server = pair.ServerConnection!;
        Assert.True(pair.Network.RunUntil(() => server.State != ConnectionState.Open, pair.Network.Now + TimeSpan.FromSeconds(2)));
        Assert.Equal(ConnectionState.Draining, server.State);
        ConnectionCloseInfo info = server.CloseInfo!;
        Assert.Equal(CloseReason.Remote, info.Reason);
        Assert.True(info.IsApplicationError);
        Assert.Equal(0x1234UL, info.ErrorCode);
        Assert.Equal("bye now", info.ReasonPhrase);

        // Both sides end after the closing and draining periods and leave their endpoints.
        Assert.True(pair.Network.RunUntil(() => pair.ServerEndpoint.ConnectionCount == 0 && pair.ClientEndpoint.ConnectionCount == 0, pair.Network.Now + TimeSpan.FromSeconds(5)));
    }
}
