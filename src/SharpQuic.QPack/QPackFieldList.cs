namespace SharpQuic.QPack;

/// <summary>
/// An ordered list of field lines (name, value, never-indexed flag) kept in one reusable byte arena, so a
/// list reused across sections allocates nothing once it has grown. Used for decoder output and encoder input.
/// Names and values are opaque octets: HTTP rules (lowercase names, pseudo-headers) belong to the HTTP layer.
/// </summary>
public sealed class QPackFieldList
{
    private byte[] _arena = new byte[256];
    private int _arenaUsed;
    private Line[] _lines = new Line[16];

    /// <summary>Number of field lines.</summary>
    public int Count { get; private set; }

    /// <summary>Sum over lines of name + value + 32 octets (RFC 9114 §4.2.2 field section size).</summary>
    public long FieldSectionSize { get; private set; }

    /// <summary>Name of line <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> GetName(int index)
    {
        Line l = GetLine(index);
        return _arena.AsSpan(l.Offset, l.NameLength);
    }

    /// <summary>Value of line <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> GetValue(int index)
    {
        Line l = GetLine(index);
        return _arena.AsSpan(l.Offset + l.NameLength, l.ValueLength);
    }

    /// <summary>
    /// Whether line <paramref name="index"/> must never enter a dynamic table (RFC 9204 §4.5.4 'N' bit):
    /// set by the peer on decoded lines, or by the caller for sensitive fields such as authorization.
    /// </summary>
    public bool IsNeverIndexed(int index) => GetLine(index).NeverIndexed;

    /// <summary>Appends a field line.</summary>
    public void Add(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed = false)
    {
        Span<byte> dest = Reserve(name.Length + value.Length);
        name.CopyTo(dest);
        value.CopyTo(dest[name.Length..]);
        Commit(name.Length, value.Length, neverIndexed);
    }

    /// <summary>Removes all lines, keeping the buffers.</summary>
    public void Clear()
    {
        Count = 0;
        _arenaUsed = 0;
        FieldSectionSize = 0;
    }

    /// <summary>Space for the next line's name and value, written in place by the decoder.</summary>
    internal Span<byte> Reserve(int length)
    {
        if (_arena.Length - _arenaUsed < length)
        {
            int newSize = (int)Math.Min(Array.MaxLength, Math.Max((long)_arena.Length * 2, (long)_arenaUsed + length));
            Array.Resize(ref _arena, newSize);
        }

        return _arena.AsSpan(_arenaUsed, length);
    }

    /// <summary>Records a line whose bytes were written at the start of the last <see cref="Reserve"/>.</summary>
    internal void Commit(int nameLength, int valueLength, bool neverIndexed)
    {
        if (Count == _lines.Length)
        {
            Array.Resize(ref _lines, _lines.Length * 2);
        }

        _lines[Count++] = new Line(_arenaUsed, nameLength, valueLength, neverIndexed);
        _arenaUsed += nameLength + valueLength;
        FieldSectionSize += (long)nameLength + valueLength + 32;
    }

    /// <summary>Drops lines from <paramref name="count"/> on (used to undo a failed section).</summary>
    internal void Truncate(int count)
    {
        while (Count > count)
        {
            Count--;
            Line l = _lines[Count];
            _arenaUsed = l.Offset;
            FieldSectionSize -= (long)l.NameLength + l.ValueLength + 32;
        }
    }

    private Line GetLine(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return _lines[index];
    }

    private readonly record struct Line(int Offset, int NameLength, int ValueLength, bool NeverIndexed);
}
