using System.Buffers.Binary;
using System.Diagnostics;
using Xunit.Abstractions;

namespace SharpQuic.Http3.Tests.WebTransport;

/// <summary>
/// Datagram round trips through the WebTransport echo (issue 8's measurement), on demand:
/// <c>dotnet test tests/SharpQuic.Http3.Tests -c Release --filter Category=Measure --logger "console;verbosity=detailed"</c>.
/// One at a time gives the round-trip time; a window of 32 outstanding gives the echo rate.
/// </summary>
public sealed class WebTransportDatagramMeasurement(ITestOutputHelper output)
{
    [Fact]
    [Trait("Category", "Measure")]
    public async Task Datagram_round_trip_time_and_echo_rate()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync();
        await using WebTransportSession session = await WtLoopback.ConnectAsync(server);
        byte[] send = new byte[100];
        byte[] receive = new byte[2048];

        // Sequential round trips: send one, wait for its echo.
        var rtts = new List<double>();
        for (int i = 0; i < 5000; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(send, i);
            long start = Stopwatch.GetTimestamp();
            await session.SendDatagramAsync(send);
            while (true)
            {
                int n = await session.ReceiveDatagramAsync(receive).AsTask().WaitAsync(TimeSpan.FromSeconds(2));
                if (n >= 4 && BinaryPrimitives.ReadInt32BigEndian(receive) == i)
                {
                    break;
                }
            }

            rtts.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        rtts.Sort();
        double p50 = rtts[rtts.Count / 2], p99 = rtts[(int)(rtts.Count * 0.99)];

        // Throughput: 32 in flight; a datagram may be lost (unreliable), so the window refills on a timer too.
        const int Total = 100_000;
        int sent = 0, echoed = 0;
        var clock = Stopwatch.StartNew();
        using var done = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        Task receiver = Task.Run(async () =>
        {
            byte[] buffer = new byte[2048];
            while (Volatile.Read(ref echoed) < Total * 95 / 100 && !done.IsCancellationRequested)
            {
                await session.ReceiveDatagramAsync(buffer, done.Token);
                Interlocked.Increment(ref echoed);
            }
        });
        while (sent < Total && !receiver.IsCompleted)
        {
            if (sent - Volatile.Read(ref echoed) < 32)
            {
                await session.SendDatagramAsync(send);
                sent++;
            }
            else
            {
                await Task.Yield();
            }
        }

        await receiver.WaitAsync(TimeSpan.FromSeconds(30));
        double rate = echoed / clock.Elapsed.TotalSeconds;
        output.WriteLine($"WebTransport datagram RTT (100 B, one at a time, 5,000): p50 {p50:F0} us, p99 {p99:F0} us; echoed {echoed} of {sent} with 32 outstanding: {rate:F0} datagrams/s");
        Assert.True(echoed >= Total * 95 / 100, $"only {echoed} of {sent} datagrams came back");
    }
}
