using System.Net;

namespace SharpQuic.Tests.Api;

/// <summary>Compatible version negotiation through the public API on loopback (RFC 9368 §2.3, RFC 9369 §4).</summary>
[Collection(LoopbackCollection.Name)]
public sealed class VersionTests
{
    [Theory]
    [InlineData(1, 2, 2)] // a v1 client upgraded by a listener preferring v2
    [InlineData(2, 1, 1)] // a v2 client moved to v1 by a listener preferring v1
    [InlineData(1, 0, 1)] // no preference: each client keeps its version
    [InlineData(2, 0, 2)]
    public async Task Listener_preference_decides_the_negotiated_version(int clientVersion, int preferred, int expected)
    {
        await using QuicListener listener = await QuicListener.ListenAsync(new QuicListenerOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            ApplicationProtocols = [TestPeers.Alpn],
            PreferredQuicVersion = preferred,
            WorkerCount = 1,
            ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(TestPeers.ServerOptions()),
        });
        var (client, server) = await TestPeers.PairAsync(listener, o => o.QuicVersion = clientVersion);
        await using (client)
        await using (server)
        {
            Assert.Equal(expected, client.NegotiatedQuicVersion);
            Assert.Equal(expected, server.NegotiatedQuicVersion);

            // Data flows in the negotiated version.
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            byte[] payload = new byte[30_000];
            Random.Shared.NextBytes(payload);
            await stream.WriteAsync(payload, completeWrites: true);
            await using QuicStream inbound = await server.AcceptInboundStreamAsync();
            Assert.Equal(payload, await TestPeers.ReadToEndAsync(inbound));
        }
    }

    [Fact]
    public async Task Preferred_version_outside_1_and_2_is_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await QuicListener.ListenAsync(new QuicListenerOptions
        {
            ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            ApplicationProtocols = [TestPeers.Alpn],
            PreferredQuicVersion = 3,
            ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(TestPeers.ServerOptions()),
        }));
    }
}
