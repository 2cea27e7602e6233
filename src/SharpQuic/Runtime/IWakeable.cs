namespace SharpQuic.Runtime;

/// <summary>
/// Wakes a worker that may be blocked waiting for work (a socket poll with a timeout, or
/// <see cref="WorkerWakeSignal.Wait(TimeSpan)"/>). The driver implements it with whatever the worker
/// blocks on: an eventfd or self-pipe registered in the poll set on Linux, a
/// <see cref="WorkerWakeSignal"/> for a worker that only waits for commands and timers.
/// </summary>
/// <remarks>Called from any thread, possibly concurrently; must not block and must be idempotent (several
/// wakes before the worker runs may be merged into one).</remarks>
internal interface IWakeable
{
    /// <summary>Makes the worker's current or next wait return promptly.</summary>
    void Wake();
}
