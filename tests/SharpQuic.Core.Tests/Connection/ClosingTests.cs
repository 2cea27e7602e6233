using SharpQuic.Core.Connection;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Connection;

/// <summary>The closing period (RFC 9000 §10.2.1).</summary>
public sealed class ClosingTests
{
    [Fact]
    public void FloodInClosingPeriod_GetsFewCloseReplies()
    {
        using var pair = new QuicPair(95);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        pair.Network.RunFor(TimeSpan.FromSeconds(1));
        QuicConnection client = pair.Client!;
        QuicConnection server = pair.ServerConnection!;

        // Capture one authenticated 1-RTT datagram of the server's (a PING).
        byte[]? captured = null;
        pair.Network.Observer = (in SimulatedDatagram d) =>
        {
            if (captured is null && d.Source.Equals(QuicPair.ServerAddress))
            {
                captured = d.Bytes.ToArray();
            }
        };
        server.InjectedFrames = [(byte)FrameType.Ping];
        pair.Network.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.NotNull(captured);

        // The client closes; the server never hears it, so nothing stops the flood.
        pair.Network.GetLink(pair.ClientHost, pair.ServerHost).DropFilter = (in SimulatedDatagram d) => true;
        client.Close(7, "bye", pair.Network.Now);
        var buffer = new byte[1500];
        int initial = Drain(pair.ClientEndpoint, pair.Network.Now, buffer);
        Assert.Equal(1, initial);

        int replies = 0;
        for (int i = 0; i < 1000; i++)
        {
            pair.ClientEndpoint.HandleDatagram(pair.Network.Now, QuicPair.ServerAddress, QuicPair.ClientAddress, captured, EcnCodepoint.NotEct);
            replies += Drain(pair.ClientEndpoint, pair.Network.Now, buffer);
        }

        Assert.Equal(ConnectionState.Closing, client.State);

        // §10.2.1: still answered (the peer may have lost the first CONNECTION_CLOSE), but at the 1st, 2nd, 4th… only.
        Assert.InRange(replies, 2, 11);
    }

    private static int Drain(QuicEndpoint endpoint, Instant now, byte[] buffer)
    {
        int n = 0;
        while (endpoint.PollTransmit(now, buffer) is not null)
        {
            n++;
        }

        return n;
    }
}
