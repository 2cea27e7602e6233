using System.Diagnostics;
using System.Threading.Channels;
using Xunit.Abstractions;

namespace SharpQuic.Http3.Tests.WebTransport;

/// <summary>
/// What session flow control (WT_MAX_DATA, §5.4) costs a bulk transfer, on demand:
/// <c>dotnet test tests/SharpQuic.Http3.Tests -c Release --filter FullyQualifiedName~WebTransportStreamMeasurement --logger "console;verbosity=detailed"</c>.
/// 256 MiB go up one unidirectional stream into a handler that reads and counts them, with flow control off and with
/// session windows from 256 KiB to 32 MiB. A first, untimed transfer warms the process up (JIT tiering made whichever
/// case ran first look several times slower).
/// </summary>
public sealed class WebTransportStreamMeasurement(ITestOutputHelper output)
{
    private const long Total = 256L << 20;

    [Theory]
    [Trait("Category", "Measure")]
    [InlineData(false, 0L)]
    [InlineData(true, 256L << 10)]
    [InlineData(true, 4L << 20)]
    [InlineData(true, 16L << 20)]
    [InlineData(true, 32L << 20)]
    public async Task Upload_throughput(bool flowControl, long window)
    {
        var received = Channel.CreateUnbounded<long>();
        await using Http3Server server = await WtLoopback.StartAsync(
            routes => routes.MapWebTransport("/sink", async (session, ct) =>
            {
                byte[] buffer = new byte[64 * 1024];
                while (true)
                {
                    await using WebTransportStream stream = await session.AcceptStreamAsync(ct);
                    long total = 0;
                    int n;
                    while ((n = await stream.ReadAsync(buffer, ct)) > 0)
                    {
                        total += n;
                    }

                    received.Writer.TryWrite(total);
                }
            }),
            o => o.SessionDataWindow = Math.Max(window, 1));
        WebTransportClientOptions options = WtLoopback.ClientOptions();
        options.EnableFlowControl = flowControl;
        options.SessionDataWindow = Math.Max(window, 1);
        await using WebTransportSession session = await WebTransportSession.ConnectAsync(WtLoopback.Uri(server, "/sink"), options);
        Assert.Equal(flowControl, session.IsFlowControlled);

        await UploadAsync(session);
        Assert.Equal(Total, await received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(2)));

        long allocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        await UploadAsync(session);
        Assert.Equal(Total, await received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromMinutes(2)));
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"WebTransport upload, 256 MiB on one stream, flow control {(flowControl ? $"on, {window >> 10} KiB window" : "off")}: "
            + $"{seconds:F2} s, {Total * 8 / seconds / 1e9:F2} Gbit/s; {(GC.GetTotalAllocatedBytes() - allocated) >> 10} KiB allocated (both ends)");
    }

    private static async Task UploadAsync(WebTransportSession session)
    {
        byte[] chunk = new byte[64 * 1024];
        await using WebTransportStream stream = await session.OpenUnidirectionalStreamAsync();
        for (long sent = 0; sent < Total; sent += chunk.Length)
        {
            await stream.WriteAsync(chunk, completeWrites: sent + chunk.Length >= Total);
        }
    }
}
