using System.Runtime.CompilerServices;
using SharpQuic.Runtime;

namespace SharpQuic.Tests.Runtime;

public sealed class ObjectPoolTests
{
    private sealed class Item;

    [Fact]
    public void Returned_objects_are_reused_and_retention_is_bounded()
    {
        int created = 0;
        var pool = new ObjectPool<Item>(() => { created++; return new Item(); }, maxRetained: 2);
        Item a = pool.Rent();
        Item b = pool.Rent();
        Item c = pool.Rent();
        Assert.Equal(3, created);
        Assert.True(pool.Return(a));
        Assert.True(pool.Return(b));
        Assert.False(pool.Return(c));
        Assert.Equal(2, pool.Count);

        var again = new HashSet<Item> { pool.Rent(), pool.Rent() };
        Assert.Contains(a, again);
        Assert.Contains(b, again);
        Assert.Equal(3, created);
        pool.Rent();
        Assert.Equal(4, created);
    }

    [Fact]
    public void Concurrent_renters_never_hold_the_same_object()
    {
        var pool = new ObjectPool<StrongBox<int>>(() => new StrongBox<int>(), maxRetained: 4);
        int conflicts = 0;
        var threads = new Thread[4];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < 20_000; i++)
                {
                    var box = pool.Rent();
                    if (Interlocked.Increment(ref box.Value) != 1)
                    {
                        Interlocked.Increment(ref conflicts);
                    }

                    Interlocked.Decrement(ref box.Value);
                    pool.Return(box);
                }
            });
            threads[t].Start();
        }

        foreach (var thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(60)));
        }

        Assert.Equal(0, conflicts);
        Assert.InRange(pool.Count, 1, 4);
    }

    [Fact]
    public void Rent_and_return_allocate_nothing_when_warm()
    {
        var pool = new ObjectPool<ResettableValueTaskSource<int>>(static () => new ResettableValueTaskSource<int>(), maxRetained: 8);
        var held = new ResettableValueTaskSource<int>[8];
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        void Run()
        {
            for (int round = 0; round < 1000; round++)
            {
                for (int i = 0; i < held.Length; i++)
                {
                    held[i] = pool.Rent();
                }

                for (int i = 0; i < held.Length; i++)
                {
                    pool.Return(held[i]);
                }
            }
        }
    }
}
