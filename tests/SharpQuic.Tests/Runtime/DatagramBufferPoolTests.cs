using SharpQuic.Runtime;

namespace SharpQuic.Tests.Runtime;

public sealed class DatagramBufferPoolTests
{
    [Fact]
    public unsafe void Rents_distinct_non_overlapping_buffers_until_exhausted()
    {
        var pool = new DatagramBufferPool(bufferCount: 10, bufferSize: 1500, buffersPerSlab: 4);
        Assert.Equal(10, pool.Capacity);
        Assert.Equal(1500, pool.BufferSize);
        var rented = new DatagramBuffer[10];
        var indexes = new HashSet<int>();
        for (int i = 0; i < rented.Length; i++)
        {
            Assert.True(pool.TryRent(out rented[i]));
            Assert.Equal(1500, rented[i].Length);
            Assert.True(indexes.Add(rented[i].Index));
            rented[i].Span.Fill((byte)(i + 1));
            fixed (byte* p = rented[i].Span)
            {
                Assert.True(p == rented[i].Pointer);
            }
        }

        // Exhausted: no temporary fallback.
        Assert.Equal(0, pool.Available);
        Assert.False(pool.TryRent(out DatagramBuffer none));
        Assert.False(none.IsValid);

        // No buffer's writes reached another one.
        for (int i = 0; i < rented.Length; i++)
        {
            Assert.Equal(-1, rented[i].Span.IndexOfAnyExcept((byte)(i + 1)));
        }

        pool.Return(rented[3]);
        Assert.Equal(1, pool.Available);
        Assert.True(pool.TryRent(out DatagramBuffer again));
        Assert.Equal(rented[3].Index, again.Index);
    }

    [Fact]
    public unsafe void Buffers_stay_put_across_garbage_collections()
    {
        var pool = new DatagramBufferPool(bufferCount: 2);
        Assert.True(pool.TryRent(out DatagramBuffer buffer));
        byte* before = buffer.Pointer;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.True(before == buffer.Pointer);
        Assert.Equal(DatagramBufferPool.DefaultBufferSize, buffer.Length);
    }

    [Fact]
    public void Double_return_stale_handles_and_foreign_buffers_are_detected()
    {
        var pool = new DatagramBufferPool(bufferCount: 2, bufferSize: 64);
        var other = new DatagramBufferPool(bufferCount: 2, bufferSize: 64);
        Assert.True(pool.TryRent(out DatagramBuffer buffer));
        DatagramBuffer copy = buffer;
        pool.Return(buffer);
        Assert.Throws<InvalidOperationException>(() => pool.Return(buffer));
        Assert.Equal(2, pool.Available);

        // The same slot rented again: the old handle must not free the new tenant's buffer.
        Assert.True(pool.TryRent(out DatagramBuffer tenant));
        Assert.Equal(copy.Index, tenant.Index);
        Assert.Throws<InvalidOperationException>(() => pool.Return(copy));
        Assert.Equal(1, pool.Available);
        pool.Return(tenant);

        Assert.True(other.TryRent(out DatagramBuffer foreign));
        Assert.Throws<InvalidOperationException>(() => pool.Return(foreign));
        Assert.Throws<InvalidOperationException>(() => pool.Return(default));
    }

    [Fact]
    public void Rent_and_return_allocate_nothing()
    {
        var pool = new DatagramBufferPool(bufferCount: 8, bufferSize: 256);
        var held = new DatagramBuffer[8];
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(8, pool.Available);

        void Run()
        {
            for (int round = 0; round < 1000; round++)
            {
                int n = (round % 8) + 1;
                for (int i = 0; i < n; i++)
                {
                    pool.TryRent(out held[i]);
                    held[i].Span[0] = (byte)i;
                }

                for (int i = 0; i < n; i++)
                {
                    pool.Return(held[i]);
                }
            }
        }
    }

    [Fact]
    public void Concurrent_renters_never_share_a_buffer()
    {
        var pool = new DatagramBufferPool(bufferCount: 6, bufferSize: 128, buffersPerSlab: 4);
        const int Threads = 4;
        int conflicts = 0;
        var threads = new Thread[Threads];
        for (int t = 0; t < Threads; t++)
        {
            byte mark = (byte)(t + 1);
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < 20_000; i++)
                {
                    if (!pool.TryRent(out DatagramBuffer buffer))
                    {
                        Thread.Yield();
                        continue;
                    }

                    buffer.Span.Fill(mark);
                    Thread.SpinWait(20);
                    if (buffer.Span.IndexOfAnyExcept(mark) >= 0)
                    {
                        Interlocked.Increment(ref conflicts);
                    }

                    pool.Return(buffer);
                }
            });
            threads[t].Start();
        }

        foreach (var thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(60)));
        }

        Assert.Equal(0, conflicts);
        Assert.Equal(6, pool.Available);
    }
}
