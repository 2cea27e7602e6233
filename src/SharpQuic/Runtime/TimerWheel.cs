using System.Diagnostics;
using System.Numerics;
using SharpQuic.Core;

namespace SharpQuic.Runtime;

/// <summary>
/// A hierarchical timer wheel, one per worker thread (not thread-safe), fed by each connection's
/// <c>NextTimeout()</c> (msquic keeps one wheel per worker for the same reason: thousands of
/// connections, one earliest deadline to sleep until).
/// </summary>
/// <remarks>
/// <para><b>Time.</b> Deadlines are <see cref="Instant"/>s (microseconds). The wheel counts in ticks of
/// <see cref="TickMicroseconds"/> (1 ms) since the origin given at construction; an entry's tick is
/// its deadline rounded down. Entries are delivered only once <c>deadline &lt;= now</c>, never early,
/// so rounding affects only the order of delivery inside one tick.</para>
/// <para><b>Levels.</b> <see cref="Levels"/> levels of <see cref="SlotsPerLevel"/> (64) slots each:</para>
/// <list type="table">
/// <item><term>level 0</term><description>slot = 1 ms, span 64 ms</description></item>
/// <item><term>level 1</term><description>slot = 64 ms, span ≈ 4.1 s</description></item>
/// <item><term>level 2</term><description>slot ≈ 4.1 s, span ≈ 4.4 min</description></item>
/// <item><term>level 3</term><description>slot ≈ 4.4 min, span ≈ 4.7 h</description></item>
/// <item><term>level 4</term><description>slot ≈ 4.7 h, span ≈ 12.4 days</description></item>
/// <item><term>level 5</term><description>slot ≈ 12.4 days, span ≈ 795 days</description></item>
/// <item><term>overflow</term><description>one list for anything further; re-sorted every 2^36 ticks</description></item>
/// </list>
/// <para>An entry's level is the highest 6-bit group of its tick that differs from the wheel's current
/// tick; its slot is its tick's bits in that group. Hence every entry at level L is earlier than every
/// entry at level L+1, and slots of one level are in time order from the current tick on. When the
/// current tick reaches the start of a level-L slot (L ≥ 1) the slot is <i>cascaded</i>: its entries are
/// re-inserted and land on lower levels. A far-future entry is therefore touched once per level it
/// descends (at most <see cref="Levels"/> times), never per tick.</para>
/// <para><b>Finding work.</b> Each level keeps a 64-bit occupancy mask, so the next non-empty slot is a
/// trailing-zero count; <see cref="Expire{TSink}"/> jumps from occupied slot to occupied slot, and
/// <see cref="NextExpiration"/> is exact (the earliest deadline, cached between changes).</para>
/// <para><b>Allocation.</b> Entries are intrusive (<see cref="TimerEntry{T}"/>); slot heads and masks are
/// allocated once in the constructor. Schedule, reschedule, cancel and expire allocate nothing.</para>
/// </remarks>
internal sealed class TimerWheel<T>
{
    /// <summary>Length of one tick (the finest resolution): 1 ms.</summary>
    public const long TickMicroseconds = 1000;

    /// <summary>Number of wheel levels below the overflow list.</summary>
    public const int Levels = 6;

    /// <summary>Slots per level (one bit each in a <see cref="ulong"/> occupancy mask).</summary>
    public const int SlotsPerLevel = 64;

    private const int BitsPerLevel = 6;
    private const int SlotMask = SlotsPerLevel - 1;
    private const int OverflowIndex = Levels * SlotsPerLevel;

    private readonly long _originMicroseconds;
    private readonly TimerEntry<T>?[] _heads = new TimerEntry<T>?[OverflowIndex + 1];
    private readonly ulong[] _occupied = new ulong[Levels];

    // Entries found due by Expire, waiting to be handed to the sink (head/tail, linked through Next/Previous).
    private TimerEntry<T>? _expiredHead;
    private TimerEntry<T>? _expiredTail;

    private long _currentTick;
    private bool _expiring;

    // Cached earliest deadline; valid only when _nextValid.
    private long _nextMicroseconds;
    private bool _nextValid;

    /// <summary>Creates an empty wheel whose tick 0 starts at <paramref name="origin"/> (normally "now").</summary>
    public TimerWheel(Instant origin) => _originMicroseconds = origin.Microseconds;

    /// <summary>Number of scheduled entries.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// The earliest deadline of any scheduled entry (exact, not rounded), or null when none is scheduled.
    /// It may lie in the past if an entry was scheduled for a time already gone.
    /// </summary>
    public Instant? NextExpiration
    {
        get
        {
            if (Count == 0)
            {
                return null;
            }

            if (!_nextValid)
            {
                _nextMicroseconds = ComputeEarliestDeadline();
                _nextValid = true;
            }

            return new Instant(_nextMicroseconds);
        }
    }

    /// <summary>
    /// Schedules <paramref name="entry"/> for <paramref name="deadline"/>, moving it if it was already
    /// scheduled. <see cref="Instant.Infinite"/> means "no deadline" and cancels the entry.
    /// </summary>
    /// <exception cref="InvalidOperationException">The entry is scheduled in another wheel.</exception>
    public void Schedule(TimerEntry<T> entry, Instant deadline)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (deadline == Instant.Infinite)
        {
            Cancel(entry);
            return;
        }

        if (entry.IsScheduled)
        {
            EnsureOwned(entry);
            long oldDeadline = entry.DeadlineMicroseconds;
            Unlink(entry);
            if (_nextValid && oldDeadline == _nextMicroseconds && deadline.Microseconds > oldDeadline)
            {
                _nextValid = false;
            }
        }
        else
        {
            Count++;
            entry.Wheel = this;
        }

        entry.DeadlineMicroseconds = deadline.Microseconds;
        Insert(entry);
        if (_nextValid && deadline.Microseconds < _nextMicroseconds)
        {
            _nextMicroseconds = deadline.Microseconds;
        }
        else if (!_nextValid && Count == 1)
        {
            _nextMicroseconds = deadline.Microseconds;
            _nextValid = true;
        }
    }

    /// <summary>Unschedules <paramref name="entry"/>; returns false if it was not scheduled.</summary>
    /// <exception cref="InvalidOperationException">The entry is scheduled in another wheel.</exception>
    public bool Cancel(TimerEntry<T> entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!entry.IsScheduled)
        {
            return false;
        }

        EnsureOwned(entry);
        Unlink(entry);
        entry.SlotIndex = TimerEntry<T>.NotScheduled;
        entry.Wheel = null;
        Count--;
        if (_nextValid && entry.DeadlineMicroseconds == _nextMicroseconds)
        {
            _nextValid = false;
        }

        return true;
    }

    /// <summary>
    /// Hands every entry whose deadline is at or before <paramref name="now"/> to <paramref name="sink"/>,
    /// in tick order (1 ms granularity; entries of one tick in no particular order), and advances the
    /// wheel to <paramref name="now"/>. Returns the number of entries delivered.
    /// </summary>
    /// <remarks>
    /// The sink may schedule or cancel entries while it is called; an entry cancelled or rescheduled
    /// before its turn is not delivered. An entry (re)scheduled for a deadline already passed is
    /// delivered by the next call, not this one. Not re-entrant.
    /// </remarks>
    public int Expire<TSink>(Instant now, ref TSink sink)
        where TSink : ITimerSink<T>, allows ref struct
    {
        if (_expiring)
        {
            throw new InvalidOperationException("TimerWheel.Expire is not re-entrant.");
        }

        _expiring = true;
        try
        {
            CollectDue(now.Microseconds);
            int delivered = 0;
            while (_expiredHead is { } entry)
            {
                RemoveFromExpired(entry);
                entry.SlotIndex = TimerEntry<T>.NotScheduled;
                entry.Wheel = null;
                Count--;
                delivered++;
                sink.OnTimerExpired(entry);
            }

            return delivered;
        }
        finally
        {
            _expiring = false;
        }
    }

    // Phase 1 of Expire: runs no user code. Walks occupied slots up to now's tick, cascading higher
    // levels, and moves due entries to the expired list in tick order.
    private void CollectDue(long nowMicroseconds)
    {
        long nowTick = Math.Max(TickOf(nowMicroseconds), _currentTick);
        bool moved = false;
        while (TryFindEarliestSlot(out int level, out int index, out long slotStart) && slotStart <= nowTick)
        {
            _currentTick = slotStart;
            if (level == 0)
            {
                // One tick: everything here is due unless the slot is now's own tick and the deadline
                // lies later inside it.
                TimerEntry<T>? entry = _heads[index];
                while (entry is not null)
                {
                    TimerEntry<T>? next = entry.Next;
                    if (entry.DeadlineMicroseconds <= nowMicroseconds)
                    {
                        Unlink(entry);
                        AppendToExpired(entry);
                        moved = true;
                    }

                    entry = next;
                }

                if (_heads[index] is not null)
                {
                    Debug.Assert(slotStart == nowTick, "only now's own tick may keep entries");
                    break;
                }
            }
            else
            {
                // Cascade: detach the whole slot and re-insert relative to the new current tick.
                TimerEntry<T>? entry = _heads[index];
                _heads[index] = null;
                if (index != OverflowIndex)
                {
                    ClearOccupied(index);
                }

                while (entry is not null)
                {
                    TimerEntry<T>? next = entry.Next;
                    entry.Next = null;
                    entry.Previous = null;
                    Insert(entry);
                    entry = next;
                }
            }
        }

        _currentTick = nowTick;
        if (moved)
        {
            _nextValid = false;
        }
    }

    private long TickOf(long microseconds)
    {
        if (microseconds <= _originMicroseconds)
        {
            return 0;
        }

        // Unsigned difference: cannot overflow even for a negative origin and a huge deadline.
        return (long)(((ulong)microseconds - (ulong)_originMicroseconds) / TickMicroseconds);
    }

    private void Insert(TimerEntry<T> entry)
    {
        long tick = Math.Max(TickOf(entry.DeadlineMicroseconds), _currentTick);
        long difference = tick ^ _currentTick;
        int index;
        if (difference < SlotsPerLevel)
        {
            index = (int)(tick & SlotMask);
        }
        else
        {
            int level = (63 - BitOperations.LeadingZeroCount((ulong)difference)) / BitsPerLevel;
            index = level >= Levels
                ? OverflowIndex
                : (level * SlotsPerLevel) + (int)((tick >> (level * BitsPerLevel)) & SlotMask);
        }

        TimerEntry<T>? head = _heads[index];
        entry.Previous = null;
        entry.Next = head;
        if (head is not null)
        {
            head.Previous = entry;
        }

        _heads[index] = entry;
        entry.SlotIndex = index;
        if (index != OverflowIndex)
        {
            _occupied[index / SlotsPerLevel] |= 1UL << (index & SlotMask);
        }
    }

    // Removes a scheduled entry from its slot or from the expired list; leaves SlotIndex to the caller.
    private void Unlink(TimerEntry<T> entry)
    {
        if (entry.SlotIndex == TimerEntry<T>.InExpiredList)
        {
            RemoveFromExpired(entry);
            return;
        }

        int index = entry.SlotIndex;
        if (entry.Previous is { } previous)
        {
            previous.Next = entry.Next;
        }
        else
        {
            _heads[index] = entry.Next;
            if (entry.Next is null && index != OverflowIndex)
            {
                ClearOccupied(index);
            }
        }

        if (entry.Next is { } next)
        {
            next.Previous = entry.Previous;
        }

        entry.Next = null;
        entry.Previous = null;
    }

    private void ClearOccupied(int index) => _occupied[index / SlotsPerLevel] &= ~(1UL << (index & SlotMask));

    private void AppendToExpired(TimerEntry<T> entry)
    {
        entry.SlotIndex = TimerEntry<T>.InExpiredList;
        entry.Previous = _expiredTail;
        entry.Next = null;
        if (_expiredTail is null)
        {
            _expiredHead = entry;
        }
        else
        {
            _expiredTail.Next = entry;
        }

        _expiredTail = entry;
    }

    private void RemoveFromExpired(TimerEntry<T> entry)
    {
        if (entry.Previous is null)
        {
            _expiredHead = entry.Next;
        }
        else
        {
            entry.Previous.Next = entry.Next;
        }

        if (entry.Next is null)
        {
            _expiredTail = entry.Previous;
        }
        else
        {
            entry.Next.Previous = entry.Previous;
        }

        entry.Next = null;
        entry.Previous = null;
    }

    // The earliest non-empty slot: the lowest non-empty level holds the earliest entries, and within a
    // level every occupied slot lies at or after the current tick's slot, so the lowest set bit wins.
    private bool TryFindEarliestSlot(out int level, out int index, out long slotStart)
    {
        for (level = 0; level < Levels; level++)
        {
            ulong mask = _occupied[level];
            if (mask != 0)
            {
                int slot = BitOperations.TrailingZeroCount(mask);
                index = (level * SlotsPerLevel) + slot;
                int shift = level * BitsPerLevel;
                long above = _currentTick & ~((1L << (shift + BitsPerLevel)) - 1);
                slotStart = above | ((long)slot << shift);
                return true;
            }
        }

        index = OverflowIndex;
        if (_heads[OverflowIndex] is not null)
        {
            const int OverflowShift = Levels * BitsPerLevel;
            slotStart = ((_currentTick >> OverflowShift) + 1) << OverflowShift;
            return true;
        }

        slotStart = 0;
        return false;
    }

    private long ComputeEarliestDeadline()
    {
        long earliest = long.MaxValue;
        if (_expiredHead is not null)
        {
            // Only reachable from inside a sink: entries still waiting for delivery count too.
            for (TimerEntry<T>? e = _expiredHead; e is not null; e = e.Next)
            {
                earliest = Math.Min(earliest, e.DeadlineMicroseconds);
            }
        }

        if (TryFindEarliestSlot(out _, out int index, out _))
        {
            for (TimerEntry<T>? e = _heads[index]; e is not null; e = e.Next)
            {
                earliest = Math.Min(earliest, e.DeadlineMicroseconds);
            }
        }

        return earliest;
    }

    private void EnsureOwned(TimerEntry<T> entry)
    {
        if (!ReferenceEquals(entry.Wheel, this))
        {
            throw new InvalidOperationException("The timer entry is scheduled in another wheel.");
        }
    }
}
