using SharpQuic.Core;

namespace SharpQuic.Runtime;

/// <summary>
/// An intrusive timer-wheel node. The owner (typically a connection) allocates one entry once and
/// schedules, reschedules and cancels it as often as it likes: the wheel links the entry itself into
/// its slot lists, so no (re)schedule allocates.
/// </summary>
/// <typeparam name="T">The payload handed back to the expiry sink (e.g. the connection).</typeparam>
/// <remarks>An entry belongs to at most one <see cref="TimerWheel{T}"/> at a time and, like the wheel, is
/// touched only by the worker thread that owns it.</remarks>
internal sealed class TimerEntry<T>
{
    // Slot index values that are not a wheel slot.
    internal const int NotScheduled = -1;
    internal const int InExpiredList = -2;

    internal TimerEntry<T>? Next;
    internal TimerEntry<T>? Previous;
    internal TimerWheel<T>? Wheel;
    internal long DeadlineMicroseconds;

    /// <summary>Index into the wheel's flat slot-head array, or <see cref="NotScheduled"/> / <see cref="InExpiredList"/>.</summary>
    internal int SlotIndex = NotScheduled;

    /// <summary>Creates an unscheduled entry carrying <paramref name="value"/>.</summary>
    public TimerEntry(T value) => Value = value;

    /// <summary>The payload given at construction.</summary>
    public T Value { get; }

    /// <summary>True while the entry waits in a wheel (including while it waits for delivery inside <see cref="TimerWheel{T}.Expire{TSink}"/>).</summary>
    public bool IsScheduled => SlotIndex != NotScheduled;

    /// <summary>The deadline the entry was last scheduled for; meaningful only while <see cref="IsScheduled"/>.</summary>
    public Instant Deadline => new(DeadlineMicroseconds);
}

/// <summary>Receives entries whose deadline has passed, from <see cref="TimerWheel{T}.Expire{TSink}"/>.</summary>
internal interface ITimerSink<T>
{
    /// <summary>
    /// Called once per due entry. The entry is already unscheduled; the sink may schedule it (or any
    /// other entry) again, or cancel other entries, from inside this call.
    /// </summary>
    void OnTimerExpired(TimerEntry<T> entry);
}
