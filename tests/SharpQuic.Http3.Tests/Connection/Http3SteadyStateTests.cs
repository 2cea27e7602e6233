namespace SharpQuic.Http3.Tests.Connection;

/// <summary>Runs alone: allocation counts are process-wide, and other test classes run in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoloCollection
{
    public const string Name = "HTTP/3 measurements, alone";
}

/// <summary>The HTTP/3 data path allocates nothing per packet once a large response is flowing.</summary>
[Collection(SoloCollection.Name)]
public sealed class Http3SteadyStateTests
{
    [Fact]
    public async Task A_large_response_allocates_nothing_per_packet_in_the_steady_state()
    {
        const long Total = 400L << 20;
        byte[] chunk = new byte[64 * 1024];
        await using Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            for (long sent = 0; sent < Total; sent += chunk.Length)
            {
                await ctx.Response.WriteBodyAsync(chunk);
            }
        });
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);
        await using Http3RequestStream stream = await client.OpenRequestAsync(default);
        await stream.WriteHeadersAsync(H3Loopback.RequestPseudo("GET", "/big", server.LocalEndPoint.Port), new Http3Headers(), true, default);
        await stream.ReadHeadersAsync(default);

        // Windows in the second half of the download; the count is process-wide (other tests' connections may
        // allocate during one window), so the best window is judged: a per-packet allocation shows in all of them.
        long[] marks = [Total * 50 / 100, Total * 65 / 100, Total * 80 / 100, Total * 95 / 100];
        var allocations = new long[marks.Length];
        var received = new long[marks.Length];
        byte[] buffer = new byte[64 * 1024];
        int next = 0;
        long got = 0;
        int n;
        while ((n = await stream.ReadDataAsync(buffer, default)) > 0)
        {
            got += n;
            if (next < marks.Length && got >= marks[next])
            {
                received[next] = (await client.Quic.GetStatisticsAsync()).BytesReceived;
                allocations[next] = GC.GetTotalAllocatedBytes(precise: true);
                next++;
            }
        }

        Assert.Equal(Total, got);
        int datagram = (await client.Quic.GetStatisticsAsync()).PathMaxDatagramSize;
        double best = double.MaxValue;
        var report = new System.Text.StringBuilder();
        for (int w = 1; w < marks.Length; w++)
        {
            long packets = (received[w] - received[w - 1]) / datagram;
            long allocated = allocations[w] - allocations[w - 1];
            Assert.True(packets > 30_000, $"only {packets} packets in window {w}");
            best = Math.Min(best, (double)allocated / packets);
            report.Append($"{allocated} B for {packets} packets; ");
        }

        Console.WriteLine($"HTTP/3 steady state: {report}");

        // What remains is per 64 KB write (a DATA frame header), per read or per wake-up: far below one object per
        // packet (24 bytes at least). Both ends run in this process, so this covers server and client.
        Assert.True(best < 8, $"allocations per window: {report}");
    }
}
