using SharpQuic.Core.Connection;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Streams;
using SharpQuic.Simulation;
using SharpQuic.Tls;

namespace SharpQuic.Core.Tests.Connection;

public sealed class HandshakeTests
{
    [Fact]
    public void Handshake_HybridKeyShareAtMtu1200_CompletesWithTwoInitialPackets()
    {
        using var pair = new QuicPair();
        int clientInitialDatagrams = 0;
        bool serverSpoke = false;
        int maxDatagram = 0;
        pair.Network.Observer = (in SimulatedDatagram d) =>
        {
            maxDatagram = Math.Max(maxDatagram, d.Bytes.Length);
            if (d.Source.Equals(QuicPair.ServerAddress))
            {
                serverSpoke = true;
            }
            else if (!serverSpoke && (d.Bytes[0] & 0x80) != 0)
            {
                clientInitialDatagrams++;
                Assert.True(d.Bytes.Length >= 1200, "client Initial datagrams are padded to 1,200 bytes");
            }
        };

        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        Assert.Equal(NamedGroup.X25519MlKem768, pair.Client!.NegotiatedGroup);
        Assert.Equal(NamedGroup.X25519MlKem768, pair.ServerConnection!.NegotiatedGroup);
        Assert.Equal("sq", pair.Client.NegotiatedApplicationProtocol.ToString());
        Assert.True(clientInitialDatagrams >= 2, $"the hybrid ClientHello spans two Initial datagrams ({clientInitialDatagrams})");
        Assert.True(maxDatagram <= 1200);
        Assert.True(pair.ServerConnection.IsHandshakeConfirmed);

        // Both sides authenticated each other's connection IDs and issued new ones.
        Assert.True(pair.Network.RunUntil(() => pair.Client.LocalConnectionIdCount > 1 && pair.ServerConnection.LocalConnectionIdCount > 1, pair.Network.Now + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void StreamEcho_OneMegabyte_HashMatches()
    {
        using var pair = new QuicPair(seed: 7);
        var server = new EchoServer();
        pair.ServerApp = now => server.Run(pair.ServerConnection, now);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));

        var payload = new byte[1 << 20];
        new Random(5).NextBytes(payload);
        Assert.True(pair.Client!.TryOpenStream(bidirectional: true, out StreamId id));
        var stream = new EchoClientStream(id, payload);
        var buffer = new byte[65536];
        pair.ClientApp = now => stream.Pump(pair.Client, now, buffer);
        stream.Pump(pair.Client, pair.Network.Now, buffer);

        Assert.True(pair.Network.RunUntil(() => stream.Done, pair.Network.Now + TimeSpan.FromSeconds(30)));
        Assert.Equal(payload.Length, stream.ReceivedBytes);
        Assert.Equal(stream.ExpectedHash, stream.ReceivedHash);
    }
}
