using System.Threading.Tasks.Sources;

namespace SharpQuic.Runtime;

/// <summary>
/// A reusable <see cref="IValueTaskSource{TResult}"/> for one operation at a time (a stream's pending
/// read, a pending write…): the application thread starts a cycle with <see cref="TryGetValueTask(out ValueTask{T}, CancellationToken)"/>,
/// posts a command to the owning worker, and awaits; the worker (or a cancellation) completes the cycle
/// exactly once; the awaiter's <c>GetResult</c> resets the source for the next cycle. Nothing is
/// allocated per cycle (an exception, when there is one, is the caller's).
/// </summary>
/// <remarks>
/// <para>Cycle: <c>Idle → Pending</c> (<see cref="TryGetValueTask(out ValueTask{T}, CancellationToken)"/>),
/// <c>Pending → Completed</c> (the first of <see cref="TrySetResult"/>, <see cref="TrySetException"/> or
/// the token's cancellation; later attempts return false), <c>Completed → Idle</c> (the awaiter's
/// <c>GetResult</c>). A cycle whose value task is never awaited keeps the source Completed.</para>
/// <para>Continuations always run asynchronously (<c>RunContinuationsAsynchronously</c>), so a worker
/// completing an operation never runs application code on its own thread.</para>
/// <para>A short lock guards the state and the cancellation registration (the registration is a
/// two-field struct that must not be read torn). The registration is disposed by whoever completes the
/// cycle, outside the lock; disposing waits for a cancellation callback already running on another
/// thread, so no callback from an old cycle can touch the next one.</para>
/// </remarks>
internal sealed class ResettableValueTaskSource<T> : IValueTaskSource<T>, IValueTaskSource
{
    private const int Idle = 0;
    private const int Pending = 1;
    private const int Completed = 2;
    private const int Reserved = 3;

    private static readonly Action<object?, CancellationToken> s_cancelCallback = static (state, token) =>
        ((ResettableValueTaskSource<T>)state!).OnCanceled(token);

    private readonly Lock _gate = new();
    private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _registration;
    private int _state;
    private bool _canceledWhileReserved;
    private CancellationToken _canceledToken;

    /// <summary>True between the start of a cycle and its completion.</summary>
    public bool IsPending => Volatile.Read(ref _state) == Pending;

    /// <summary>True when no cycle is in progress (a new one may start).</summary>
    public bool IsIdle => Volatile.Read(ref _state) == Idle;

    /// <summary>
    /// Starts a cycle and returns the value task that completes with it. Returns false (and a default
    /// task) if a cycle is already in progress. If <paramref name="cancellationToken"/> is cancelled —
    /// now or before the cycle completes — the task fails with <see cref="OperationCanceledException"/>.
    /// </summary>
    public bool TryGetValueTask(out ValueTask<T> valueTask, CancellationToken cancellationToken = default)
    {
        if (!TryBegin(cancellationToken, out short version))
        {
            valueTask = default;
            return false;
        }

        valueTask = new ValueTask<T>(this, version);
        return true;
    }

    /// <summary>As <see cref="TryGetValueTask(out ValueTask{T}, CancellationToken)"/>, for a caller that ignores the result value.</summary>
    public bool TryGetValueTask(out ValueTask valueTask, CancellationToken cancellationToken = default)
    {
        if (!TryBegin(cancellationToken, out short version))
        {
            valueTask = default;
            return false;
        }

        valueTask = new ValueTask(this, version);
        return true;
    }

    /// <summary>Completes the pending cycle with <paramref name="result"/>; false if none is pending or it already completed.</summary>
    public bool TrySetResult(T result)
    {
        if (!TryClaimCompletion())
        {
            return false;
        }

        _core.SetResult(result);
        return true;
    }

    /// <summary>Fails the pending cycle with <paramref name="exception"/>; false if none is pending or it already completed.</summary>
    public bool TrySetException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (!TryClaimCompletion())
        {
            return false;
        }

        _core.SetException(exception);
        return true;
    }

    /// <summary>
    /// Takes the pending cycle for the caller (the worker) so that a cancellation cannot complete it while the
    /// worker fills the caller's buffer; false if no cycle is pending. Follow with <see cref="CompleteReserved"/>,
    /// <see cref="CompleteReservedWithException"/> or <see cref="Unreserve"/>. A cancellation that arrives meanwhile
    /// is remembered and applied by <see cref="Unreserve"/>.
    /// </summary>
    public bool TryReserve()
    {
        lock (_gate)
        {
            if (_state != Pending)
            {
                return false;
            }

            _state = Reserved;
            return true;
        }
    }

    /// <summary>Gives a reserved cycle back (nothing to deliver yet); a cancellation requested meanwhile completes it now.</summary>
    public void Unreserve()
    {
        bool cancel;
        CancellationToken token;
        lock (_gate)
        {
            if (_state != Reserved)
            {
                return;
            }

            cancel = _canceledWhileReserved;
            token = _canceledToken;
            _canceledWhileReserved = false;
            _canceledToken = default;
            _state = cancel ? Completed : Pending;
            if (cancel)
            {
                _registration = default;
            }
        }

        if (cancel)
        {
            _core.SetException(new OperationCanceledException(token));
        }
    }

    /// <summary>Completes a reserved cycle with <paramref name="result"/>.</summary>
    public void CompleteReserved(T result)
    {
        if (ClaimReserved())
        {
            _core.SetResult(result);
        }
    }

    /// <summary>Fails a reserved cycle with <paramref name="exception"/>.</summary>
    public void CompleteReservedWithException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (ClaimReserved())
        {
            _core.SetException(exception);
        }
    }

    /// <inheritdoc/>
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc/>
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    /// <inheritdoc/>
    public T GetResult(short token)
    {
        if (token != _core.Version || _core.GetStatus(token) == ValueTaskSourceStatus.Pending)
        {
            // Stale, repeated or premature GetResult: let the core throw without resetting the cycle.
            return _core.GetResult(token);
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            // Completed → Idle. Only the awaiter gets here, and no completer touches a Completed cycle.
            _core.Reset();
            Volatile.Write(ref _state, Idle);
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    private bool TryBegin(CancellationToken cancellationToken, out short version)
    {
        lock (_gate)
        {
            if (_state != Idle)
            {
                version = 0;
                return false;
            }

            _state = Pending;
            version = _core.Version;
        }

        if (cancellationToken.CanBeCanceled)
        {
            // May run the callback inline if the token is already cancelled; the callback then completes
            // the cycle itself and the registration needs no keeping.
            CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(s_cancelCallback, this);
            bool keep;
            lock (_gate)
            {
                // The version check makes sure this is still the cycle the registration was made for.
                keep = _state == Pending && _core.Version == version;
                if (keep)
                {
                    _registration = registration;
                }
            }

            if (!keep)
            {
                registration.Dispose();
            }
        }

        return true;
    }

    // Pending → Completed, then dispose the registration outside the lock (it may wait for a callback
    // running on another thread, which takes the lock).
    private bool TryClaimCompletion()
    {
        CancellationTokenRegistration registration;
        lock (_gate)
        {
            if (_state != Pending)
            {
                return false;
            }

            _state = Completed;
            registration = _registration;
            _registration = default;
        }

        registration.Dispose();
        return true;
    }

    private bool ClaimReserved()
    {
        CancellationTokenRegistration registration;
        lock (_gate)
        {
            if (_state != Reserved)
            {
                return false;
            }

            _state = Completed;
            _canceledWhileReserved = false;
            _canceledToken = default;
            registration = _registration;
            _registration = default;
        }

        registration.Dispose();
        return true;
    }

    private void OnCanceled(CancellationToken token)
    {
        lock (_gate)
        {
            if (_state == Reserved)
            {
                // The worker is filling the caller's buffer: the cancellation waits for Unreserve (or loses to the result).
                _canceledWhileReserved = true;
                _canceledToken = token;
                return;
            }

            if (_state != Pending)
            {
                return;
            }

            _state = Completed;

            // The registration has fired; there is nothing left to dispose.
            _registration = default;
        }

        _core.SetException(new OperationCanceledException(token));
    }
}

/// <summary>
/// The result-less form of <see cref="ResettableValueTaskSource{T}"/> (for writes, flushes, stream opening
/// acknowledgements…). Same cycle and guarantees; the value tasks it hands out are backed by the inner
/// source, so nothing is allocated per cycle.
/// </summary>
internal sealed class ResettableValueTaskSource
{
    private readonly ResettableValueTaskSource<bool> _inner = new();

    /// <summary>True between the start of a cycle and its completion.</summary>
    public bool IsPending => _inner.IsPending;

    /// <summary>True when no cycle is in progress.</summary>
    public bool IsIdle => _inner.IsIdle;

    /// <summary>Starts a cycle; false if one is already in progress. See <see cref="ResettableValueTaskSource{T}.TryGetValueTask(out ValueTask, CancellationToken)"/>.</summary>
    public bool TryGetValueTask(out ValueTask valueTask, CancellationToken cancellationToken = default)
        => _inner.TryGetValueTask(out valueTask, cancellationToken);

    /// <summary>Completes the pending cycle successfully; false if none is pending or it already completed.</summary>
    public bool TrySetResult() => _inner.TrySetResult(true);

    /// <summary>Fails the pending cycle; false if none is pending or it already completed.</summary>
    public bool TrySetException(Exception exception) => _inner.TrySetException(exception);
}
