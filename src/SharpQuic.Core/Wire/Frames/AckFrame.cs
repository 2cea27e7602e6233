namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// ACK (RFC 9000 §19.3), types 0x02 and 0x03 (with ECN counts). A parsed frame keeps the raw
/// bytes of its additional ranges and hands them out through <see cref="GetEnumerator"/>;
/// every range was checked when the frame was parsed, so enumerating cannot fail. The ACK
/// Delay is the raw field: the connection scales it by the peer's ack_delay_exponent.
/// </summary>
public readonly ref struct AckFrame
{
    private readonly ReadOnlySpan<byte> _rangeBytes;

    private AckFrame(ulong largest, ulong ackDelay, ulong firstRange, int rangeCount, ReadOnlySpan<byte> rangeBytes, EcnCounts? ecn)
    {
        LargestAcknowledged = largest;
        AckDelay = ackDelay;
        FirstAckRange = firstRange;
        AdditionalRangeCount = rangeCount;
        _rangeBytes = rangeBytes;
        Ecn = ecn;
    }

    /// <summary>The largest packet number acknowledged.</summary>
    public ulong LargestAcknowledged { get; }

    /// <summary>The raw ACK Delay field (not yet scaled by the ack_delay_exponent).</summary>
    public ulong AckDelay { get; }

    /// <summary>The number of packets below <see cref="LargestAcknowledged"/> in the first range.</summary>
    public ulong FirstAckRange { get; }

    /// <summary>The number of (Gap, ACK Range Length) pairs after the first range.</summary>
    public int AdditionalRangeCount { get; }

    /// <summary>The ECN counters for type 0x03, or null for type 0x02.</summary>
    public EcnCounts? Ecn { get; }

    /// <summary>The wire type of this frame.</summary>
    public FrameType Type => Ecn.HasValue ? FrameType.AckEcn : FrameType.Ack;

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength =>
        1 + VarInt.EncodedLength(LargestAcknowledged) + VarInt.EncodedLength(AckDelay)
        + VarInt.EncodedLength((ulong)AdditionalRangeCount) + VarInt.EncodedLength(FirstAckRange)
        + _rangeBytes.Length + (Ecn.HasValue ? Ecn.Value.EncodedLength : 0);

    /// <summary>All acknowledged ranges, largest first.</summary>
    public AckRangeEnumerator GetEnumerator() =>
        new(LargestAcknowledged - FirstAckRange, LargestAcknowledged, AdditionalRangeCount, _rangeBytes);

    /// <summary>
    /// Reads the body; the reader is positioned after the type. FRAME_ENCODING_ERROR for a short
    /// body, a range count larger than the remaining bytes could hold, or any range that would
    /// go below packet number 0 (RFC 9000 §19.3.1).
    /// </summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out AckFrame frame)
    {
        frame = default;
        if (!reader.TryReadVarInt(out ulong largest) ||
            !reader.TryReadVarInt(out ulong delay) ||
            !reader.TryReadVarInt(out ulong count) ||
            !reader.TryReadVarInt(out ulong first))
        {
            return TransportErrorCode.FrameEncodingError;
        }

        // The count is hostile: each pair takes at least two bytes, so a count beyond half of
        // what is left cannot be honest and is refused before any loop runs.
        if (first > largest || count > (ulong)reader.Remaining / 2)
        {
            return TransportErrorCode.FrameEncodingError;
        }

        ReadOnlySpan<byte> rangeStart = reader.RemainingSpan;
        int startPosition = reader.Position;
        ulong smallest = largest - first;
        for (ulong i = 0; i < count; i++)
        {
            if (!reader.TryReadVarInt(out ulong gap) || !reader.TryReadVarInt(out ulong length))
            {
                return TransportErrorCode.FrameEncodingError;
            }

            // RFC 9000 §19.3.1: largest = previous smallest - gap - 2, smallest = largest - length;
            // neither may go below zero.
            if (gap + 2 > smallest)
            {
                return TransportErrorCode.FrameEncodingError;
            }

            ulong nextLargest = smallest - gap - 2;
            if (length > nextLargest)
            {
                return TransportErrorCode.FrameEncodingError;
            }

            smallest = nextLargest - length;
        }

        ReadOnlySpan<byte> rangeBytes = rangeStart[..(reader.Position - startPosition)];
        EcnCounts? ecn = null;
        if (frameType == (ulong)FrameType.AckEcn)
        {
            if (!reader.TryReadVarInt(out ulong ect0) || !reader.TryReadVarInt(out ulong ect1) || !reader.TryReadVarInt(out ulong ce))
            {
                return TransportErrorCode.FrameEncodingError;
            }

            ecn = new EcnCounts(ect0, ect1, ce);
        }

        frame = new AckFrame(largest, delay, first, (int)count, rangeBytes, ecn);
        return TransportErrorCode.NoError;
    }

    /// <summary>Re-encodes a parsed frame (its range bytes are copied as received).</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)Type);
        writer.TryWriteVarInt(LargestAcknowledged);
        writer.TryWriteVarInt(AckDelay);
        writer.TryWriteVarInt((ulong)AdditionalRangeCount);
        writer.TryWriteVarInt(FirstAckRange);
        writer.TryWriteBytes(_rangeBytes);
        WriteEcn(ref writer, Ecn);
        return true;
    }

    /// <summary>
    /// Writes an ACK frame for <paramref name="ranges"/> (largest first, disjoint and not
    /// adjacent), keeping as many ranges as fit in the writer's remaining space: the smallest
    /// ones are dropped first. Returns false and writes nothing when not even the first range
    /// fits; otherwise <paramref name="rangesWritten"/> says how many ranges were written.
    /// </summary>
    /// <exception cref="ArgumentException">The ranges are empty, not descending, overlapping or adjacent.</exception>
    public static bool TryWrite(ref QuicWriter writer, scoped ReadOnlySpan<AckRange> ranges, ulong ackDelay, EcnCounts? ecn, out int rangesWritten)
    {
        rangesWritten = 0;
        ValidateRanges(ranges);
        ulong largest = ranges[0].Largest;
        int fixedLength = 1 + VarInt.EncodedLength(largest) + VarInt.EncodedLength(ackDelay)
            + VarInt.EncodedLength(largest - ranges[0].Smallest) + (ecn.HasValue ? ecn.Value.EncodedLength : 0);
        int space = writer.Remaining;
        if (fixedLength + 1 > space)
        {
            return false;
        }

        // Grow the range list while the frame, with a Range Count field sized for it, still fits.
        int pairsLength = 0;
        int extra = 0;
        for (int i = 1; i < ranges.Length; i++)
        {
            int pair = PairLength(ranges[i - 1], ranges[i]);
            if (fixedLength + VarInt.EncodedLength((ulong)(extra + 1)) + pairsLength + pair > space)
            {
                break;
            }

            pairsLength += pair;
            extra++;
        }

        writer.TryWriteByte((byte)(ecn.HasValue ? FrameType.AckEcn : FrameType.Ack));
        writer.TryWriteVarInt(largest);
        writer.TryWriteVarInt(ackDelay);
        writer.TryWriteVarInt((ulong)extra);
        writer.TryWriteVarInt(largest - ranges[0].Smallest);
        for (int i = 1; i <= extra; i++)
        {
            writer.TryWriteVarInt(ranges[i - 1].Smallest - ranges[i].Largest - 2);
            writer.TryWriteVarInt(ranges[i].Largest - ranges[i].Smallest);
        }

        WriteEcn(ref writer, ecn);
        rangesWritten = extra + 1;
        return true;
    }

    /// <summary>The size of an ACK frame holding all of <paramref name="ranges"/>.</summary>
    public static int GetEncodedLength(ReadOnlySpan<AckRange> ranges, ulong ackDelay, EcnCounts? ecn)
    {
        ValidateRanges(ranges);
        int length = 1 + VarInt.EncodedLength(ranges[0].Largest) + VarInt.EncodedLength(ackDelay)
            + VarInt.EncodedLength((ulong)(ranges.Length - 1)) + VarInt.EncodedLength(ranges[0].Largest - ranges[0].Smallest)
            + (ecn.HasValue ? ecn.Value.EncodedLength : 0);
        for (int i = 1; i < ranges.Length; i++)
        {
            length += PairLength(ranges[i - 1], ranges[i]);
        }

        return length;
    }

    private static int PairLength(AckRange previous, AckRange current) =>
        VarInt.EncodedLength(previous.Smallest - current.Largest - 2) + VarInt.EncodedLength(current.Largest - current.Smallest);

    private static void ValidateRanges(ReadOnlySpan<AckRange> ranges)
    {
        if (ranges.IsEmpty)
        {
            throw new ArgumentException("An ACK frame needs at least one range.", nameof(ranges));
        }

        for (int i = 0; i < ranges.Length; i++)
        {
            AckRange r = ranges[i];
            if (r.Smallest > r.Largest || r.Largest > VarInt.MaxValue)
            {
                throw new ArgumentException("Each range must have Smallest ≤ Largest ≤ 2^62 - 1.", nameof(ranges));
            }

            // Ranges are separated by at least one unacknowledged packet (Gap ≥ 0, §19.3.1).
            if (i > 0 && (ranges[i - 1].Smallest < 2 || r.Largest > ranges[i - 1].Smallest - 2))
            {
                throw new ArgumentException("Ranges must be descending with at least one missing packet between them.", nameof(ranges));
            }
        }
    }

    private static void WriteEcn(ref QuicWriter writer, EcnCounts? ecn)
    {
        if (ecn.HasValue)
        {
            writer.TryWriteVarInt(ecn.Value.Ect0);
            writer.TryWriteVarInt(ecn.Value.Ect1);
            writer.TryWriteVarInt(ecn.Value.Ce);
        }
    }
}

/// <summary>
/// Enumerates the ranges of a parsed <see cref="AckFrame"/>, largest first. The bytes were
/// validated by <see cref="AckFrame.TryParse"/>, so reads here cannot fail.
/// </summary>
public ref struct AckRangeEnumerator
{
    private QuicReader _reader;
    private int _remaining;
    private bool _started;
    private AckRange _current;

    internal AckRangeEnumerator(ulong firstSmallest, ulong largest, int additional, ReadOnlySpan<byte> rangeBytes)
    {
        _reader = new QuicReader(rangeBytes);
        _remaining = additional;
        _started = false;
        _current = new AckRange(firstSmallest, largest);
    }

    /// <summary>The current range.</summary>
    public readonly AckRange Current => _current;

    /// <summary>Moves to the next (smaller) range.</summary>
    public bool MoveNext()
    {
        if (!_started)
        {
            _started = true;
            return true;
        }

        if (_remaining == 0)
        {
            return false;
        }

        _remaining--;
        _reader.TryReadVarInt(out ulong gap);
        _reader.TryReadVarInt(out ulong length);
        ulong largest = _current.Smallest - gap - 2;
        _current = new AckRange(largest - length, largest);
        return true;
    }
}
