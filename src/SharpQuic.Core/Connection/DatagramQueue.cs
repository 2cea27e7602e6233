using System.Buffers;

namespace SharpQuic.Core.Connection;

/// <summary>
/// A bounded FIFO of datagram payloads (RFC 9221): a ring of slots whose bytes live in buffers rented from
/// <see cref="ArrayPool{T}.Shared"/> on enqueue and returned on dequeue, so steady-state use allocates nothing and
/// memory is bounded by <see cref="Capacity"/> times the largest datagram. The slot arrays themselves are created on
/// first use, so a connection that never sees a datagram pays nothing.
/// </summary>
internal sealed class DatagramQueue : IDisposable
{
    private byte[]?[]? _buffers;
    private int[]? _lengths;
    private ulong[]? _ids;
    private int _head;

    /// <summary>Creates an empty queue holding at most <paramref name="capacity"/> datagrams.</summary>
    public DatagramQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>The most datagrams held at once.</summary>
    public int Capacity { get; }

    /// <summary>Datagrams held now.</summary>
    public int Count { get; private set; }

    /// <summary>True when a <see cref="TryEnqueue"/> would fail.</summary>
    public bool IsFull => Count == Capacity;

    /// <summary>Bytes held now (payloads, not the rented buffers).</summary>
    public long Bytes { get; private set; }

    /// <summary>Copies <paramref name="data"/> in at the tail; false (nothing copied) when full.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> data, ulong id)
    {
        if (IsFull)
        {
            return false;
        }

        EnsureSlots();
        int slot = (_head + Count) % Capacity;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, data.Length));
        data.CopyTo(buffer);
        _buffers![slot] = buffer;
        _lengths![slot] = data.Length;
        _ids![slot] = id;
        Count++;
        Bytes += data.Length;
        return true;
    }

    /// <summary>Copies <paramref name="data"/> in; when full the oldest datagram goes first. Returns true when one was dropped.</summary>
    public bool EnqueueDropOldest(ReadOnlySpan<byte> data, ulong id)
    {
        bool dropped = false;
        if (IsFull)
        {
            Dequeue();
            dropped = true;
        }

        TryEnqueue(data, id);
        return dropped;
    }

    /// <summary>The oldest datagram, without removing it; the span is valid until the next <see cref="Dequeue"/>.</summary>
    public bool TryPeek(out ReadOnlySpan<byte> data, out ulong id)
    {
        if (Count == 0)
        {
            data = default;
            id = 0;
            return false;
        }

        data = _buffers![_head].AsSpan(0, _lengths![_head]);
        id = _ids![_head];
        return true;
    }

    /// <summary>Removes the oldest datagram (nothing when empty) and returns its buffer to the pool.</summary>
    public void Dequeue()
    {
        if (Count == 0)
        {
            return;
        }

        byte[]? buffer = _buffers![_head];
        _buffers[_head] = null;
        Bytes -= _lengths![_head];
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        _head = (_head + 1) % Capacity;
        Count--;
    }

    /// <summary>Drops everything held.</summary>
    public void Clear()
    {
        while (Count > 0)
        {
            Dequeue();
        }

        _head = 0;
    }

    /// <inheritdoc/>
    public void Dispose() => Clear();

    private void EnsureSlots()
    {
        if (_buffers is null)
        {
            _buffers = new byte[Capacity][];
            _lengths = new int[Capacity];
            _ids = new ulong[Capacity];
        }
    }
}
