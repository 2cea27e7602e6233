using SharpQuic.Runtime;

namespace SharpQuic.Tests.Runtime;

public sealed class WorkerCommandQueueTests
{
    private readonly record struct Command(int Producer, int Sequence);

    private sealed class CountingWakeable : IWakeable
    {
        private int _wakes;

        public int Wakes => Volatile.Read(ref _wakes);

        public void Wake() => Interlocked.Increment(ref _wakes);
    }

    [Fact]
    public void Many_producers_lose_nothing_and_keep_their_own_order()
    {
        const int Producers = 4;
        const int PerProducer = 25_000;
        using var signal = new WorkerWakeSignal();

        // A small bound so producers also meet a full queue and retry.
        var queue = new WorkerCommandQueue<Command>(signal, initialCapacity: 8, maxCapacity: 512);
        int[] next = new int[Producers];
        int received = 0;
        Exception? failure = null;

        var consumer = new Thread(() =>
        {
            try
            {
                while (received < Producers * PerProducer)
                {
                    // No timeout: a lost wake-up would hang here and fail the Join below.
                    signal.Wait(Timeout.InfiniteTimeSpan);
                    foreach (ref readonly Command command in queue.DrainBatch())
                    {
                        if (command.Sequence != next[command.Producer])
                        {
                            throw new InvalidOperationException($"producer {command.Producer}: got {command.Sequence}, expected {next[command.Producer]}");
                        }

                        next[command.Producer]++;
                        received++;
                    }
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        { IsBackground = true };
        consumer.Start();

        var producers = new Thread[Producers];
        int full = 0;
        for (int p = 0; p < Producers; p++)
        {
            int producer = p;
            producers[p] = new Thread(() =>
            {
                for (int i = 0; i < PerProducer; i++)
                {
                    while (!queue.TryEnqueue(new Command(producer, i)))
                    {
                        Interlocked.Increment(ref full);
                        Thread.Yield();
                    }
                }
            });
            producers[p].Start();
        }

        foreach (var producer in producers)
        {
            Assert.True(producer.Join(TimeSpan.FromSeconds(60)));
        }

        Assert.True(consumer.Join(TimeSpan.FromSeconds(60)), $"consumer stuck after {received} commands (lost wake-up?)");
        Assert.Null(failure);
        Assert.Equal(Producers * PerProducer, received);
        foreach (int count in next)
        {
            Assert.Equal(PerProducer, count);
        }

        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Wakes_once_per_batch_when_the_queue_turns_non_empty()
    {
        var wakeable = new CountingWakeable();
        var queue = new WorkerCommandQueue<Command>(wakeable);
        Assert.True(queue.TryEnqueue(new Command(0, 0)));
        Assert.Equal(1, wakeable.Wakes);
        Assert.True(queue.TryEnqueue(new Command(0, 1)));
        Assert.True(queue.TryEnqueue(new Command(0, 2)));
        Assert.Equal(1, wakeable.Wakes);

        var batch = queue.DrainBatch();
        Assert.Equal(3, batch.Length);
        Assert.Equal(2, batch[2].Sequence);
        Assert.True(queue.DrainBatch().IsEmpty);

        Assert.True(queue.TryEnqueue(new Command(0, 3)));
        Assert.Equal(2, wakeable.Wakes);
    }

    [Fact]
    public void Wake_signal_is_sticky_until_observed()
    {
        using var signal = new WorkerWakeSignal();
        Assert.False(signal.Wait(TimeSpan.FromMilliseconds(10)));
        signal.Wake();
        signal.Wake();
        Assert.True(signal.Wait(TimeSpan.Zero));
        Assert.False(signal.Wait(TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void Bounded_backlog_refuses_then_accepts_after_a_drain()
    {
        var queue = new WorkerCommandQueue<Command>(new CountingWakeable(), initialCapacity: 2, maxCapacity: 4);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(queue.TryEnqueue(new Command(0, i)));
        }

        Assert.False(queue.TryEnqueue(new Command(0, 4)));
        Assert.Equal(4, queue.DrainBatch().Length);
        Assert.True(queue.TryEnqueue(new Command(0, 4)));
        Assert.Equal(4, queue.DrainBatch()[0].Sequence);
    }

    [Fact]
    public void Complete_refuses_new_commands_but_keeps_queued_ones()
    {
        var wakeable = new CountingWakeable();
        var queue = new WorkerCommandQueue<Command>(wakeable);
        Assert.True(queue.TryEnqueue(new Command(1, 1)));
        queue.Complete();
        Assert.True(queue.IsCompleted);
        Assert.True(wakeable.Wakes >= 2);
        Assert.False(queue.TryEnqueue(new Command(1, 2)));
        var batch = queue.DrainBatch();
        Assert.Equal(1, batch.Length);
        Assert.Equal(new Command(1, 1), batch[0]);
    }

    [Fact]
    public void Drained_references_are_released_at_the_next_drain()
    {
        var queue = new WorkerCommandQueue<(object? Payload, int Id)>(new CountingWakeable());
        WeakReference weak = EnqueueGarbage(queue);
        Assert.Equal(1, queue.DrainBatch().Length);
        Assert.True(queue.DrainBatch().IsEmpty);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(weak.IsAlive);

        static WeakReference EnqueueGarbage(WorkerCommandQueue<(object? Payload, int Id)> queue)
        {
            object payload = new byte[100];
            queue.TryEnqueue((payload, 1));
            return new WeakReference(payload);
        }
    }

    [Fact]
    public void Enqueue_and_drain_allocate_nothing_in_steady_state()
    {
        var queue = new WorkerCommandQueue<Command>(new CountingWakeable(), initialCapacity: 4);
        long sum = 0;
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);

        void Run()
        {
            for (int round = 0; round < 1000; round++)
            {
                for (int i = 0; i < 100; i++)
                {
                    queue.TryEnqueue(new Command(0, i));
                }

                foreach (ref readonly Command command in queue.DrainBatch())
                {
                    sum += command.Sequence;
                }
            }
        }
    }
}
