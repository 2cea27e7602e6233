using SharpQuic.Core.Connection;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Tests.Connection;

namespace SharpQuic.Core.Tests.Qlog;

/// <summary>With Tracing = null the hooks are a null check: a steady-state transfer allocates nothing.</summary>
public sealed class QlogAllocationTests
{
    [Fact]
    public void SteadyStateSendAndReceive_WithTracingOff_AllocatesNothing()
    {
        using var pair = new QuicPair(21, connectionOptions: new ConnectionOptions { Tracing = null });
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        QuicConnection client = pair.Client!;
        QuicConnection server = pair.ServerConnection!;
        Assert.True(client.TryOpenStream(true, out StreamId id));
        var data = new byte[4096];
        var read = new byte[16 * 1024];
        var datagram = new byte[1500];
        Instant now = pair.Network.Now;
        long moved = 0;

        // Drives the two connections directly (no simulator in between, it has its own costs).
        void Pump(int rounds)
        {
            for (int i = 0; i < rounds; i++)
            {
                now += TimeSpan.FromMilliseconds(1);
                client.Write(id, data);
                int n;
                while ((n = client.PollTransmit(now, datagram)) > 0)
                {
                    server.HandleDatagram(now, QuicPair.ClientAddress, datagram.AsSpan(0, n), EcnCodepoint.NotEct);
                }

                StreamReadResult r;
                while ((r = server.Read(id, read, now)).BytesRead > 0)
                {
                    moved += r.BytesRead;
                }

                while ((n = server.PollTransmit(now, datagram)) > 0)
                {
                    client.HandleDatagram(now, QuicPair.ServerAddress, datagram.AsSpan(0, n), EcnCodepoint.NotEct);
                }

                while (client.PollEvent(out _) || server.PollEvent(out _))
                {
                }
            }
        }

        Pump(2_000);
        long warm = moved;
        long before = GC.GetAllocatedBytesForCurrentThread();
        Pump(2_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(moved - warm > 1_000_000, $"only {moved - warm} bytes moved");
        Assert.Equal(0, allocated);
    }
}
