namespace SharpQuic.Core;

/// <summary>
/// A point in time, in microseconds since an arbitrary origin chosen by the driver. The core
/// never reads a clock: every input carries the current <see cref="Instant"/>, so a simulation
/// can run on virtual time.
/// </summary>
public readonly record struct Instant(long Microseconds) : IComparable<Instant>
{
    /// <summary>The origin.</summary>
    public static Instant Zero => default;

    /// <summary>Later than every other instant: "no deadline".</summary>
    public static Instant Infinite => new(long.MaxValue);

    /// <summary>Creates an instant from milliseconds since the origin.</summary>
    public static Instant FromMilliseconds(long milliseconds) => new(milliseconds * 1000);

    /// <summary>The instant <paramref name="duration"/> after <paramref name="instant"/>, saturating at <see cref="Infinite"/>.</summary>
    public static Instant operator +(Instant instant, TimeSpan duration)
    {
        long micros = duration.Ticks / TimeSpan.TicksPerMicrosecond;
        return micros > 0 && instant.Microseconds > long.MaxValue - micros ? Infinite : new Instant(instant.Microseconds + micros);
    }

    /// <summary>The instant <paramref name="duration"/> before <paramref name="instant"/>.</summary>
    public static Instant operator -(Instant instant, TimeSpan duration) => new(instant.Microseconds - (duration.Ticks / TimeSpan.TicksPerMicrosecond));

    /// <summary>The time between two instants.</summary>
    public static TimeSpan operator -(Instant later, Instant earlier) => TimeSpan.FromMicroseconds(later.Microseconds - earlier.Microseconds);

    public static bool operator <(Instant left, Instant right) => left.Microseconds < right.Microseconds;

    public static bool operator >(Instant left, Instant right) => left.Microseconds > right.Microseconds;

    public static bool operator <=(Instant left, Instant right) => left.Microseconds <= right.Microseconds;

    public static bool operator >=(Instant left, Instant right) => left.Microseconds >= right.Microseconds;

    /// <summary>The earlier of two instants.</summary>
    public static Instant Min(Instant a, Instant b) => a.Microseconds <= b.Microseconds ? a : b;

    /// <summary>The later of two instants.</summary>
    public static Instant Max(Instant a, Instant b) => a.Microseconds >= b.Microseconds ? a : b;

    /// <inheritdoc/>
    public int CompareTo(Instant other) => Microseconds.CompareTo(other.Microseconds);

    /// <inheritdoc/>
    public override string ToString() => $"{Microseconds / 1000.0:F3} ms";
}
