using System.Diagnostics;
using System.Security.Cryptography;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Streams;
using SharpQuic.Simulation;
using Xunit.Abstractions;

namespace SharpQuic.Core.Tests.Connection;

public sealed class TransferTests(ITestOutputHelper output)
{
    /// <summary>
    /// Sends <paramref name="bytes"/> of a repeating pseudo-random pattern from the client to the server on one stream
    /// through a lossy, reordering link; checks the SHA-256 and that flow control limits hold at every datagram.
    /// Returns the real time taken.
    /// </summary>
    internal static TimeSpan Transfer(long bytes, double loss, double reorder, int seed, ITestOutputHelper? output = null, Action<QuicPair, long>? onClientTurn = null)
    {
        using var pair = new QuicPair(seed, new LinkConditions
        {
            Delay = TimeSpan.FromMilliseconds(10),
            Mtu = 1200,
            LossProbability = loss,
            ReorderProbability = reorder,
            ReorderDelay = TimeSpan.FromMilliseconds(5),
        });
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(10)));
        QuicConnection client = pair.Client!;
        QuicConnection server = pair.ServerConnection!;

        var pattern = new byte[1 << 16];
        new Random(seed).NextBytes(pattern);
        using var sentHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var receivedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Assert.True(client.TryOpenStream(true, out StreamId id));
        long sent = 0;
        long received = 0;
        bool finished = false;
        var buffer = new byte[1 << 16];
        long violations = 0;
        pair.Network.Observer = (in SimulatedDatagram _) =>
        {
            // Flow control on every datagram, both ways: the sender within what it was granted, the receiver never
            // given more than it advertised (RFC 9000 §4.1).
            if (client.Streams.ConnectionBytesSent > client.Streams.ConnectionSendLimit
                || server.Streams.ConnectionBytesReceived > server.Streams.ConnectionReceiveLimit
                || server.Streams.ConnectionBytesSent > server.Streams.ConnectionSendLimit
                || client.Streams.ConnectionBytesReceived > client.Streams.ConnectionReceiveLimit)
            {
                violations++;
            }
        };
        pair.ClientApp = now =>
        {
            while (client.PollEvent(out _))
            {
            }

            onClientTurn?.Invoke(pair, sent);

            while (sent < bytes)
            {
                int offset = (int)(sent % pattern.Length);
                int length = (int)Math.Min(pattern.Length - offset, bytes - sent);
                int n = client.Write(id, pattern.AsSpan(offset, length), fin: sent + length == bytes);
                if (n == 0)
                {
                    break;
                }

                sentHash.AppendData(pattern, offset, n);
                sent += n;
            }
        };
        pair.ServerApp = now =>
        {
            while (server.PollEvent(out _))
            {
            }

            while (!finished)
            {
                StreamReadResult r = server.Read(id, buffer, now);
                if (r.BytesRead > 0)
                {
                    receivedHash.AppendData(buffer, 0, r.BytesRead);
                    received += r.BytesRead;
                }

                if (r.Status == StreamReadStatus.Finished)
                {
                    finished = true;
                }
                else if (r.Status != StreamReadStatus.Data)
                {
                    break;
                }
            }
        };

        var clock = Stopwatch.StartNew();
        Instant start = pair.Network.Now;
        pair.ClientApp(pair.Network.Now);
        bool done = pair.Network.RunUntil(() => finished || client.State != ConnectionState.Open, pair.Network.Now + TimeSpan.FromHours(12));
        clock.Stop();
        output?.WriteLine($"{bytes / (1 << 20)} MiB: {clock.Elapsed.TotalSeconds:F2} s real, {(pair.Network.Now - start).TotalSeconds:F2} s virtual, "
            + $"client sent {pair.ClientNode.DatagramsSent} datagrams, lost {client.Loss.Controller.GetType().Name} cwnd {client.Loss.Controller.CongestionWindow}, "
            + $"rtt {client.Loss.Rtt.SmoothedRtt.TotalMilliseconds:F1} ms, key updates {client.KeyUpdates}");
        Assert.True(done && finished, $"transfer finished (client {client.State} {client.CloseInfo}, server {server.State} {server.CloseInfo}, received {received})");
        Assert.Equal(bytes, received);
        Assert.Equal(sentHash.GetHashAndReset(), receivedHash.GetHashAndReset());
        Assert.Equal(0, violations);
        return clock.Elapsed;
    }

    [Fact]
    public void Transfer_16MiB_FivePercentLossAndReordering_HashMatches()
    {
        Transfer(16L << 20, 0.05, 0.05, 81, output);
    }

    [Fact]
    public void Transfer_WithKeyUpdatesFromClient_HashMatchesAndBothSidesUpdate()
    {
        // RFC 9001 §6: the client updates every 2 MiB written; the server follows each update.
        long nextUpdate = 2L << 20;
        int initiated = 0;
        QuicConnection? server = null;
        Transfer(8L << 20, 0.01, 0.0, 83, output, (pair, sent) =>
        {
            server = pair.ServerConnection;
            if (sent >= nextUpdate && pair.Client!.InitiateKeyUpdate())
            {
                initiated++;
                nextUpdate += 2L << 20;
            }
        });
        Assert.True(initiated >= 2);
        Assert.True(server!.KeyUpdates >= 2, $"server followed {server.KeyUpdates} of {initiated} updates");
    }

    [Fact]
    [Trait("Category", "Long")]
    public void Transfer_1GiB_FivePercentLossAndReordering_Under60Seconds()
    {
        TimeSpan elapsed = Transfer(1L << 30, 0.05, 0.05, 82, output);
        Assert.True(elapsed < TimeSpan.FromSeconds(60), $"1 GiB took {elapsed.TotalSeconds:F1} s");
    }
}
