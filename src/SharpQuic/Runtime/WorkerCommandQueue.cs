using System.Runtime.CompilerServices;

namespace SharpQuic.Runtime;

/// <summary>
/// The multi-producer, single-consumer queue through which application threads post commands (write,
/// read, open stream, close…) to the worker that owns a connection (msquic's per-worker operation queue).
/// </summary>
/// <remarks>
/// <para><b>Shape.</b> Two arrays: producers append to one under a short lock; the worker's
/// <see cref="DrainBatch"/> swaps them under the same lock and then reads the whole batch without it.
/// Commands are structs copied in place, so enqueueing allocates nothing once the arrays have grown to
/// the working-set size.</para>
/// <para><b>Order.</b> FIFO in lock order: commands from one producer thread are drained in the order
/// that thread enqueued them; commands from different producers interleave arbitrarily.</para>
/// <para><b>Bound.</b> The pending backlog grows by doubling up to <c>maxCapacity</c>; beyond it
/// <see cref="TryEnqueue"/> returns false (the caller fails the operation rather than letting a stalled
/// worker grow memory without limit). After <see cref="Complete"/> it always returns false.</para>
/// <para><b>Wake-up.</b> The producer that turns an empty queue non-empty calls
/// <see cref="IWakeable.Wake"/> (one wake per batch, not per command: an eventfd write is a system call).
/// The worker must observe/reset its wake signal <i>before</i> draining, as
/// <see cref="WorkerWakeSignal.Wait(TimeSpan)"/> does, so a command enqueued after a drain always wakes it.</para>
/// </remarks>
internal sealed class WorkerCommandQueue<T>
    where T : struct
{
    private readonly Lock _gate = new();
    private readonly IWakeable _wakeable;
    private readonly int _maxCapacity;
    private T[] _producing;
    private T[] _consuming;
    private int _count;
    private int _lastBatchLength;
    private bool _completed;

    /// <summary>Creates a queue that wakes <paramref name="wakeable"/> when work arrives.</summary>
    public WorkerCommandQueue(IWakeable wakeable, int initialCapacity = 64, int maxCapacity = 1 << 16)
    {
        ArgumentNullException.ThrowIfNull(wakeable);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCapacity, initialCapacity);
        _wakeable = wakeable;
        _maxCapacity = maxCapacity;
        _producing = new T[initialCapacity];
        _consuming = new T[initialCapacity];
    }

    /// <summary>Number of commands waiting (a snapshot).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>True once <see cref="Complete"/> has been called.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed);

    /// <summary>
    /// Posts <paramref name="command"/> for the worker; thread-safe. Returns false if the backlog is at
    /// its maximum or the queue is completed.
    /// </summary>
    public bool TryEnqueue(in T command)
    {
        bool wasEmpty;
        lock (_gate)
        {
            if (_completed)
            {
                return false;
            }

            if (_count == _producing.Length)
            {
                if (_count >= _maxCapacity)
                {
                    return false;
                }

                Grow();
            }

            _producing[_count] = command;
            wasEmpty = _count == 0;
            _count++;
        }

        if (wasEmpty)
        {
            _wakeable.Wake();
        }

        return true;
    }

    /// <summary>
    /// Takes every command posted so far, in order. Consumer (worker) thread only. The span stays valid
    /// until the next call to <see cref="DrainBatch"/>; commands holding references are cleared then.
    /// </summary>
    public ReadOnlySpan<T> DrainBatch()
    {
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>() && _lastBatchLength > 0)
        {
            // Do not keep application objects alive through the previous batch.
            Array.Clear(_consuming, 0, _lastBatchLength);
        }

        int length;
        lock (_gate)
        {
            length = _count;
            if (length == 0)
            {
                _lastBatchLength = 0;
                return ReadOnlySpan<T>.Empty;
            }

            (_producing, _consuming) = (_consuming, _producing);
            _count = 0;
        }

        _lastBatchLength = length;
        return new ReadOnlySpan<T>(_consuming, 0, length);
    }

    /// <summary>Refuses further commands (worker shutdown); commands already queued can still be drained.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
        }

        _wakeable.Wake();
    }

    private void Grow()
    {
        int newLength = (int)Math.Min((long)_producing.Length * 2, _maxCapacity);
        var larger = new T[newLength];
        Array.Copy(_producing, larger, _count);
        _producing = larger;
    }
}
