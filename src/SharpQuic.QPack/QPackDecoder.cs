using System.Buffers;

namespace SharpQuic.QPack;

/// <summary>
/// Sans-IO QPACK decoder (RFC 9204 §2.2). Inputs: <see cref="OnEncoderStreamData"/> (bytes of the peer's
/// encoder stream, any chunking) and <see cref="DecodeFieldSection"/> (one complete encoded field section per
/// HEADERS frame). Outputs: decoded lines into a caller's <see cref="QPackFieldList"/>, sections that
/// became decodable from <see cref="TryDecodeUnblocked"/> after encoder-stream data, and decoder-stream bytes
/// from <see cref="DrainDecoderStream"/>. Peer errors are returned, never thrown; after one the decoder stays
/// failed with that error (it is a connection error).
/// </summary>
public sealed partial class QPackDecoder
{
    private readonly QPackDecoderOptions _options;
    private readonly DynamicTable _table;
    private readonly List<BlockedSection> _blocked = [];
    private readonly int _maxEncoderPending;
    private byte[] _encoderPending = [];
    private int _encoderPendingLength;
    private byte[] _decoderStream = new byte[64];
    private int _decoderStreamLength;
    private long _knownReceivedCount;
    private QPackError _error;

    /// <summary>Creates a decoder enforcing <paramref name="options"/>.</summary>
    public QPackDecoder(QPackDecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxTableCapacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.MaxTableCapacity, 1L << 30);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxBlockedStreams);
        _options = options;
        _table = new DynamicTable(options.MaxTableCapacity);
        _table.TrySetCapacity(Math.Min(options.InitialTableCapacity, options.MaxTableCapacity));

        // Longest acceptable encoder instruction: two 10-byte integers plus strings whose decoded size fits
        // the table; Huffman can stretch a byte to 30 bits, hence 4x.
        _maxEncoderPending = (int)(4 * options.MaxTableCapacity) + (3 * QPackInteger.MaxLength);
    }

    /// <summary>Total number of dynamic table insertions received.</summary>
    public long InsertCount => _table.InsertCount;

    /// <summary>Current dynamic table size in bytes (entries + 32 each).</summary>
    internal long TableSize => _table.Size;

    /// <summary>Current dynamic table capacity.</summary>
    internal long TableCapacity => _table.Capacity;

    /// <summary>Number of field sections currently blocked.</summary>
    public int BlockedStreamCount => _blocked.Count;

    /// <summary>The connection error, once one happened.</summary>
    public QPackError Error => _error;

    /// <summary>Decoder-stream bytes waiting for <see cref="DrainDecoderStream"/> (an Insert Count Increment may add up to 10).</summary>
    public int PendingDecoderStreamLength =>
        _decoderStreamLength + (_table.InsertCount > _knownReceivedCount ? QPackInteger.MaxLength : 0);

    /// <summary>
    /// Decodes one complete encoded field section received on <paramref name="streamId"/> (RFC 9204 §4.5).
    /// On <see cref="FieldSectionStatus.Decoded"/> the lines were appended to <paramref name="fields"/>; on
    /// <see cref="FieldSectionStatus.Blocked"/> the decoder kept a copy; on failure nothing was appended.
    /// </summary>
    public FieldSectionStatus DecodeFieldSection(long streamId, ReadOnlySpan<byte> section, QPackFieldList fields, out QPackError error)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (_error != QPackError.None)
        {
            error = _error;
            return FieldSectionStatus.Failed;
        }

        if (!TryReadPrefix(section, out long requiredInsertCount, out long baseIndex, out int consumed))
        {
            return Fail(out error);
        }

        if (requiredInsertCount > _table.InsertCount)
        {
            // RFC 9204 §2.1.2: hold the section; refuse more blocked streams than we advertised.
            if (_blocked.Count >= _options.MaxBlockedStreams || section.Length > _options.MaxFieldSectionSize)
            {
                return Fail(out error);
            }

            _blocked.Add(new BlockedSection(streamId, requiredInsertCount, baseIndex, section[consumed..].ToArray()));
            error = QPackError.None;
            return FieldSectionStatus.Blocked;
        }

        return DecodeLines(streamId, section[consumed..], requiredInsertCount, baseIndex, fields, out error);
    }

    /// <summary>
    /// Decodes the oldest blocked section whose Required Insert Count has been reached, if any. Returns false
    /// when none is ready; otherwise <paramref name="status"/> is Decoded or Failed for that stream.
    /// </summary>
    public bool TryDecodeUnblocked(QPackFieldList fields, out long streamId, out FieldSectionStatus status, out QPackError error)
    {
        ArgumentNullException.ThrowIfNull(fields);
        for (int i = 0; i < _blocked.Count; i++)
        {
            BlockedSection b = _blocked[i];
            if (b.RequiredInsertCount <= _table.InsertCount)
            {
                _blocked.RemoveAt(i);
                streamId = b.StreamId;
                status = _error != QPackError.None
                    ? FieldSectionStatus.Failed
                    : DecodeLines(b.StreamId, b.Lines, b.RequiredInsertCount, b.Base, fields, out _);
                error = _error;
                return true;
            }
        }

        streamId = 0;
        status = FieldSectionStatus.Decoded;
        error = QPackError.None;
        return false;
    }

    /// <summary>
    /// The stream was reset or its reading abandoned: drop any blocked section and tell the encoder with a
    /// Stream Cancellation (RFC 9204 §4.4.2), omitted when the dynamic table is disabled.
    /// </summary>
    public void CancelStream(long streamId)
    {
        _blocked.RemoveAll(b => b.StreamId == streamId);
        if (_options.MaxTableCapacity > 0)
        {
            AppendDecoderInstruction((ulong)streamId, 6, 0x40);
        }
    }

    /// <summary>
    /// Copies pending decoder-stream instructions (Section Acknowledgment, Stream Cancellation, then an
    /// Insert Count Increment for inserts not yet acknowledged; RFC 9204 §4.4) into
    /// <paramref name="destination"/>; returns the bytes written. Instructions are never split.
    /// </summary>
    public int DrainDecoderStream(Span<byte> destination)
    {
        if (_table.InsertCount > _knownReceivedCount)
        {
            // RFC 9204 §4.4.3: acknowledge inserts that no Section Acknowledgment covered.
            AppendDecoderInstruction((ulong)(_table.InsertCount - _knownReceivedCount), 6, 0x00);
            _knownReceivedCount = _table.InsertCount;
        }

        int n = 0;
        while (n < _decoderStreamLength)
        {
            // Instruction boundaries: every instruction is one prefixed integer; Section Acknowledgment
            // (pattern 1) has a 7-bit prefix, the others a 6-bit one (RFC 9204 §4.4).
            int prefix = (_decoderStream[n] & 0x80) != 0 ? 7 : 6;
            QPackInteger.TryRead(_decoderStream.AsSpan(n, _decoderStreamLength - n), prefix, out _, out int len);
            if (n + len > destination.Length)
            {
                break;
            }

            n += len;
        }

        _decoderStream.AsSpan(0, n).CopyTo(destination);
        _decoderStream.AsSpan(n, _decoderStreamLength - n).CopyTo(_decoderStream);
        _decoderStreamLength -= n;
        return n;
    }

    // RFC 9204 §4.5.1: Required Insert Count (§4.5.1.1) and Base (§4.5.1.2).
    private bool TryReadPrefix(ReadOnlySpan<byte> section, out long requiredInsertCount, out long baseIndex, out int consumed)
    {
        requiredInsertCount = 0;
        baseIndex = 0;
        consumed = 0;
        if (QPackInteger.TryRead(section, 8, out ulong encoded, out int n1) != ParseStatus.Ok)
        {
            return false;
        }

        if (QPackInteger.TryRead(section[n1..], 7, out ulong delta, out int n2) != ParseStatus.Ok)
        {
            return false;
        }

        consumed = n1 + n2;
        if (encoded != 0)
        {
            long maxEntries = _options.MaxTableCapacity / DynamicTable.EntryOverhead;
            long fullRange = 2 * maxEntries;
            if ((long)encoded > fullRange)
            {
                return false;
            }

            long maxValue = _table.InsertCount + maxEntries;
            long maxWrapped = maxValue / fullRange * fullRange;
            long ric = maxWrapped + (long)encoded - 1;
            if (ric > maxValue)
            {
                if (ric <= fullRange)
                {
                    return false;
                }

                ric -= fullRange;
            }

            if (ric == 0)
            {
                return false;
            }

            requiredInsertCount = ric;
        }

        bool sign = (section[n1] & 0x80) != 0;
        if (sign)
        {
            if ((ulong)requiredInsertCount <= delta)
            {
                return false;
            }

            baseIndex = requiredInsertCount - (long)delta - 1;
        }
        else
        {
            baseIndex = requiredInsertCount + (long)delta;
        }

        return true;
    }

    private FieldSectionStatus Fail(out QPackError error)
    {
        _error = QPackError.DecompressionFailed;
        error = _error;
        return FieldSectionStatus.Failed;
    }

    private void AppendDecoderInstruction(ulong value, int prefixBits, byte flags)
    {
        if (_decoderStream.Length - _decoderStreamLength < QPackInteger.MaxLength)
        {
            Array.Resize(ref _decoderStream, _decoderStream.Length * 2);
        }

        _decoderStreamLength += QPackInteger.Write(_decoderStream.AsSpan(_decoderStreamLength), value, prefixBits, flags);
    }

    private static byte[] Rent(int length) => ArrayPool<byte>.Shared.Rent(Math.Max(length, 16));

    private static void Return(byte[] buffer) => ArrayPool<byte>.Shared.Return(buffer);

    private sealed record BlockedSection(long StreamId, long RequiredInsertCount, long Base, byte[] Lines);
}
