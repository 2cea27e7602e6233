namespace SharpQuic.QPack;

/// <summary>
/// The QPACK dynamic table (RFC 9204 §3.2): a FIFO of entries addressed by absolute index (0 for the first
/// entry ever inserted). Size counts name + value + 32 per entry (§3.2.1); the number of entries is
/// bounded by max capacity / 32, so the ring never grows.
/// </summary>
internal sealed class DynamicTable
{
    /// <summary>Per-entry overhead (RFC 9204 §3.2.1).</summary>
    public const int EntryOverhead = 32;

    private readonly Entry[] _ring;
    private int _head; // ring slot of the oldest entry

    public DynamicTable(long maxCapacity)
    {
        MaxCapacity = maxCapacity;
        _ring = new Entry[Math.Max(1, (int)Math.Min(maxCapacity / EntryOverhead, 1 << 20))];
    }

    /// <summary>Upper bound for <see cref="Capacity"/> (SETTINGS_QPACK_MAX_TABLE_CAPACITY).</summary>
    public long MaxCapacity { get; }

    /// <summary>Current capacity (Set Dynamic Table Capacity, §4.3.1).</summary>
    public long Capacity { get; private set; }

    /// <summary>Sum of entry sizes.</summary>
    public long Size { get; private set; }

    /// <summary>Total number of insertions so far (§3.2.4 Insert Count).</summary>
    public long InsertCount { get; private set; }

    /// <summary>Number of entries currently held.</summary>
    public int Count { get; private set; }

    /// <summary>Absolute index of the oldest entry still held.</summary>
    public long FirstIndex => InsertCount - Count;

    /// <summary>Size of an entry (§3.2.1).</summary>
    public static long EntrySize(int nameLength, int valueLength) => (long)nameLength + valueLength + EntryOverhead;

    /// <summary>Sets the capacity, evicting the oldest entries to fit; false when above the maximum.</summary>
    public bool TrySetCapacity(long capacity)
    {
        if (capacity > MaxCapacity || capacity < 0)
        {
            return false;
        }

        Capacity = capacity;
        EvictUntil(capacity);
        return true;
    }

    /// <summary>
    /// Whether an entry of <paramref name="entrySize"/> fits after evicting only entries whose absolute index
    /// is below <paramref name="pinnedFrom"/> (entries an unacknowledged section may still reference, §2.1.1).
    /// </summary>
    public bool CanInsert(long entrySize, long pinnedFrom)
    {
        if (entrySize > Capacity)
        {
            return false;
        }

        long size = Size;
        long abs = FirstIndex;
        int slot = _head;
        while (size + entrySize > Capacity)
        {
            if (abs >= pinnedFrom || abs >= InsertCount)
            {
                return false;
            }

            size -= _ring[slot].Size;
            slot = (slot + 1) % _ring.Length;
            abs++;
        }

        return true;
    }

    /// <summary>
    /// Inserts an entry, evicting the oldest ones to make room (§3.2.2). False when the entry alone is
    /// larger than the capacity, which the peer's decoder treats as an error (§4.3).
    /// </summary>
    public bool TryInsert(byte[] name, byte[] value)
    {
        long entrySize = EntrySize(name.Length, value.Length);
        if (entrySize > Capacity)
        {
            return false;
        }

        EvictUntil(Capacity - entrySize);
        int slot = (_head + Count) % _ring.Length;
        _ring[slot] = new Entry(name, value);
        Count++;
        Size += entrySize;
        InsertCount++;
        return true;
    }

    /// <summary>Entry at an absolute index, if still held.</summary>
    public bool TryGet(long absoluteIndex, out Entry entry)
    {
        if (absoluteIndex < FirstIndex || absoluteIndex >= InsertCount)
        {
            entry = default;
            return false;
        }

        entry = _ring[(int)((_head + (absoluteIndex - FirstIndex)) % _ring.Length)];
        return true;
    }

    /// <summary>
    /// Newest absolute index of an exact match (or, failing that, a name match) at or above
    /// <paramref name="minIndex"/>; -1 when none. Bounded by the entry count.
    /// </summary>
    public long Find(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, long minIndex, out bool exact)
    {
        exact = false;
        long nameMatch = -1;
        for (long abs = InsertCount - 1; abs >= Math.Max(FirstIndex, minIndex); abs--)
        {
            Entry e = _ring[(int)((_head + (abs - FirstIndex)) % _ring.Length)];
            if (!name.SequenceEqual(e.Name))
            {
                continue;
            }

            if (value.SequenceEqual(e.Value))
            {
                exact = true;
                return abs;
            }

            if (nameMatch < 0)
            {
                nameMatch = abs;
            }
        }

        return nameMatch;
    }

    private void EvictUntil(long targetSize)
    {
        while (Size > targetSize && Count > 0)
        {
            Size -= _ring[_head].Size;
            _ring[_head] = default;
            _head = (_head + 1) % _ring.Length;
            Count--;
        }
    }

    /// <summary>A dynamic table entry.</summary>
    internal readonly record struct Entry(byte[] Name, byte[] Value)
    {
        public long Size => EntrySize(Name.Length, Value.Length);
    }
}
