namespace SharpQuic.QPack;

/// <summary>Encoder-stream instructions (RFC 9204 §4.3) as seen by the decoder.</summary>
public sealed partial class QPackDecoder
{
    /// <summary>
    /// Processes bytes from the peer's encoder stream; instructions may be split anywhere. Returns
    /// <see cref="QPackError.EncoderStreamError"/> for an invalid instruction. Afterwards, call
    /// <see cref="TryDecodeUnblocked"/> until it returns false.
    /// </summary>
    public QPackError OnEncoderStreamData(ReadOnlySpan<byte> data)
    {
        if (_error != QPackError.None)
        {
            return _error;
        }

        if (_encoderPendingLength == 0)
        {
            int used = ProcessInstructions(data);
            return used < 0 ? _error : Keep(data[used..]);
        }

        if (Keep(data) != QPackError.None)
        {
            return _error;
        }

        int consumed = ProcessInstructions(_encoderPending.AsSpan(0, _encoderPendingLength));
        if (consumed < 0)
        {
            return _error;
        }

        _encoderPending.AsSpan(consumed, _encoderPendingLength - consumed).CopyTo(_encoderPending);
        _encoderPendingLength -= consumed;
        return QPackError.None;
    }

    // Buffers an incomplete instruction; its size is bounded by what a valid instruction can take.
    private QPackError Keep(ReadOnlySpan<byte> tail)
    {
        if (tail.IsEmpty)
        {
            return QPackError.None;
        }

        int needed = _encoderPendingLength + tail.Length;
        if (needed > _maxEncoderPending)
        {
            _error = QPackError.EncoderStreamError;
            return _error;
        }

        if (_encoderPending.Length < needed)
        {
            Array.Resize(ref _encoderPending, Math.Min(_maxEncoderPending, Math.Max(needed, _encoderPending.Length * 2)));
        }

        tail.CopyTo(_encoderPending.AsSpan(_encoderPendingLength));
        _encoderPendingLength = needed;
        return QPackError.None;
    }

    // Runs whole instructions; returns the bytes consumed, or -1 after an error.
    private int ProcessInstructions(ReadOnlySpan<byte> data)
    {
        int pos = 0;
        while (pos < data.Length)
        {
            ParseStatus status = TryInstruction(data[pos..], out int consumed);
            if (status == ParseStatus.NeedMore)
            {
                break;
            }

            if (status == ParseStatus.Invalid)
            {
                _error = QPackError.EncoderStreamError;
                return -1;
            }

            pos += consumed;
        }

        return pos;
    }

    private ParseStatus TryInstruction(ReadOnlySpan<byte> s, out int consumed)
    {
        consumed = 0;
        byte b = s[0];
        ParseStatus st;
        int n;
        if ((b & 0x80) != 0)
        {
            // §4.3.2 Insert with Name Reference: 1 T index(6), value.
            if ((st = QPackInteger.TryRead(s, 6, out ulong index, out n)) != ParseStatus.Ok)
            {
                return st;
            }

            byte[] name;
            if ((b & 0x40) != 0)
            {
                if (index >= (ulong)StaticTable.Count)
                {
                    return ParseStatus.Invalid;
                }

                name = StaticTable.Names[(int)index];
            }
            else
            {
                // Relative to the insert count (§3.2.5).
                if (index >= (ulong)_table.InsertCount
                    || !_table.TryGet(_table.InsertCount - 1 - (long)index, out DynamicTable.Entry entry))
                {
                    return ParseStatus.Invalid;
                }

                name = entry.Name;
            }

            return TryInsertValue(s, n, name, out consumed);
        }

        if ((b & 0x40) != 0)
        {
            // §4.3.3 Insert with Literal Name: 0 1 H namelen(5), name, value.
            if ((st = QPackString.TryReadHeader(s, 5, out bool huffman, out int length, out n)) != ParseStatus.Ok)
            {
                return st;
            }

            if (QPackString.MinDecodedLength(length, huffman) + DynamicTable.EntryOverhead > _table.Capacity)
            {
                return ParseStatus.Invalid;
            }

            if (length > s.Length - n)
            {
                return ParseStatus.NeedMore;
            }

            byte[] scratch = Rent(QPackString.MaxDecodedLength(length, huffman));
            try
            {
                if (!QPackString.TryDecode(s.Slice(n, length), huffman, scratch, out int nameLength))
                {
                    return ParseStatus.Invalid;
                }

                return TryInsertValue(s, n + length, scratch.AsSpan(0, nameLength).ToArray(), out consumed);
            }
            finally
            {
                Return(scratch);
            }
        }

        if ((b & 0x20) != 0)
        {
            // §4.3.1 Set Dynamic Table Capacity: 0 0 1 capacity(5).
            if ((st = QPackInteger.TryRead(s, 5, out ulong capacity, out n)) != ParseStatus.Ok)
            {
                return st;
            }

            if (capacity > (ulong)_table.MaxCapacity || !_table.TrySetCapacity((long)capacity))
            {
                return ParseStatus.Invalid;
            }

            consumed = n;
            return ParseStatus.Ok;
        }

        // §4.3.4 Duplicate: 0 0 0 index(5).
        if ((st = QPackInteger.TryRead(s, 5, out ulong dup, out n)) != ParseStatus.Ok)
        {
            return st;
        }

        if (dup >= (ulong)_table.InsertCount
            || !_table.TryGet(_table.InsertCount - 1 - (long)dup, out DynamicTable.Entry old)
            || !_table.TryInsert(old.Name, old.Value))
        {
            return ParseStatus.Invalid;
        }

        consumed = n;
        return ParseStatus.Ok;
    }

    // Reads the value literal (7-bit prefix) at s[offset] and inserts (name, value).
    private ParseStatus TryInsertValue(ReadOnlySpan<byte> s, int offset, byte[] name, out int consumed)
    {
        consumed = 0;
        ParseStatus st = QPackString.TryReadHeader(s[offset..], 7, out bool huffman, out int length, out int n);
        if (st != ParseStatus.Ok)
        {
            return st;
        }

        // §3.2.2: an entry larger than the capacity is an error; refuse it before buffering its bytes.
        if (name.Length + QPackString.MinDecodedLength(length, huffman) + DynamicTable.EntryOverhead > _table.Capacity)
        {
            return ParseStatus.Invalid;
        }

        if (length > s.Length - offset - n)
        {
            return ParseStatus.NeedMore;
        }

        byte[] scratch = Rent(QPackString.MaxDecodedLength(length, huffman));
        try
        {
            if (!QPackString.TryDecode(s.Slice(offset + n, length), huffman, scratch, out int valueLength)
                || !_table.TryInsert(name, scratch.AsSpan(0, valueLength).ToArray()))
            {
                return ParseStatus.Invalid;
            }
        }
        finally
        {
            Return(scratch);
        }

        consumed = offset + n + length;
        return ParseStatus.Ok;
    }
}
