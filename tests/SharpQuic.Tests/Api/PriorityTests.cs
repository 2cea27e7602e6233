namespace SharpQuic.Tests.Api;

/// <summary>RFC 9218 scheduling seen through the public API: <see cref="QuicStream.SetPriority"/>.</summary>
[Collection(LoopbackCollection.Name)]
public sealed class PriorityTests
{
    private const int ResponseSize = 1 << 20;

    /// <summary>
    /// Three 1 MB responses with urgencies 6, 3, 0, started in that order: the urgency-0 one completes first. The
    /// client sees completion only when its read continuations run; on a starved machine (a stall of the test
    /// process while the data keeps arriving) every response is already buffered when the readers resume and the
    /// order they finish in says nothing about the sender. Such an observation is repeated on a fresh connection,
    /// at most three times; the deterministic ordering itself is proven by the core PrioritySchedulingTests.
    /// </summary>
    [Fact]
    public async Task The_most_urgent_response_completes_first_though_started_last()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var orders = new List<string>();
        for (int attempt = 0; attempt < 3; attempt++)
        {
            List<byte> completed = await RunOnceAsync(listener);
            orders.Add(string.Join(",", completed));
            if (completed[0] == 0)
            {
                return;
            }
        }

        Assert.Fail("The urgency-0 response never completed first; completion orders seen: " + string.Join(" | ", orders));
    }

    [Fact]
    public async Task SetPriority_rejects_urgency_outside_0_to_7_and_is_harmless_after_dispose()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
            Assert.Throws<ArgumentOutOfRangeException>(() => stream.SetPriority(8, false));
            Assert.Throws<ArgumentOutOfRangeException>(() => stream.SetPriority(-1, true));
            stream.SetPriority(7, true);
            await stream.WriteAsync(new byte[100], completeWrites: true);
            await stream.DisposeAsync();
            stream.SetPriority(0, false);

            await using QuicStream accepted = await server.AcceptInboundStreamAsync();
            Assert.Equal(100, (await TestPeers.ReadToEndAsync(accepted)).Length);
        }
    }

    /// <summary>One connection: the urgencies in the order the client's readers saw their responses end.</summary>
    private static async Task<List<byte>> RunOnceAsync(QuicListener listener)
    {
        byte[] urgencies = [6, 3, 0];
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            Task serverSide = Task.Run(async () =>
            {
                // Each request names the urgency of its response.
                var byUrgency = new QuicStream?[8];
                for (int i = 0; i < urgencies.Length; i++)
                {
                    QuicStream accepted = await server.AcceptInboundStreamAsync();
                    byte[] request = await TestPeers.ReadToEndAsync(accepted);
                    byUrgency[Assert.Single(request)] = accepted;
                }

                // As an HTTP/3 server would: each request's priority is known before its response starts.
                foreach (byte urgency in urgencies)
                {
                    byUrgency[urgency]!.SetPriority(urgency, incremental: false);
                }

                // The least urgent response starts first and may send a little before the others are queued.
                var writes = new List<Task>();
                foreach (byte urgency in urgencies)
                {
                    writes.Add(byUrgency[urgency]!.WriteAsync(Body(urgency), completeWrites: true).AsTask());
                }

                await Task.WhenAll(writes);
                foreach (byte urgency in urgencies)
                {
                    await byUrgency[urgency]!.WritesClosed;
                    await byUrgency[urgency]!.DisposeAsync();
                }
            });

            var streams = new List<QuicStream>();
            foreach (byte urgency in urgencies)
            {
                QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
                await stream.WriteAsync(new[] { urgency }, completeWrites: true);
                streams.Add(stream);
            }

            var completed = new List<byte>();
            var reads = new Task[streams.Count];
            for (int i = 0; i < streams.Count; i++)
            {
                QuicStream stream = streams[i];
                byte urgency = urgencies[i];
                reads[i] = Task.Run(async () =>
                {
                    // Large reads: few continuations, so the reader keeps up with arrival.
                    byte[] body = new byte[ResponseSize + 1];
                    int total = 0;
                    int n;
                    while ((n = await stream.ReadAsync(body.AsMemory(total))) > 0)
                    {
                        total += n;
                    }

                    lock (completed)
                    {
                        completed.Add(urgency);
                    }

                    Assert.Equal(ResponseSize, total);
                    Assert.True(Body(urgency).AsSpan().SequenceEqual(body.AsSpan(0, total)));
                });
            }

            await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(60));
            await serverSide.WaitAsync(TimeSpan.FromSeconds(60));
            foreach (QuicStream stream in streams)
            {
                await stream.DisposeAsync();
            }

            Assert.Equal(3, completed.Count);
            return completed;
        }
    }

    private static byte[] Body(byte urgency)
    {
        byte[] body = new byte[ResponseSize];
        for (int i = 0; i < body.Length; i += 997)
        {
            body[i] = (byte)(urgency + (i >> 10));
        }

        return body;
    }
}
