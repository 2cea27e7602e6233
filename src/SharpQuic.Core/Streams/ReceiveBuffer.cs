namespace SharpQuic.Core.Streams;

/// <summary>
/// Reassembles one stream's received data (RFC 9000 §2.2): frames may arrive out of order,
/// overlap or repeat; the application reads contiguous bytes in order. Data is copied into
/// pooled chunks indexed by offset, allocated only where data arrives and returned as soon as
/// the reader has passed them, so at most <see cref="Capacity"/> bytes beyond the read offset
/// (the largest flow control window) are ever held.
/// </summary>
/// <remarks>
/// The buffer checks only its own capacity; flow control (FLOW_CONTROL_ERROR) and final size
/// (FINAL_SIZE_ERROR) rules belong to <see cref="ReceiveStream"/>, which calls in here after them.
/// </remarks>
internal sealed class ReceiveBuffer
{
    private readonly ChunkPool _pool;
    private readonly int _chunkSize;
    private readonly RangeSet _received;
    private readonly int _maxSlots;
    private byte[]?[] _slots;
    private int _head;
    private ulong _base;

    /// <summary>Creates a buffer that accepts data up to <paramref name="capacity"/> bytes past the read offset.</summary>
    public ReceiveBuffer(ChunkPool pool, ulong capacity, int maxRanges)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1UL);
        _pool = pool;
        _chunkSize = pool.ChunkSize;
        Capacity = capacity;
        _received = new RangeSet(maxRanges);

        // One slot per chunk of the window, plus one because the read offset is rarely aligned.
        // The ring starts small and grows as data arrives further ahead (windows auto-tune).
        _maxSlots = checked((int)(((capacity + (ulong)_chunkSize - 1) / (ulong)_chunkSize) + 1));
        _slots = new byte[]?[Math.Min(_maxSlots, 4)];
    }

    /// <summary>The most bytes accepted beyond <see cref="ReadOffset"/>.</summary>
    public ulong Capacity { get; }

    /// <summary>Bytes delivered to the application so far.</summary>
    public ulong ReadOffset { get; private set; }

    /// <summary>Contiguous bytes ready to read.</summary>
    public ulong Readable => !_received.IsEmpty && _received.First.Start <= ReadOffset ? _received.First.End - ReadOffset : 0;

    /// <summary>Offset one past the highest byte buffered (or <see cref="ReadOffset"/> when nothing is).</summary>
    public ulong BufferedEnd => _received.IsEmpty ? ReadOffset : _received.Last.End;

    /// <summary>Number of chunks currently holding data (for tests: memory stays bounded).</summary>
    public int ChunkCount
    {
        get
        {
            int n = 0;
            foreach (byte[]? slot in _slots)
            {
                n += slot is null ? 0 : 1;
            }

            return n;
        }
    }

    /// <summary>
    /// Stores <paramref name="data"/> received at <paramref name="offset"/>. Bytes already read are
    /// ignored, repeats overwrite identical bytes. Returns false when the data reaches beyond
    /// <see cref="Capacity"/> or would fragment the buffer into more holes than allowed; nothing
    /// is stored then.
    /// </summary>
    public bool TryInsert(ulong offset, ReadOnlySpan<byte> data)
    {
        ulong end = offset + (ulong)data.Length;
        if (end <= ReadOffset)
        {
            return true;
        }

        if (end - ReadOffset > Capacity)
        {
            return false;
        }

        if (offset < ReadOffset)
        {
            data = data[(int)(ReadOffset - offset)..];
            offset = ReadOffset;
        }

        if (!_received.Add(offset, end))
        {
            return false;
        }

        while (!data.IsEmpty)
        {
            int inChunk = (int)((offset - _base) % (ulong)_chunkSize);
            int n = Math.Min(data.Length, _chunkSize - inChunk);
            int index = SlotIndex(offset); // may grow the ring: index before taking the element
            ref byte[]? slot = ref _slots[index];
            slot ??= _pool.Rent();
            data[..n].CopyTo(slot.AsSpan(inChunk, n));
            data = data[n..];
            offset += (ulong)n;
        }

        return true;
    }

    /// <summary>Copies contiguous bytes into <paramref name="destination"/>; returns how many.</summary>
    public int Read(Span<byte> destination)
    {
        int take = (int)Math.Min((ulong)destination.Length, Readable);
        int done = 0;
        while (done < take)
        {
            int inChunk = (int)((ReadOffset - _base) % (ulong)_chunkSize);
            int n = Math.Min(take - done, _chunkSize - inChunk);
            byte[] chunk = _slots[SlotIndex(ReadOffset)]!;
            chunk.AsSpan(inChunk, n).CopyTo(destination.Slice(done, n));
            done += n;
            Skip((ulong)n);
        }

        return done;
    }

    /// <summary>Drops everything buffered (stream reset or reading aborted) and returns the chunks.</summary>
    public void Discard()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i] is byte[] chunk)
            {
                _pool.Return(chunk);
                _slots[i] = null;
            }
        }

        _received.Clear();
    }

    private void Skip(ulong n)
    {
        ReadOffset += n;
        _received.RemoveBelow(ReadOffset);
        while (_base + (ulong)_chunkSize <= ReadOffset)
        {
            if (_slots[_head] is byte[] chunk)
            {
                _pool.Return(chunk);
                _slots[_head] = null;
            }

            _head = (_head + 1) % _slots.Length;
            _base += (ulong)_chunkSize;
        }
    }

    private int SlotIndex(ulong offset)
    {
        // offset < ReadOffset + Capacity (checked on insert), so the index stays below _maxSlots.
        int relative = (int)((offset - _base) / (ulong)_chunkSize);
        if (relative >= _slots.Length)
        {
            GrowSlots(relative + 1);
        }

        return (_head + relative) % _slots.Length;
    }

    private void GrowSlots(int needed)
    {
        var grown = new byte[]?[Math.Min(_maxSlots, Math.Max(needed, _slots.Length * 2))];
        for (int i = 0; i < _slots.Length; i++)
        {
            grown[i] = _slots[(_head + i) % _slots.Length];
        }

        _slots = grown;
        _head = 0;
    }
}
