using SharpQuic.Core;
using SharpQuic.Runtime;

namespace SharpQuic.Tests.Runtime;

public sealed class TimerWheelTests
{
    private const long Ms = 1000;
    private const long Hour = 3_600_000 * Ms;

    private sealed class RecordingSink : ITimerSink<int>
    {
        public List<(int Id, long Deadline)> Delivered { get; } = [];

        public void OnTimerExpired(TimerEntry<int> entry) => Delivered.Add((entry.Value, entry.Deadline.Microseconds));
    }

    private struct CountingSink : ITimerSink<int>
    {
        public int Count;
        public long LastDeadline;

        public void OnTimerExpired(TimerEntry<int> entry)
        {
            Count++;
            LastDeadline = entry.Deadline.Microseconds;
        }
    }

    [Fact]
    public void Random_operations_match_a_sorted_model()
    {
        var random = new Random(12345);
        const int EntryCount = 300;
        var origin = new Instant(7_777_777);
        var wheel = new TimerWheel<int>(origin);
        var entries = new TimerEntry<int>[EntryCount];
        for (int i = 0; i < EntryCount; i++)
        {
            entries[i] = new TimerEntry<int>(i);
        }

        var model = new Dictionary<int, long>();
        long now = origin.Microseconds;
        var sink = new RecordingSink();
        int delivered = 0;

        for (int op = 0; op < 10_000; op++)
        {
            int choice = random.Next(100);
            int id = random.Next(EntryCount);
            if (choice < 50)
            {
                long deadline = now + RandomDelay(random);
                wheel.Schedule(entries[id], new Instant(deadline));
                model[id] = deadline;
            }
            else if (choice < 65)
            {
                Assert.Equal(model.Remove(id), wheel.Cancel(entries[id]));
            }
            else
            {
                // Advance by anything from nothing to a few minutes, sometimes inside one tick.
                now += random.Next(4) switch
                {
                    0 => random.Next(1000),
                    1 => random.Next(100 * 1000),
                    2 => random.Next(10_000 * 1000),
                    _ => (long)random.Next(300_000) * Ms,
                };
                sink.Delivered.Clear();
                int count = wheel.Expire(new Instant(now), ref sink);
                delivered += count;
                AssertDeliveredMatchesModel(model, sink.Delivered, now, origin.Microseconds);
                Assert.Equal(count, sink.Delivered.Count);
            }

            Assert.Equal(model.Count, wheel.Count);
            AssertNextExpiration(model, wheel);
            foreach (var (key, deadline) in model)
            {
                Assert.True(entries[key].IsScheduled);
                Assert.Equal(deadline, entries[key].Deadline.Microseconds);
            }
        }

        Assert.True(delivered > 1000, $"only {delivered} deliveries: the property test exercised too little");
    }

    [Fact]
    public void Far_future_entries_cascade_down_and_fire_exactly_on_time()
    {
        var wheel = new TimerWheel<int>(Instant.Zero);
        long[] deadlines =
        [
            (3 * Hour) + 123_456,            // level 3
            (20 * 24 * Hour) + 5,            // level 5
            (3L * 365 * 24 * Hour) + 999,    // beyond 2^36 ms: overflow list
            (64 * Ms) + 1,                   // level 1
            (4 * 64 * 64 * Ms) - 1,          // level 2
        ];
        var entries = new TimerEntry<int>[deadlines.Length];
        for (int i = 0; i < deadlines.Length; i++)
        {
            entries[i] = new TimerEntry<int>(i);
            wheel.Schedule(entries[i], new Instant(deadlines[i]));
        }

        var sink = new RecordingSink();
        long[] sorted = (long[])deadlines.Clone();
        Array.Sort(sorted);
        foreach (long deadline in sorted)
        {
            Assert.Equal(deadline, wheel.NextExpiration!.Value.Microseconds);

            // Big leap to just before the deadline: nothing fires, whatever cascades on the way.
            Assert.Equal(0, wheel.Expire(new Instant(deadline - 1), ref sink));
            Assert.Equal(deadline, wheel.NextExpiration!.Value.Microseconds);
            Assert.Equal(1, wheel.Expire(new Instant(deadline), ref sink));
            Assert.Equal(deadline, sink.Delivered[^1].Deadline);
        }

        Assert.Equal(deadlines.Length, sink.Delivered.Count);
        Assert.Null(wheel.NextExpiration);
        Assert.Equal(0, wheel.Count);
    }

    [Fact]
    public void One_big_expire_delivers_in_tick_order_across_levels()
    {
        var random = new Random(99);
        var wheel = new TimerWheel<int>(Instant.Zero);
        var deadlines = new long[2000];
        for (int i = 0; i < deadlines.Length; i++)
        {
            deadlines[i] = RandomDelay(random) + (10 * Ms);
            wheel.Schedule(new TimerEntry<int>(i), new Instant(deadlines[i]));
        }

        var sink = new RecordingSink();
        long horizon = 2 * Hour;
        wheel.Expire(new Instant(horizon), ref sink);
        int expected = 0;
        foreach (long d in deadlines)
        {
            expected += d <= horizon ? 1 : 0;
        }

        Assert.Equal(expected, sink.Delivered.Count);
        for (int i = 1; i < sink.Delivered.Count; i++)
        {
            Assert.True(sink.Delivered[i - 1].Deadline / Ms <= sink.Delivered[i].Deadline / Ms, "out of tick order");
        }
    }

    [Fact]
    public void Entries_inside_the_current_tick_fire_only_when_due()
    {
        var wheel = new TimerWheel<int>(Instant.Zero);
        var early = new TimerEntry<int>(1);
        var late = new TimerEntry<int>(2);
        wheel.Schedule(early, new Instant(5_100));
        wheel.Schedule(late, new Instant(5_900));
        var sink = new RecordingSink();

        Assert.Equal(0, wheel.Expire(new Instant(5_099), ref sink));
        Assert.Equal(1, wheel.Expire(new Instant(5_500), ref sink));
        Assert.Equal(1, sink.Delivered[0].Id);
        Assert.Equal(5_900, wheel.NextExpiration!.Value.Microseconds);
        Assert.Equal(1, wheel.Expire(new Instant(5_900), ref sink));
        Assert.Equal(2, sink.Delivered[1].Id);
    }

    [Fact]
    public void Past_deadlines_fire_on_the_next_expire_and_infinite_cancels()
    {
        var wheel = new TimerWheel<int>(Instant.FromMilliseconds(1000));
        var sink = new RecordingSink();
        wheel.Expire(Instant.FromMilliseconds(2000), ref sink);
        var entry = new TimerEntry<int>(1);
        wheel.Schedule(entry, Instant.FromMilliseconds(500));
        Assert.Equal(500_000, wheel.NextExpiration!.Value.Microseconds);
        Assert.Equal(1, wheel.Expire(Instant.FromMilliseconds(2000), ref sink));

        wheel.Schedule(entry, Instant.FromMilliseconds(3000));
        wheel.Schedule(entry, Instant.Infinite);
        Assert.False(entry.IsScheduled);
        Assert.Equal(0, wheel.Count);
        Assert.Null(wheel.NextExpiration);
    }

    [Fact]
    public void Sink_may_reschedule_and_cancel_during_expire()
    {
        var wheel = new TimerWheel<int>(Instant.Zero);
        var a = new TimerEntry<int>(0);
        var b = new TimerEntry<int>(1);
        var c = new TimerEntry<int>(2);
        wheel.Schedule(a, new Instant(1 * Ms));
        wheel.Schedule(b, new Instant(2 * Ms));
        wheel.Schedule(c, new Instant(3 * Ms));
        var sink = new ReschedulingSink(wheel, b, c);

        // a fires first and cancels b (already collected as due) and pushes c out.
        Assert.Equal(1, wheel.Expire(new Instant(10 * Ms), ref sink));
        Assert.False(b.IsScheduled);
        Assert.True(c.IsScheduled);
        Assert.Equal(50 * Ms, wheel.NextExpiration!.Value.Microseconds);
        Assert.Equal(1, wheel.Count);
    }

    private sealed class ReschedulingSink(TimerWheel<int> wheel, TimerEntry<int> toCancel, TimerEntry<int> toMove) : ITimerSink<int>
    {
        public void OnTimerExpired(TimerEntry<int> entry)
        {
            wheel.Cancel(toCancel);
            wheel.Schedule(toMove, new Instant(50 * Ms));
        }
    }

    [Fact]
    public void Entry_cannot_be_used_by_two_wheels_at_once()
    {
        var first = new TimerWheel<int>(Instant.Zero);
        var second = new TimerWheel<int>(Instant.Zero);
        var entry = new TimerEntry<int>(0);
        first.Schedule(entry, new Instant(5 * Ms));
        Assert.Throws<InvalidOperationException>(() => second.Schedule(entry, new Instant(6 * Ms)));
        Assert.True(first.Cancel(entry));
        second.Schedule(entry, new Instant(6 * Ms));
        Assert.Equal(1, second.Count);
    }

    [Fact]
    public void Schedule_reschedule_cancel_and_expire_allocate_nothing_after_warm_up()
    {
        var wheel = new TimerWheel<int>(Instant.Zero);
        var entries = new TimerEntry<int>[512];
        for (int i = 0; i < entries.Length; i++)
        {
            entries[i] = new TimerEntry<int>(i);
        }

        long now = 0;
        var sink = new CountingSink();
        var warmUpRandom = new Random(1);
        var measuredRandom = new Random(2);
        Run(ref now, ref sink, warmUpRandom);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(ref now, ref sink, measuredRandom);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(sink.Count > 1000);

        void Run(ref long time, ref CountingSink s, Random random)
        {
            for (int round = 0; round < 2000; round++)
            {
                for (int k = 0; k < 8; k++)
                {
                    var entry = entries[random.Next(entries.Length)];
                    wheel.Schedule(entry, new Instant(time + RandomDelay(random)));
                }

                wheel.Cancel(entries[random.Next(entries.Length)]);
                time += random.Next(50_000);
                wheel.Expire(new Instant(time), ref s);
                _ = wheel.NextExpiration;
            }
        }
    }

    private static long RandomDelay(Random random) => random.Next(10) switch
    {
        0 => -random.Next(5_000),                    // already in the past
        1 or 2 => random.Next(2_000),                // within a couple of ticks
        3 or 4 => random.Next(64 * 1000),            // level 0
        5 => random.Next(5_000 * 1000),              // level 1
        6 => (long)random.Next(300_000) * Ms,        // level 2
        7 => (long)random.Next(3 * 3_600_000) * Ms,  // level 3
        8 => (long)random.Next(1 << 30) * Ms,        // levels 4 and 5
        _ => random.NextInt64(1L << 36, 1L << 40) * Ms, // overflow
    };

    private static void AssertDeliveredMatchesModel(Dictionary<int, long> model, List<(int Id, long Deadline)> delivered, long now, long origin)
    {
        var due = new List<(int Id, long Deadline)>();
        foreach (var (id, deadline) in model)
        {
            if (deadline <= now)
            {
                due.Add((id, deadline));
            }
        }

        Assert.Equal(due.Count, delivered.Count);
        var seen = new HashSet<int>();
        for (int i = 0; i < delivered.Count; i++)
        {
            var (id, deadline) = delivered[i];
            Assert.True(seen.Add(id), "entry delivered twice");
            Assert.True(model.TryGetValue(id, out long expected), "delivered an entry that was not scheduled");
            Assert.Equal(expected, deadline);
            Assert.True(deadline <= now, "delivered early");
            if (i > 0)
            {
                // Deadline order within 1 ms: ticks never go backwards (past deadlines share the first tick).
                long previousTick = Math.Max(0, delivered[i - 1].Deadline - origin) / Ms;
                long tick = Math.Max(0, deadline - origin) / Ms;
                Assert.True(previousTick <= tick || deadline <= delivered[i - 1].Deadline, "out of tick order");
            }

            model.Remove(id);
        }
    }

    private static void AssertNextExpiration(Dictionary<int, long> model, TimerWheel<int> wheel)
    {
        if (model.Count == 0)
        {
            Assert.Null(wheel.NextExpiration);
            return;
        }

        long earliest = long.MaxValue;
        foreach (long deadline in model.Values)
        {
            earliest = Math.Min(earliest, deadline);
        }

        Assert.Equal(earliest, wheel.NextExpiration!.Value.Microseconds);
    }
}
