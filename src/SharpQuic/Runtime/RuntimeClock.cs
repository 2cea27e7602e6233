using System.Diagnostics;
using SharpQuic.Core;

namespace SharpQuic.Runtime;

/// <summary>
/// The process's one clock for the sans-IO core: a monotonic <see cref="Instant"/> and the wall-clock time of its
/// zero. Every worker reads the same clock, so times a connection carries across workers agree (a session ticket
/// issued on one worker and presented on another must not look older, or from the future, by the gap between the
/// workers' start times).
/// </summary>
internal static class RuntimeClock
{
    private static readonly long s_origin = Stopwatch.GetTimestamp();

    /// <summary>The wall-clock time of <see cref="Instant.Zero"/> (TLS certificate and ticket times need it).</summary>
    public static DateTimeOffset WallClockOrigin { get; } = DateTimeOffset.UtcNow;

    /// <summary>Microseconds since the process's first use of the clock.</summary>
    public static Instant Now => new((long)((Stopwatch.GetTimestamp() - s_origin) * (1_000_000.0 / Stopwatch.Frequency)));
}
