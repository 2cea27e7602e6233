using SharpQuic.Core.Connection;

namespace SharpQuic.Core.Tests.Datagrams;

public sealed class DatagramQueueTests
{
    [Fact]
    public void Datagrams_come_out_in_order_with_their_ids()
    {
        using var queue = new DatagramQueue(4);
        Assert.True(queue.TryEnqueue([1, 2, 3], 10));
        Assert.True(queue.TryEnqueue([], 11));
        Assert.True(queue.TryEnqueue([4], 12));
        Assert.Equal(3, queue.Count);
        Assert.Equal(4, queue.Bytes);

        Assert.True(queue.TryPeek(out ReadOnlySpan<byte> data, out ulong id));
        Assert.Equal([1, 2, 3], data.ToArray());
        Assert.Equal(10UL, id);
        queue.Dequeue();
        Assert.True(queue.TryPeek(out data, out id));
        Assert.True(data.IsEmpty);
        Assert.Equal(11UL, id);
        queue.Dequeue();
        Assert.True(queue.TryPeek(out data, out id));
        Assert.Equal([4], data.ToArray());
        queue.Dequeue();
        Assert.False(queue.TryPeek(out _, out _));
        Assert.Equal(0, queue.Bytes);
    }

    [Fact]
    public void A_full_queue_refuses_or_drops_the_oldest()
    {
        using var queue = new DatagramQueue(3);
        for (byte i = 0; i < 3; i++)
        {
            Assert.True(queue.TryEnqueue([i], i));
        }

        Assert.True(queue.IsFull);
        Assert.False(queue.TryEnqueue([9], 9));
        Assert.Equal(3, queue.Count);

        // Drop-oldest wraps around the ring: 0 and 1 go, 2, 3, 4 stay in order.
        Assert.True(queue.EnqueueDropOldest([3], 3));
        Assert.True(queue.EnqueueDropOldest([4], 4));
        var seen = new List<byte>();
        while (queue.TryPeek(out ReadOnlySpan<byte> data, out ulong id))
        {
            Assert.Equal(data[0], (byte)id);
            seen.Add(data[0]);
            queue.Dequeue();
        }

        Assert.Equal([2, 3, 4], seen);
    }

    [Fact]
    public void Steady_use_allocates_nothing()
    {
        using var queue = new DatagramQueue(8);
        byte[] payload = new byte[1000];
        for (int i = 0; i < 100; i++)
        {
            queue.EnqueueDropOldest(payload, (ulong)i);
        }

        queue.Clear();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            queue.EnqueueDropOldest(payload, (ulong)i);
            if ((i & 1) == 0)
            {
                queue.Dequeue();
            }
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal(8, queue.Count);
    }
}
