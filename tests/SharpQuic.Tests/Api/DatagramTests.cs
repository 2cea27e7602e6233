namespace SharpQuic.Tests.Api;

/// <summary>RFC 9221 datagrams through the public API on loopback.</summary>
[Collection(LoopbackCollection.Name)]
public sealed class DatagramTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Datagrams_echo_between_client_and_server()
    {
        await using QuicListener listener = await TestPeers.ListenAsync(o => o.MaxDatagramReceiveSize = 1500);
        var (client, server) = await TestPeers.PairAsync(listener, o => o.MaxDatagramReceiveSize = 1500);
        await using (client)
        await using (server)
        {
            Assert.True(client.MaxDatagramSize > 1000, $"client MaxDatagramSize {client.MaxDatagramSize}");
            Assert.True(server.MaxDatagramSize > 1000, $"server MaxDatagramSize {server.MaxDatagramSize}");
            const int count = 50;
            Task echo = EchoAsync(server, count);
            var buffer = new byte[1500];
            var seen = new HashSet<int>();
            for (int i = 0; i < count; i++)
            {
                await client.SendDatagramAsync(Payload(i, 10 + (i * 20)));
                int length = await client.ReceiveDatagramAsync(buffer).AsTask().WaitAsync(Timeout);
                int index = BitConverter.ToInt32(buffer, 0);
                Assert.Equal(Payload(index, 10 + (index * 20)), buffer.AsSpan(0, length).ToArray());
                Assert.True(seen.Add(index));
            }

            await echo.WaitAsync(Timeout);
            Assert.Equal(count, seen.Count);
            Assert.Equal(0, client.DatagramsDropped);
        }
    }

    [Fact]
    public async Task Delivery_notifications_report_acknowledged_datagrams_and_need_the_option()
    {
        await using QuicListener listener = await TestPeers.ListenAsync(o => o.MaxDatagramReceiveSize = 1500);
        var (client, server) = await TestPeers.PairAsync(listener, o => o.DatagramDeliveryNotifications = true);
        await using (client)
        await using (server)
        {
            var sends = new Task<bool>[20];
            for (int i = 0; i < sends.Length; i++)
            {
                sends[i] = client.SendDatagramWithDeliveryAsync(Payload(i, 200)).AsTask();
            }

            bool[] fates = await Task.WhenAll(sends).WaitAsync(Timeout);
            Assert.All(fates, Assert.True); // loopback loses nothing: every datagram's packet was acknowledged

            // The server receives them all, and without the option it cannot ask for fates.
            var buffer = new byte[1500];
            for (int i = 0; i < sends.Length; i++)
            {
                Assert.Equal(200, await server.ReceiveDatagramAsync(buffer).AsTask().WaitAsync(Timeout));
            }

            await Assert.ThrowsAsync<InvalidOperationException>(async () => await server.SendDatagramWithDeliveryAsync(new byte[10]));
        }
    }

    [Fact]
    public async Task A_datagram_larger_than_MaxDatagramSize_fails_at_once()
    {
        await using QuicListener listener = await TestPeers.ListenAsync(o => o.MaxDatagramReceiveSize = 65527);
        var (client, server) = await TestPeers.PairAsync(listener, o => o.MaxDatagramReceiveSize = 100);
        await using (client)
        await using (server)
        {
            // The server accepts only 100 bytes from the client; the client accepts what fits in a packet.
            Assert.Equal(100, server.MaxDatagramSize);
            QuicException e = await Assert.ThrowsAsync<QuicException>(async () => await server.SendDatagramAsync(new byte[101]));
            Assert.Contains("100", e.Message, StringComparison.Ordinal);
            int max = client.MaxDatagramSize;
            await Assert.ThrowsAsync<QuicException>(async () => await client.SendDatagramAsync(new byte[max + 1]));

            // The largest allowed sizes go through, both ways.
            await client.SendDatagramAsync(Payload(1, max));
            var buffer = new byte[65527];
            int length = await server.ReceiveDatagramAsync(buffer).AsTask().WaitAsync(Timeout);
            Assert.Equal(Payload(1, max), buffer.AsSpan(0, length).ToArray());
            await server.SendDatagramAsync(Payload(2, 100));
            length = await client.ReceiveDatagramAsync(buffer).AsTask().WaitAsync(Timeout);
            Assert.Equal(100, length);
        }
    }

    [Fact]
    public async Task Sending_to_a_peer_without_datagrams_fails_at_once()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener, o => o.MaxDatagramReceiveSize = 1200);
        await using (client)
        await using (server)
        {
            Assert.Equal(0, client.MaxDatagramSize);
            QuicException e = await Assert.ThrowsAsync<QuicException>(async () => await client.SendDatagramAsync(new byte[10]));
            Assert.Contains("max_datagram_frame_size", e.Message, StringComparison.Ordinal);

            // The server did not enable receiving: waiting would be forever, so it is refused.
            Assert.Throws<InvalidOperationException>(() => server.ReceiveDatagramAsync(new byte[10]));

            // One-way: the server may still send to the client.
            Assert.True(server.MaxDatagramSize > 0);
            await server.SendDatagramAsync(Payload(3, 10));
            var buffer = new byte[1200];
            int length = await client.ReceiveDatagramAsync(buffer).AsTask().WaitAsync(Timeout);
            Assert.Equal(Payload(3, 10), buffer.AsSpan(0, length).ToArray());
        }
    }

    [Fact]
    public async Task A_full_receive_queue_drops_the_oldest_and_counts_them()
    {
        await using QuicListener listener = await TestPeers.ListenAsync(o =>
        {
            o.MaxDatagramReceiveSize = 1200;
            o.DatagramReceiveQueueLength = 4;
        });
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            for (int i = 0; i < 20; i++)
            {
                await client.SendDatagramAsync(Payload(i, 50));
            }

            using var cts = new CancellationTokenSource(Timeout);
            while (server.DatagramsDropped < 16)
            {
                await Task.Delay(10, cts.Token);
            }

            Assert.Equal(16, server.DatagramsDropped);
            var buffer = new byte[1200];
            for (int i = 16; i < 20; i++)
            {
                int length = await server.ReceiveDatagramAsync(buffer).AsTask().WaitAsync(Timeout);
                Assert.Equal(Payload(i, 50), buffer.AsSpan(0, length).ToArray());
            }
        }
    }

    [Fact]
    public async Task A_too_small_buffer_fails_and_keeps_the_datagram()
    {
        await using QuicListener listener = await TestPeers.ListenAsync(o => o.MaxDatagramReceiveSize = 1200);
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            await client.SendDatagramAsync(Payload(5, 64));
            await Assert.ThrowsAsync<ArgumentException>(async () => await server.ReceiveDatagramAsync(new byte[63]).AsTask().WaitAsync(Timeout));
            var buffer = new byte[64];
            Assert.Equal(64, await server.ReceiveDatagramAsync(buffer).AsTask().WaitAsync(Timeout));
            Assert.Equal(Payload(5, 64), buffer);
        }
    }

    [Fact]
    public async Task A_pending_receive_ends_when_the_connection_closes_and_a_cancelled_one_frees_the_slot()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener, o => o.MaxDatagramReceiveSize = 1200);
        await using (server)
        {
            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ReceiveDatagramAsync(new byte[100], cts.Token));
            }

            ValueTask<int> pending = client.ReceiveDatagramAsync(new byte[100]);
            await server.CloseAsync(7);
            QuicException e = await Assert.ThrowsAsync<QuicException>(async () => await pending.AsTask().WaitAsync(Timeout));
            Assert.Equal(QuicError.ConnectionAborted, e.QuicError);
            await client.DisposeAsync();
        }
    }

    private static async Task EchoAsync(QuicConnection connection, int count)
    {
        var buffer = new byte[1500];
        for (int i = 0; i < count; i++)
        {
            int length = await connection.ReceiveDatagramAsync(buffer);
            await connection.SendDatagramAsync(buffer.AsMemory(0, length));
        }
    }

    private static byte[] Payload(int seed, int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)((seed * 7) + i);
        }

        BitConverter.TryWriteBytes(bytes, seed);
        return bytes;
    }
}
