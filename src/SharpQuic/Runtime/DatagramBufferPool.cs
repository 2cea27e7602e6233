using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SharpQuic.Runtime;

/// <summary>
/// A rented buffer of a <see cref="DatagramBufferPool"/>: a fixed-size window of a pinned slab, so its
/// address is stable for native calls (recvmmsg/sendmmsg, GSO/GRO batches). A handle, not an owner:
/// copying it does not copy the memory, and returning any copy returns the buffer.
/// </summary>
internal readonly struct DatagramBuffer
{
    private readonly byte[]? _slab;
    private readonly int _offset;

    internal DatagramBuffer(byte[] slab, int offset, int length, int index, int generation)
    {
        _slab = slab;
        _offset = offset;
        Length = length;
        Index = index;
        Generation = generation;
    }

    /// <summary>The buffer's number inside its pool (0 … Capacity-1), stable across rentals.</summary>
    public int Index { get; }

    /// <summary>The buffer's size in bytes (the pool's buffer size).</summary>
    public int Length { get; }

    /// <summary>False for a default (never rented) handle.</summary>
    public bool IsValid => _slab is not null;

    /// <summary>The buffer's bytes.</summary>
    public Span<byte> Span => new(_slab, _offset, Length);

    /// <summary>The buffer's bytes as <see cref="Memory{T}"/> (for the portable socket path).</summary>
    public Memory<byte> Memory => new(_slab, _offset, Length);

    /// <summary>The address of the first byte; valid while rented (the slab is pinned for the pool's life).</summary>
    public unsafe byte* Pointer => (byte*)Unsafe.AsPointer(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slab!), _offset));

    internal byte[]? Slab => _slab;

    internal int Generation { get; }
}

/// <summary>
/// A bounded pool of fixed-size, pinned datagram buffers (default 64 KiB: one GRO receive batch or one
/// GSO send batch), allocated up front as a few large slabs on the pinned object heap. Thread-safe:
/// the socket layer may rent on one thread and return on another.
/// </summary>
/// <remarks>
/// <para><b>Exhaustion.</b> <see cref="TryRent"/> returns false; there is no temporary fallback. A
/// temporary would be unpinned, allocate on the data path and hide a leak. The receive loop reacts by
/// reading less until buffers come back (the kernel queues or drops, as it would under load anyway), the
/// send path by leaving data queued in the connection for the next turn.</para>
/// <para><b>Misuse.</b> Each buffer carries a generation, bumped on every rent and return (odd =
/// rented). <see cref="Return"/> throws <see cref="InvalidOperationException"/> for a handle whose
/// generation no longer matches — a double return, or a stale copy returned after the buffer was rented
/// again — and for a buffer of another pool. The check is one compare, so it stays on in release builds.</para>
/// <para>Rent and return are a short lock and a stack push/pop: no allocation.</para>
/// </remarks>
internal sealed class DatagramBufferPool
{
    /// <summary>Default buffer size: the largest UDP payload, enough for a GRO/GSO batch.</summary>
    public const int DefaultBufferSize = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly byte[][] _slabs;
    private readonly int _buffersPerSlab;
    private readonly int[] _free;
    private readonly int[] _generations;
    private int _freeCount;

    /// <summary>Allocates <paramref name="bufferCount"/> pinned buffers of <paramref name="bufferSize"/> bytes, <paramref name="buffersPerSlab"/> per slab.</summary>
    public DatagramBufferPool(int bufferCount, int bufferSize = DefaultBufferSize, int buffersPerSlab = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(buffersPerSlab, 1);

        // Keep each slab within the array size limit.
        buffersPerSlab = Math.Min(buffersPerSlab, Math.Max(1, Array.MaxLength / bufferSize));
        buffersPerSlab = Math.Min(buffersPerSlab, bufferCount);

        BufferSize = bufferSize;
        Capacity = bufferCount;
        _buffersPerSlab = buffersPerSlab;
        int slabCount = (bufferCount + buffersPerSlab - 1) / buffersPerSlab;
        _slabs = new byte[slabCount][];
        for (int i = 0; i < slabCount; i++)
        {
            int buffersInSlab = Math.Min(buffersPerSlab, bufferCount - (i * buffersPerSlab));
            _slabs[i] = GC.AllocateArray<byte>(buffersInSlab * bufferSize, pinned: true);
        }

        _generations = new int[bufferCount];
        _free = new int[bufferCount];

        // Lowest index on top, so a lightly used pool keeps touching the same few buffers (cache-warm).
        for (int i = 0; i < bufferCount; i++)
        {
            _free[i] = bufferCount - 1 - i;
        }

        _freeCount = bufferCount;
    }

    /// <summary>Size of every buffer, in bytes.</summary>
    public int BufferSize { get; }

    /// <summary>Total number of buffers.</summary>
    public int Capacity { get; }

    /// <summary>Number of buffers not rented (a snapshot).</summary>
    public int Available
    {
        get
        {
            lock (_gate)
            {
                return _freeCount;
            }
        }
    }

    /// <summary>Rents a buffer; returns false when all are rented (see the remarks on exhaustion).</summary>
    public bool TryRent(out DatagramBuffer buffer)
    {
        int index;
        int generation;
        lock (_gate)
        {
            if (_freeCount == 0)
            {
                buffer = default;
                return false;
            }

            index = _free[--_freeCount];
            generation = ++_generations[index];
        }

        int slab = index / _buffersPerSlab;
        buffer = new DatagramBuffer(_slabs[slab], (index - (slab * _buffersPerSlab)) * BufferSize, BufferSize, index, generation);
        return true;
    }

    /// <summary>Gives a rented buffer back.</summary>
    /// <exception cref="InvalidOperationException">Double return, stale handle, or a buffer of another pool.</exception>
    public void Return(DatagramBuffer buffer)
    {
        int index = buffer.Index;
        if (!buffer.IsValid || (uint)index >= (uint)Capacity || !ReferenceEquals(_slabs[index / _buffersPerSlab], buffer.Slab))
        {
            throw new InvalidOperationException("The buffer does not belong to this pool.");
        }

        lock (_gate)
        {
            int generation = _generations[index];
            if (generation != buffer.Generation || (generation & 1) == 0)
            {
                throw new InvalidOperationException("The buffer was already returned (double return or stale handle).");
            }

            _generations[index] = generation + 1;
            _free[_freeCount++] = index;
        }
    }
}
