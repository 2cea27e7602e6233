using System.Security.Cryptography;

namespace SharpQuic.Tests.Api;

[Collection(LoopbackCollection.Name)]
public sealed class StreamTests
{
    [Fact]
    public async Task Bulk_echo_keeps_every_byte_in_order()
    {
        const int total = 64 * 1024 * 1024;
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            Task serverSide = Task.Run(async () =>
            {
                await using QuicStream s = await server.AcceptInboundStreamAsync();
                byte[] buffer = new byte[64 * 1024];
                int n;
                while ((n = await s.ReadAsync(buffer)) > 0)
                {
                    await s.WriteAsync(buffer.AsMemory(0, n));
                }

                s.CompleteWrites();
            });

            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            Task<byte[]> sent = Task.Run(async () =>
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                byte[] chunk = new byte[64 * 1024];
                var rng = new Random(7);
                for (int written = 0; written < total; written += chunk.Length)
                {
                    rng.NextBytes(chunk);
                    hash.AppendData(chunk);
                    await stream.WriteAsync(chunk);
                }

                stream.CompleteWrites();
                return hash.GetHashAndReset();
            });

            using var received = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = new byte[64 * 1024];
            long count = 0;
            int r;
            while ((r = await stream.ReadAsync(buffer)) > 0)
            {
                received.AppendData(buffer, 0, r);
                count += r;
            }

            Assert.Equal(total, count);
            Assert.Equal(await sent, received.GetHashAndReset());
            await serverSide;
            Console.WriteLine($"echo {total / 1048576} MiB both ways in {sw.Elapsed.TotalSeconds:F2} s");
            Console.WriteLine($"client {await client.GetStatisticsAsync()}");
            Console.WriteLine($"server {await server.GetStatisticsAsync()}");
        }
    }
}
