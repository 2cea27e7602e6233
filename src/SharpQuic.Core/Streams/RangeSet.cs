namespace SharpQuic.Core.Streams;

/// <summary>
/// A set of stream offsets kept as sorted, disjoint, non-adjacent half-open ranges in an array
/// of structs. Adding merges, removing splits. The array grows on demand (amortised, so the
/// steady state allocates nothing) but never beyond <see cref="MaxCount"/> ranges: a peer that
/// fragments data into too many holes is refused rather than allowed to grow our state
/// (RFC 9000 §21.7, "limiting the size of tracking data structures").
/// </summary>
internal sealed class RangeSet
{
    private ByteRange[] _items;
    private int _count;

    /// <summary>Creates an empty set holding at most <paramref name="maxCount"/> ranges.</summary>
    public RangeSet(int maxCount, int initialCapacity = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        MaxCount = maxCount;
        _items = new ByteRange[Math.Clamp(initialCapacity, 1, maxCount)];
    }

    /// <summary>The most ranges the set may hold.</summary>
    public int MaxCount { get; }

    /// <summary>The number of disjoint ranges.</summary>
    public int Count => _count;

    /// <summary>True when the set holds no offsets.</summary>
    public bool IsEmpty => _count == 0;

    /// <summary>The lowest range; the set must not be empty.</summary>
    public ByteRange First => _items[0];

    /// <summary>The highest range; the set must not be empty.</summary>
    public ByteRange Last => _items[_count - 1];

    /// <summary>The <paramref name="index"/>-th range in ascending order.</summary>
    public ByteRange this[int index] => (uint)index < (uint)_count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>Removes everything.</summary>
    public void Clear() => _count = 0;

    /// <summary>
    /// Adds [<paramref name="start"/>, <paramref name="end"/>). Returns false, changing nothing,
    /// when the result would need more than <see cref="MaxCount"/> ranges.
    /// </summary>
    public bool Add(ulong start, ulong end)
    {
        if (start >= end)
        {
            return true;
        }

        // First range whose end reaches start (adjacent ranges merge too).
        int i = LowerBoundByEnd(start);
        int j = i;
        while (j < _count && _items[j].Start <= end)
        {
            j++;
        }

        if (i == j)
        {
            // No overlap: insert a new range at i.
            if (_count == MaxCount)
            {
                return false;
            }

            EnsureCapacity(_count + 1);
            Array.Copy(_items, i, _items, i + 1, _count - i);
            _items[i] = new ByteRange(start, end);
            _count++;
            return true;
        }

        // Ranges i..j-1 touch the new one: collapse them into i.
        ulong newStart = Math.Min(start, _items[i].Start);
        ulong newEnd = Math.Max(end, _items[j - 1].End);
        _items[i] = new ByteRange(newStart, newEnd);
        int removed = j - i - 1;
        if (removed > 0)
        {
            Array.Copy(_items, j, _items, i + 1, _count - j);
            _count -= removed;
        }

        return true;
    }

    /// <summary>
    /// Removes [<paramref name="start"/>, <paramref name="end"/>). Splitting a range can need one
    /// more slot; when the set is full the split keeps the lower part only, which only callers
    /// that can afford to forget offsets may rely on (none do: the sets that remove are bounded
    /// by their owners well below the limit).
    /// </summary>
    public void Remove(ulong start, ulong end)
    {
        if (start >= end || _count == 0)
        {
            return;
        }

        int i = LowerBoundByEnd(start + 1);
        while (i < _count && _items[i].Start < end)
        {
            ByteRange r = _items[i];
            if (r.Start < start && r.End > end)
            {
                // Split into two.
                _items[i] = new ByteRange(r.Start, start);
                if (_count == MaxCount)
                {
                    return;
                }

                EnsureCapacity(_count + 1);
                Array.Copy(_items, i + 1, _items, i + 2, _count - i - 1);
                _items[i + 1] = new ByteRange(end, r.End);
                _count++;
                return;
            }

            if (r.Start < start)
            {
                _items[i] = new ByteRange(r.Start, start);
                i++;
            }
            else if (r.End > end)
            {
                _items[i] = new ByteRange(end, r.End);
                return;
            }
            else
            {
                Array.Copy(_items, i + 1, _items, i, _count - i - 1);
                _count--;
            }
        }
    }

    /// <summary>Removes every offset below <paramref name="offset"/>.</summary>
    public void RemoveBelow(ulong offset)
    {
        if (_count > 0 && _items[0].Start < offset)
        {
            Remove(0, offset);
        }
    }

    /// <summary>True when every offset of [start, end) is in the set.</summary>
    public bool Contains(ulong start, ulong end)
    {
        if (start >= end)
        {
            return true;
        }

        int i = LowerBoundByEnd(start + 1);
        return i < _count && _items[i].Start <= start && _items[i].End >= end;
    }

    /// <summary>
    /// The first range in the set that overlaps [start, end), clipped to it; false when none does.
    /// Used to walk the parts of a span that are (or are not) in the set.
    /// </summary>
    public bool TryGetFirstOverlap(ulong start, ulong end, out ByteRange overlap)
    {
        int i = LowerBoundByEnd(start + 1);
        if (i < _count && _items[i].Start < end)
        {
            overlap = new ByteRange(Math.Max(start, _items[i].Start), Math.Min(end, _items[i].End));
            return true;
        }

        overlap = default;
        return false;
    }

    /// <summary>The sum of the lengths of all ranges.</summary>
    public ulong TotalLength()
    {
        ulong total = 0;
        for (int i = 0; i < _count; i++)
        {
            total += _items[i].Length;
        }

        return total;
    }

    /// <summary>Index of the first range with End ≥ <paramref name="value"/> (binary search).</summary>
    private int LowerBoundByEnd(ulong value)
    {
        int lo = 0;
        int hi = _count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_items[mid].End < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    private void EnsureCapacity(int needed)
    {
        if (needed > _items.Length)
        {
            Array.Resize(ref _items, Math.Min(MaxCount, Math.Max(needed, _items.Length * 2)));
        }
    }
}
