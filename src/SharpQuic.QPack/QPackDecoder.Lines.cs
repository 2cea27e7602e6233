namespace SharpQuic.QPack;

/// <summary>Field line representations (RFC 9204 §4.5.2–§4.5.6).</summary>
public sealed partial class QPackDecoder
{
    private FieldSectionStatus DecodeLines(long streamId, ReadOnlySpan<byte> s, long requiredInsertCount, long baseIndex, QPackFieldList fields, out QPackError error)
    {
        int startCount = fields.Count;
        long startSize = fields.FieldSectionSize;
        int pos = 0;
        while (pos < s.Length)
        {
            if (!TryDecodeLine(s, ref pos, requiredInsertCount, baseIndex, fields)
                || fields.FieldSectionSize - startSize > _options.MaxFieldSectionSize)
            {
                fields.Truncate(startCount);
                return Fail(out error);
            }
        }

        if (requiredInsertCount > 0)
        {
            // RFC 9204 §4.4.1: acknowledge sections that referenced the dynamic table.
            AppendDecoderInstruction((ulong)streamId, 7, 0x80);
            _knownReceivedCount = Math.Max(_knownReceivedCount, requiredInsertCount);
        }

        error = QPackError.None;
        return FieldSectionStatus.Decoded;
    }

    private bool TryDecodeLine(ReadOnlySpan<byte> s, ref int pos, long ric, long baseIndex, QPackFieldList fields)
    {
        ReadOnlySpan<byte> rest = s[pos..];
        byte b = rest[0];
        ulong index;
        int n;
        if ((b & 0x80) != 0)
        {
            // §4.5.2 Indexed Field Line: 1 T index(6).
            if (QPackInteger.TryRead(rest, 6, out index, out n) != ParseStatus.Ok
                || !TryResolve((b & 0x40) != 0, false, index, ric, baseIndex, out byte[] name, out byte[] value))
            {
                return false;
            }

            pos += n;
            fields.Add(name, value);
            return true;
        }

        if ((b & 0x40) != 0)
        {
            // §4.5.4 Literal Field Line with Name Reference: 0 1 N T index(4), value.
            if (QPackInteger.TryRead(rest, 4, out index, out n) != ParseStatus.Ok
                || !TryResolve((b & 0x10) != 0, false, index, ric, baseIndex, out byte[] name, out _))
            {
                return false;
            }

            pos += n;
            return TryAddLiteral(s, ref pos, name, (b & 0x20) != 0, fields);
        }

        if ((b & 0x20) != 0)
        {
            // §4.5.6 Literal Field Line with Literal Name: 0 0 1 N H namelen(3), name, value.
            if (QPackString.TryReadHeader(rest, 3, out bool huffman, out int length, out n) != ParseStatus.Ok
                || length > rest.Length - n)
            {
                return false;
            }

            ReadOnlySpan<byte> encodedName = rest.Slice(n, length);
            byte[] scratch = Rent(QPackString.MaxDecodedLength(length, huffman));
            try
            {
                if (!QPackString.TryDecode(encodedName, huffman, scratch, out int nameLength))
                {
                    return false;
                }

                pos += n + length;
                return TryAddLiteral(s, ref pos, scratch.AsSpan(0, nameLength), (b & 0x10) != 0, fields);
            }
            finally
            {
                Return(scratch);
            }
        }

        if ((b & 0x10) != 0)
        {
            // §4.5.3 Indexed Field Line with Post-Base Index: 0 0 0 1 index(4).
            if (QPackInteger.TryRead(rest, 4, out index, out n) != ParseStatus.Ok
                || !TryResolve(false, true, index, ric, baseIndex, out byte[] name, out byte[] value))
            {
                return false;
            }

            pos += n;
            fields.Add(name, value);
            return true;
        }

        // §4.5.5 Literal Field Line with Post-Base Name Reference: 0 0 0 0 N index(3), value.
        if (QPackInteger.TryRead(rest, 3, out index, out n) != ParseStatus.Ok
            || !TryResolve(false, true, index, ric, baseIndex, out byte[] postName, out _))
        {
            return false;
        }

        pos += n;
        return TryAddLiteral(s, ref pos, postName, (b & 0x08) != 0, fields);
    }

    // Reads a value string literal (7-bit length prefix) at s[pos] and appends the line.
    private static bool TryAddLiteral(ReadOnlySpan<byte> s, ref int pos, ReadOnlySpan<byte> name, bool neverIndexed, QPackFieldList fields)
    {
        ReadOnlySpan<byte> rest = s[pos..];
        if (QPackString.TryReadHeader(rest, 7, out bool huffman, out int length, out int n) != ParseStatus.Ok
            || length > rest.Length - n)
        {
            return false;
        }

        Span<byte> dest = fields.Reserve(name.Length + QPackString.MaxDecodedLength(length, huffman));
        name.CopyTo(dest);
        if (!QPackString.TryDecode(rest.Slice(n, length), huffman, dest[name.Length..], out int valueLength))
        {
            return false;
        }

        fields.Commit(name.Length, valueLength, neverIndexed);
        pos += n + length;
        return true;
    }

    // Maps a static index, a relative index (§3.2.5) or a post-base index (§3.2.6) to an entry; references at
    // or above the Required Insert Count, or to evicted entries, are errors (§2.2.3, §4.5.1.1).
    private bool TryResolve(bool isStatic, bool postBase, ulong index, long ric, long baseIndex, out byte[] name, out byte[] value)
    {
        name = value = [];
        long absolute;
        if (isStatic)
        {
            if (index >= (ulong)StaticTable.Count)
            {
                return false;
            }

            name = StaticTable.Names[(int)index];
            value = StaticTable.Values[(int)index];
            return true;
        }

        if (postBase)
        {
            if (baseIndex >= ric || index >= (ulong)(ric - baseIndex))
            {
                return false;
            }

            absolute = baseIndex + (long)index;
        }
        else
        {
            if (index >= (ulong)baseIndex)
            {
                return false;
            }

            absolute = baseIndex - 1 - (long)index;
            if (absolute >= ric)
            {
                return false;
            }
        }

        if (!_table.TryGet(absolute, out DynamicTable.Entry entry))
        {
            return false;
        }

        name = entry.Name;
        value = entry.Value;
        return true;
    }
}
