namespace SharpQuic.Runtime;

/// <summary>
/// The portable <see cref="IWakeable"/>: an auto-resetting signal on top of <see cref="ManualResetEventSlim"/>
/// (which spins briefly before blocking). The worker calls <see cref="Wait(TimeSpan)"/> with its timer
/// wheel's time to next expiration and then drains its command queue; the signal is reset before
/// <see cref="Wait(TimeSpan)"/> returns, so a command enqueued after that point wakes the next wait and
/// none is missed.
/// </summary>
/// <remarks>A socket driver that blocks in poll/epoll uses an eventfd or self-pipe instead; the contract
/// (wake is sticky until the worker has observed it) is the same.</remarks>
internal sealed class WorkerWakeSignal : IWakeable, IDisposable
{
    private readonly ManualResetEventSlim _event = new(initialState: false);

    /// <inheritdoc/>
    public void Wake() => _event.Set();

    /// <summary>
    /// Blocks until <see cref="Wake"/> is called (or was called since the last wait) or the timeout
    /// elapses; returns true if woken. <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.
    /// </summary>
    public bool Wait(TimeSpan timeout)
    {
        bool woken = _event.Wait(timeout);
        if (woken)
        {
            // Reset before the caller drains: a producer that enqueues after this point sets the
            // event again and the next Wait returns at once.
            _event.Reset();
        }

        return woken;
    }

    /// <inheritdoc/>
    public void Dispose() => _event.Dispose();
}
