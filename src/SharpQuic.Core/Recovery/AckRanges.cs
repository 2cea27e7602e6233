using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Recovery;

/// <summary>
/// A set of received packet numbers as sorted, disjoint, non-adjacent ranges, largest first —
/// the order an ACK frame lists them in (RFC 9000 §19.3.1). The number of ranges is bounded:
/// when a new range would exceed it, the smallest range is forgotten and <see cref="Floor"/>
/// rises above it, so its numbers are afterwards refused as too old (RFC 9000 §13.2.3: a
/// receiver keeps a minimum packet number that increases as ranges are discarded).
/// </summary>
public sealed class AckRanges
{
    private readonly AckRange[] _ranges;
    private int _count;

    /// <summary>Creates an empty set holding at most <paramref name="maxRanges"/> ranges.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRanges"/> is below 1 or above 4096.</exception>
    public AckRanges(int maxRanges = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRanges, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxRanges, 4096);
        MaxRanges = maxRanges;
        _ranges = new AckRange[maxRanges + 1];
    }

    /// <summary>The most ranges kept.</summary>
    public int MaxRanges { get; }

    /// <summary>The number of ranges.</summary>
    public int Count => _count;

    /// <summary>The ranges, largest first; valid until the next change.</summary>
    public ReadOnlySpan<AckRange> Ranges => _ranges.AsSpan(0, _count);

    /// <summary>Numbers below this were forgotten (dropped or pruned) and are refused by <see cref="Insert"/>.</summary>
    public ulong Floor { get; private set; }

    /// <summary>The largest number held, or null when empty.</summary>
    public ulong? Largest => _count > 0 ? _ranges[0].Largest : null;

    /// <summary>Whether <paramref name="packetNumber"/> is held.</summary>
    public bool Contains(ulong packetNumber) => IndexOf(packetNumber) >= 0;

    /// <summary>The range holding <paramref name="packetNumber"/>, if any.</summary>
    public bool TryGetRange(ulong packetNumber, out AckRange range)
    {
        int i = IndexOf(packetNumber);
        range = i >= 0 ? _ranges[i] : default;
        return i >= 0;
    }

    /// <summary>
    /// Adds a number. Returns false when it was already held or is below <see cref="Floor"/>.
    /// Merges with neighbouring ranges; drops the smallest range when one too many.
    /// </summary>
    public bool Insert(ulong packetNumber)
    {
        if (packetNumber < Floor)
        {
            return false;
        }

        // Most packets arrive in order and extend the first range: the scan ends at once.
        int i = 0;
        while (i < _count && _ranges[i].Smallest > packetNumber)
        {
            i++;
        }

        if (i < _count && packetNumber <= _ranges[i].Largest)
        {
            return false;
        }

        // packetNumber lies between _ranges[i - 1] (above) and _ranges[i] (below).
        bool joinsAbove = i > 0 && _ranges[i - 1].Smallest == packetNumber + 1;
        bool joinsBelow = i < _count && _ranges[i].Largest + 1 == packetNumber;
        if (joinsAbove && joinsBelow)
        {
            _ranges[i - 1] = new AckRange(_ranges[i].Smallest, _ranges[i - 1].Largest);
            RemoveAt(i);
        }
        else if (joinsAbove)
        {
            _ranges[i - 1] = new AckRange(packetNumber, _ranges[i - 1].Largest);
        }
        else if (joinsBelow)
        {
            _ranges[i] = new AckRange(_ranges[i].Smallest, packetNumber);
        }
        else
        {
            Array.Copy(_ranges, i, _ranges, i + 1, _count - i);
            _ranges[i] = new AckRange(packetNumber, packetNumber);
            _count++;
            if (_count > MaxRanges)
            {
                _count--;
                Floor = _ranges[_count].Largest + 1;
            }
        }

        return true;
    }

    /// <summary>Forgets every number at or below <paramref name="packetNumber"/> and raises <see cref="Floor"/> above it.</summary>
    public void RemoveAtOrBelow(ulong packetNumber)
    {
        while (_count > 0 && _ranges[_count - 1].Largest <= packetNumber)
        {
            _count--;
        }

        if (_count > 0 && _ranges[_count - 1].Smallest <= packetNumber)
        {
            _ranges[_count - 1] = new AckRange(packetNumber + 1, _ranges[_count - 1].Largest);
        }

        if (packetNumber >= Floor)
        {
            Floor = packetNumber + 1;
        }
    }

    /// <summary>Forgets everything and resets <see cref="Floor"/> to zero.</summary>
    public void Clear()
    {
        _count = 0;
        Floor = 0;
    }

    private int IndexOf(ulong packetNumber)
    {
        for (int i = 0; i < _count; i++)
        {
            AckRange r = _ranges[i];
            if (packetNumber > r.Largest)
            {
                return -1;
            }

            if (packetNumber >= r.Smallest)
            {
                return i;
            }
        }

        return -1;
    }

    private void RemoveAt(int index)
    {
        Array.Copy(_ranges, index + 1, _ranges, index, _count - index - 1);
        _count--;
    }
}
