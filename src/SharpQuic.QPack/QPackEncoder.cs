using System.Buffers;

namespace SharpQuic.QPack;

/// <summary>
/// Sans-IO QPACK encoder (RFC 9204 §2.1). <see cref="EncodeFieldSection"/> writes one encoded field section
/// and any encoder-stream instructions it needs (dynamic table inserts) to caller-supplied writers;
/// <see cref="OnDecoderStreamData"/> takes the peer decoder's acknowledgments, which advance the Known Received
/// Count and release entries for eviction. The encoder never blocks more streams than the peer allows and
/// never evicts an entry an unacknowledged section references (§2.1.1, §2.1.2).
/// </summary>
public sealed partial class QPackEncoder
{
    private readonly DynamicTable _table;
    private readonly long _maxEntries;
    private readonly int _maxBlockedStreams;
    private readonly List<Outstanding> _outstanding = [];
    private byte[] _lines = new byte[256];
    private int _linesLength;
    private readonly int[] _history = new int[HistorySize];
    private int _historyNext;
    private bool _capacityPending;

    private const int HistorySize = 128;

    /// <summary>
    /// Creates an encoder for a peer that advertised <paramref name="peerMaxTableCapacity"/> and
    /// <paramref name="peerMaxBlockedStreams"/> (RFC 9204 §5); <paramref name="tableCapacity"/> is the capacity
    /// we use, at most the peer's maximum (0 keeps to static table and literals).
    /// </summary>
    public QPackEncoder(long peerMaxTableCapacity, int peerMaxBlockedStreams, long tableCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(peerMaxTableCapacity);
        ArgumentOutOfRangeException.ThrowIfNegative(peerMaxBlockedStreams);
        ArgumentOutOfRangeException.ThrowIfNegative(tableCapacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(tableCapacity, Math.Min(peerMaxTableCapacity, 1L << 30));
        _table = new DynamicTable(tableCapacity);
        _table.TrySetCapacity(tableCapacity);
        _maxEntries = peerMaxTableCapacity / DynamicTable.EntryOverhead;
        _maxBlockedStreams = peerMaxBlockedStreams;
        _capacityPending = tableCapacity > 0;
    }

    /// <summary>Number of insertions sent on the encoder stream.</summary>
    public long InsertCount => _table.InsertCount;

    /// <summary>Insertions the decoder has acknowledged (RFC 9204 §2.1.4).</summary>
    public long KnownReceivedCount { get; private set; }

    /// <summary>Streams whose unacknowledged sections may be blocked at the decoder (§2.1.2).</summary>
    public int BlockedStreamCount
    {
        get
        {
            int count = 0;
            for (int i = 0; i < _outstanding.Count; i++)
            {
                if (_outstanding[i].RequiredInsertCount > KnownReceivedCount && !IsCountedEarlier(i))
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>Current dynamic table size in bytes (entries + 32 each).</summary>
    public long TableSize => _table.Size;

    /// <summary>
    /// Encodes <paramref name="fields"/> for <paramref name="streamId"/>: the field section goes to
    /// <paramref name="section"/>, dynamic table instructions to <paramref name="encoderStream"/> (which must
    /// reach the peer; sections may arrive first and block, within the peer's limit). Lines flagged
    /// never-indexed are sent as literals with the N bit and never inserted (§4.5.4, §7.1.3).
    /// </summary>
    public void EncodeFieldSection(long streamId, QPackFieldList fields, IBufferWriter<byte> section, IBufferWriter<byte> encoderStream)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(encoderStream);
        if (_capacityPending)
        {
            // RFC 9204 §3.2.3: the decoder starts at capacity 0.
            WriteInteger(encoderStream, (ulong)_table.Capacity, 5, 0x20);
            _capacityPending = false;
        }

        bool canBlock = StreamMayBlock(streamId);
        long baseIndex = _table.InsertCount;
        var state = new SectionState { MinReference = long.MaxValue };
        _linesLength = 0;
        for (int i = 0; i < fields.Count; i++)
        {
            EncodeLine(fields.GetName(i), fields.GetValue(i), fields.IsNeverIndexed(i), baseIndex, canBlock, ref state, encoderStream);
        }

        long ric = state.MaxReference + 1;
        ulong encodedRic = ric == 0 ? 0 : (ulong)(ric % (2 * _maxEntries)) + 1; // §4.5.1.1
        bool sign = baseIndex < ric;
        ulong delta = sign ? (ulong)(ric - baseIndex - 1) : (ulong)(baseIndex - ric); // §4.5.1.2
        Span<byte> prefix = section.GetSpan(2 * QPackInteger.MaxLength);
        int n = QPackInteger.Write(prefix, encodedRic, 8, 0);
        n += QPackInteger.Write(prefix[n..], delta, 7, sign ? (byte)0x80 : (byte)0);
        section.Advance(n);
        section.Write(_lines.AsSpan(0, _linesLength));

        if (ric > 0)
        {
            _outstanding.Add(new Outstanding(streamId, ric, state.MinReference));
        }
    }

    private void EncodeLine(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, bool neverIndexed, long baseIndex, bool canBlock, ref SectionState state, IBufferWriter<byte> encoderStream)
    {
        int staticIndex = StaticTable.Find(name, value, out bool staticExact);
        if (staticExact)
        {
            // §4.5.2 with T=1.
            AppendInteger((ulong)staticIndex, 6, 0xC0);
            return;
        }

        long dynIndex = _table.Find(name, value, _table.FirstIndex, out bool dynExact);
        if (dynIndex >= 0 && !(dynIndex < KnownReceivedCount || canBlock))
        {
            dynIndex = -1; // referencing an unacknowledged entry could block this stream beyond the limit
            dynExact = false;
        }

        if (dynExact && !neverIndexed)
        {
            AppendIndexed(dynIndex, baseIndex, ref state);
            return;
        }

        long entrySize = DynamicTable.EntrySize(name.Length, value.Length);
        if (!neverIndexed && !dynExact && entrySize <= _table.Capacity * 3 / 4
            && SeenBefore(name, value)
            && _table.CanInsert(entrySize, PinnedFrom(state.MinReference)))
        {
            // Insert for later sections. The new entry is referenced right away (post-base) only when this
            // stream may block; otherwise this line goes as a literal and later sections use the entry once
            // the decoder has acknowledged it.
            long nameRef = staticIndex < 0 ? _table.Find(name, [], _table.FirstIndex, out _) : -1;
            WriteInsert(encoderStream, name, value, staticIndex, nameRef);
            _table.TryInsert(name.ToArray(), value.ToArray());
            if (canBlock)
            {
                AppendIndexed(_table.InsertCount - 1, baseIndex, ref state);
                return;
            }

            // The insert may have evicted the name match found above.
            if (dynIndex >= 0 && dynIndex < _table.FirstIndex)
            {
                dynIndex = -1;
            }
        }

        byte n = neverIndexed ? (byte)0x20 : (byte)0;
        if (staticIndex >= 0)
        {
            // §4.5.4 with T=1.
            AppendInteger((ulong)staticIndex, 4, (byte)(0x50 | n));
        }
        else if (dynIndex >= 0)
        {
            Reference(dynIndex, ref state);
            if (dynIndex < baseIndex)
            {
                AppendInteger((ulong)(baseIndex - 1 - dynIndex), 4, (byte)(0x40 | n));
            }
            else
            {
                // §4.5.5: N is bit 3 here.
                AppendInteger((ulong)(dynIndex - baseIndex), 3, (byte)(n >> 2));
            }
        }
        else
        {
            // §4.5.6: 0 0 1 N H namelen(3).
            AppendString(name, 3, (byte)(0x20 | (n >> 1)));
        }

        AppendString(value, 7, 0);
    }

    // §4.3.2 / §4.3.3: Insert with (static or dynamic) Name Reference, or with Literal Name.
    private void WriteInsert(IBufferWriter<byte> encoderStream, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int staticIndex, long dynamicNameIndex)
    {
        Span<byte> dest = encoderStream.GetSpan(QPackString.MaxWriteLength(name.Length) + QPackString.MaxWriteLength(value.Length));
        int n;
        if (staticIndex >= 0)
        {
            n = QPackInteger.Write(dest, (ulong)staticIndex, 6, 0xC0);
        }
        else if (dynamicNameIndex >= 0)
        {
            n = QPackInteger.Write(dest, (ulong)(_table.InsertCount - 1 - dynamicNameIndex), 6, 0x80);
        }
        else
        {
            n = QPackString.Write(dest, name, 5, 0x40);
        }

        n += QPackString.Write(dest[n..], value, 7, 0);
        encoderStream.Advance(n);
    }

    private void AppendIndexed(long absolute, long baseIndex, ref SectionState state)
    {
        Reference(absolute, ref state);
        if (absolute < baseIndex)
        {
            AppendInteger((ulong)(baseIndex - 1 - absolute), 6, 0x80); // §4.5.2, T=0, relative index
        }
        else
        {
            AppendInteger((ulong)(absolute - baseIndex), 4, 0x10); // §4.5.3 post-base index
        }
    }

    // Inserting every line wastes encoder-stream bytes on one-off values (paths, dates): insert a line only
    // when it was seen in one of the last HistorySize lines. The history is a fixed ring of hashes.
    private bool SeenBefore(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var hc = new HashCode();
        hc.AddBytes(name);
        hc.Add(name.Length);
        hc.AddBytes(value);
        int hash = hc.ToHashCode() | 1; // 0 marks an empty slot
        foreach (int h in _history)
        {
            if (h == hash)
            {
                return true;
            }
        }

        _history[_historyNext] = hash;
        _historyNext = (_historyNext + 1) % _history.Length;
        return false;
    }

    private static void Reference(long absolute, ref SectionState state)
    {
        state.MaxReference = Math.Max(state.MaxReference, absolute);
        state.MinReference = Math.Min(state.MinReference, absolute);
    }

    // Oldest entry that must not be evicted: referenced by an unacknowledged section or by this one (§2.1.1).
    private long PinnedFrom(long current)
    {
        long pinned = current;
        foreach (Outstanding o in _outstanding)
        {
            pinned = Math.Min(pinned, o.MinReference);
        }

        return pinned;
    }

    private bool StreamMayBlock(long streamId)
    {
        int blocked = 0;
        for (int i = 0; i < _outstanding.Count; i++)
        {
            Outstanding o = _outstanding[i];
            if (o.RequiredInsertCount > KnownReceivedCount)
            {
                if (o.StreamId == streamId)
                {
                    return true; // already counted against the limit
                }

                if (!IsCountedEarlier(i))
                {
                    blocked++;
                }
            }
        }

        return blocked < _maxBlockedStreams;
    }

    private bool IsCountedEarlier(int index)
    {
        for (int j = 0; j < index; j++)
        {
            if (_outstanding[j].StreamId == _outstanding[index].StreamId && _outstanding[j].RequiredInsertCount > KnownReceivedCount)
            {
                return true;
            }
        }

        return false;
    }

    private void AppendInteger(ulong value, int prefixBits, byte flags)
    {
        EnsureLines(QPackInteger.MaxLength);
        _linesLength += QPackInteger.Write(_lines.AsSpan(_linesLength), value, prefixBits, flags);
    }

    private void AppendString(ReadOnlySpan<byte> value, int prefixBits, byte flags)
    {
        EnsureLines(QPackString.MaxWriteLength(value.Length));
        _linesLength += QPackString.Write(_lines.AsSpan(_linesLength), value, prefixBits, flags);
    }

    private void EnsureLines(int extra)
    {
        if (_lines.Length - _linesLength < extra)
        {
            Array.Resize(ref _lines, Math.Max(_lines.Length * 2, _linesLength + extra));
        }
    }

    private static void WriteInteger(IBufferWriter<byte> writer, ulong value, int prefixBits, byte flags)
    {
        int n = QPackInteger.Write(writer.GetSpan(QPackInteger.MaxLength), value, prefixBits, flags);
        writer.Advance(n);
    }

    private struct SectionState
    {
        public long MaxReference; // -1 when the section references no dynamic entry
        public long MinReference;

        public SectionState()
        {
            MaxReference = -1;
            MinReference = long.MaxValue;
        }
    }

    private readonly record struct Outstanding(long StreamId, long RequiredInsertCount, long MinReference);
}
