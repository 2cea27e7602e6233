using System.Net.Security;

namespace SharpQuic.Tests.Api;

[Collection(LoopbackCollection.Name)]
public sealed class ConnectionTests
{
    [Fact]
    public async Task Handshake_completes_and_both_sides_agree_on_the_parameters()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            Assert.Equal(TestPeers.Alpn, client.NegotiatedApplicationProtocol);
            Assert.Equal(TestPeers.Alpn, server.NegotiatedApplicationProtocol);
            Assert.Equal("X25519MLKEM768", client.NegotiatedKeyExchangeGroup);
            Assert.Equal(client.NegotiatedKeyExchangeGroup, server.NegotiatedKeyExchangeGroup);
            Assert.Equal(TlsCipherSuite.TLS_AES_128_GCM_SHA256, client.NegotiatedCipherSuite);
            Assert.Equal("localhost", client.TargetHostName);
            Assert.Equal("localhost", server.TargetHostName);
            Assert.NotNull(client.RemoteCertificate);
            Assert.Equal(TestPeers.Certificate.GetCertHashString(), client.RemoteCertificate!.GetCertHashString());
            Assert.Equal(listener.LocalEndPoint.Port, client.RemoteEndPoint.Port);
            Assert.Equal(client.LocalEndPoint.Port, server.RemoteEndPoint.Port);
        }
    }

    [Fact]
    public async Task Path_MTU_discovery_and_ECN_validation_succeed_on_loopback()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            // Traffic both ways for a while: probes go out after confirmation, ECN is judged on acknowledged packets.
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            await stream.WriteAsync(new byte[2_000_000], completeWrites: true);
            await using QuicStream inbound = await server.AcceptInboundStreamAsync();
            Assert.Equal(2_000_000, (await TestPeers.ReadToEndAsync(inbound)).Length);
            await Task.Delay(200);
            QuicConnectionStatistics stats = await client.GetStatisticsAsync();
            Assert.Equal(1452, stats.PathMaxDatagramSize); // the default probe cap; loopback carries 64 KiB
            if (string.Equals(Environment.GetEnvironmentVariable("SHARPQUIC_UDP"), "portable", StringComparison.OrdinalIgnoreCase))
            {
                Assert.NotEqual("Capable", stats.EcnState); // the portable socket cannot set marks
            }
            else
            {
                Assert.Equal("Capable", stats.EcnState);
            }
        }
    }

    [Fact]
    public async Task A_bidirectional_stream_echoes_bytes()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            byte[] payload = new byte[100_000];
            Random.Shared.NextBytes(payload);
            await stream.WriteAsync(payload, completeWrites: true);
            await using QuicStream inbound = await server.AcceptInboundStreamAsync();
            Assert.Equal(stream.Id, inbound.Id);
            byte[] received = await TestPeers.ReadToEndAsync(inbound);
            Assert.Equal(payload, received);
            await inbound.WriteAsync(received, completeWrites: true);
            byte[] echoed = await TestPeers.ReadToEndAsync(stream);
            Assert.Equal(payload, echoed);
            await stream.WritesClosed.WaitAsync(TimeSpan.FromSeconds(10));
            await stream.ReadsClosed.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoopbackCollection
{
    public const string Name = "Loopback";
}
