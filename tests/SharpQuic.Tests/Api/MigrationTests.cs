using System.Security.Cryptography;

namespace SharpQuic.Tests.Api;

/// <summary>Client migration (RFC 9000 §9.2) through the public API, on real sockets.</summary>
[Collection(LoopbackCollection.Name)]
public sealed class MigrationTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_client_migrates_mid_transfer_and_every_byte_arrives()
    {
        const int total = 32 << 20;
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            var before = client.LocalEndPoint;
            int serverSawPort = server.RemoteEndPoint.Port;
            Task<byte[]> serverSide = Task.Run(async () =>
            {
                await using QuicStream s = await server.AcceptInboundStreamAsync();
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = await s.ReadAsync(buffer)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                }

                return hash.GetHashAndReset();
            });

            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
            using var sent = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] chunk = new byte[64 * 1024];
            var rng = new Random(3);
            for (int written = 0; written < total; written += chunk.Length)
            {
                rng.NextBytes(chunk);
                sent.AppendData(chunk);
                await stream.WriteAsync(chunk);
                if (written == total / 2)
                {
                    await client.MigrateAsync().AsTask().WaitAsync(Limit);
                }
            }

            stream.CompleteWrites();
            Assert.Equal(sent.GetHashAndReset(), await serverSide.WaitAsync(Limit));

            // The client sends from a new port, the server follows it (§9.3), and the path was validated.
            Assert.NotEqual(before.Port, client.LocalEndPoint.Port);
            Assert.NotEqual(serverSawPort, server.RemoteEndPoint.Port);
            Assert.Equal(client.LocalEndPoint.Port, server.RemoteEndPoint.Port);
            QuicConnectionStatistics stats = await server.GetStatisticsAsync();
            Assert.True(stats.PathChanges >= 1);
            Assert.True(stats.PathsValidated >= 1);
        }
    }

    /// <summary>
    /// preferred_address (RFC 9000 §9.6): the listener on a wildcard address advertises 127.0.0.2; a client that
    /// connected to 127.0.0.1 validates the preferred address after the handshake and moves there.
    /// </summary>
    [Fact]
    public async Task A_client_moves_to_the_servers_preferred_address()
    {
        await using QuicListener listener = await QuicListener.ListenAsync(new QuicListenerOptions
        {
            ListenEndPoint = new System.Net.IPEndPoint(System.Net.IPAddress.Any, 0),
            ApplicationProtocols = [TestPeers.Alpn],
            PreferredAddress = new System.Net.IPEndPoint(System.Net.IPAddress.Parse("127.0.0.2"), 0),
            ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(TestPeers.ServerOptions()),
        });
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            // The switch may already have happened (it starts at handshake confirmation); wait for it otherwise.
            for (int i = 0; i < 200 && client.RemoteEndPoint.Address.ToString() != "127.0.0.2"; i++)
            {
                // Traffic drives the switch: the client validates after confirmation and moves on success.
                await using QuicStream s = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
                await s.WriteAsync(new byte[] { 1 }, completeWrites: true);
                await using QuicStream inbound = await server.AcceptInboundStreamAsync();
                await TestPeers.ReadToEndAsync(inbound);
                await Task.Delay(10);
            }

            Assert.Equal("127.0.0.2", client.RemoteEndPoint.Address.ToString());
            Assert.Equal(listener.LocalEndPoint.Port, client.RemoteEndPoint.Port);

            // Data still flows on the new path, both ways.
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            byte[] payload = new byte[200_000];
            Random.Shared.NextBytes(payload);
            await stream.WriteAsync(payload, completeWrites: true);
            await using QuicStream echo = await server.AcceptInboundStreamAsync();
            byte[] got = await TestPeers.ReadToEndAsync(echo);
            await echo.WriteAsync(got, completeWrites: true);
            Assert.Equal(payload, await TestPeers.ReadToEndAsync(stream));
        }
    }

    [Fact]
    public async Task Only_a_client_migrates()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await server.MigrateAsync());
        }
    }
}
