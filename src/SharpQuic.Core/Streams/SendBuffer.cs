namespace SharpQuic.Core.Streams;

/// <summary>
/// The bytes of one stream's sending part that the peer has not acknowledged yet, kept in
/// pooled chunks, with the state of every offset (RFC 9000 §2.2, §13.3):
/// <list type="bullet">
/// <item><description>acknowledged: below <see cref="AckedPrefix"/>, plus the ranges in an acked set above it;</description></item>
/// <item><description>lost: ranges to send again (taken first by <see cref="TryGetNextRange"/>);</description></item>
/// <item><description>unsent: the suffix [<see cref="SentEnd"/>, <see cref="WrittenEnd"/>);</description></item>
/// <item><description>in flight: everything else below <see cref="SentEnd"/>.</description></item>
/// </list>
/// Retransmission resends ranges, never old packet bytes: loss moves a range back to "lost" and
/// the next packet carries it in a fresh STREAM frame. Memory of the acknowledged prefix goes back
/// to the pool chunk by chunk.
/// </summary>
/// <remarks>
/// Call order for the packet builder: <see cref="TryPeekNextOffset"/> (to size the frame
/// header), then <see cref="TryGetNextRange"/>, then <see cref="GetData"/> to copy the range into
/// the frame. A range never crosses a chunk boundary, so <see cref="GetData"/> is one span.
/// </remarks>
internal sealed class SendBuffer
{
    private readonly ChunkPool _pool;
    private readonly int _chunkSize;
    private readonly RangeSet _acked;
    private readonly RangeSet _lost;
    private byte[][] _chunks;
    private int _head;
    private int _chunkCount;
    private ulong _base;
    private bool _finLost;
    private ulong _retransmitEnd = ulong.MaxValue; // below it, lost data is sent again (RESET_STREAM_AT lowers it)

    /// <summary>Creates an empty buffer that holds at most <paramref name="limit"/> unacknowledged bytes.</summary>
    public SendBuffer(ChunkPool pool, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _pool = pool;
        _chunkSize = pool.ChunkSize;
        Limit = limit;
        _chunks = new byte[4][];

        // Disjoint, non-adjacent ranges need a byte each and a gap between: at most one range
        // per two buffered bytes (plus one), so the buffer limit bounds both sets and they never
        // hit their bound (which would make RangeSet.Remove drop a split's upper part).
        int maxRanges = Math.Max(16, (limit / 2) + 2);
        _acked = new RangeSet(maxRanges);
        _lost = new RangeSet(maxRanges);
    }

    /// <summary>The most bytes buffered (written and not acknowledged) before writes are refused.</summary>
    public int Limit { get; set; }

    /// <summary>Offset one past the last byte the application wrote.</summary>
    public ulong WrittenEnd { get; private set; }

    /// <summary>Offset one past the highest byte ever sent: every byte below was sent at least once.</summary>
    public ulong SentEnd { get; private set; }

    /// <summary>Every byte below this offset is acknowledged and its memory released.</summary>
    public ulong AckedPrefix { get; private set; }

    /// <summary>True once the application ended the stream: the final size is <see cref="WrittenEnd"/>.</summary>
    public bool FinRequested { get; private set; }

    /// <summary>True once a frame carrying FIN was handed out.</summary>
    public bool FinSent { get; private set; }

    /// <summary>True once a frame carrying FIN was acknowledged.</summary>
    public bool FinAcked { get; private set; }

    /// <summary>Bytes the application may still write before the buffer is full (backpressure).</summary>
    public int Writable => FinRequested ? 0 : (int)Math.Max(0L, Limit - (long)(WrittenEnd - AckedPrefix));

    /// <summary>Bytes written but never sent.</summary>
    public ulong Unsent => WrittenEnd - SentEnd;

    /// <summary>True when some range waits for retransmission.</summary>
    public bool HasLost => !_lost.IsEmpty || (_finLost && !FinAcked);

    /// <summary>True when every byte and the FIN are acknowledged (RFC 9000 §3.1 "Data Recvd").</summary>
    public bool IsFullyAcked => FinRequested && FinAcked && AckedPrefix == WrittenEnd;

    /// <summary>Chunks currently held (for tests: memory is released as acknowledgments arrive).</summary>
    public int ChunkCount => _chunkCount;

    /// <summary>
    /// Copies as much of <paramref name="data"/> as <see cref="Writable"/> allows and returns the
    /// number of bytes taken.
    /// </summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        int take = Math.Min(data.Length, Writable);
        int done = 0;
        while (done < take)
        {
            ulong end = _base + ((ulong)_chunkCount * (ulong)_chunkSize);
            if (WrittenEnd == end)
            {
                AppendChunk();
            }

            int inChunk = (int)((WrittenEnd - _base) % (ulong)_chunkSize);
            byte[] chunk = ChunkAt(WrittenEnd);
            int n = Math.Min(take - done, _chunkSize - inChunk);
            data.Slice(done, n).CopyTo(chunk.AsSpan(inChunk, n));
            done += n;
            WrittenEnd += (ulong)n;
        }

        return done;
    }

    /// <summary>Marks the end of the stream at the current <see cref="WrittenEnd"/>.</summary>
    public void Finish() => FinRequested = true;

    /// <summary>True when <see cref="TryGetNextRange"/> would hand out something, new data being allowed below <paramref name="newDataLimit"/>.</summary>
    public bool HasSendable(ulong newDataLimit) => TryPeekNextOffset(newDataLimit, out _);

    /// <summary>
    /// The offset of the range <see cref="TryGetNextRange"/> would hand out next with the same
    /// <paramref name="newDataLimit"/>; false when nothing can be sent.
    /// </summary>
    public bool TryPeekNextOffset(ulong newDataLimit, out ulong offset)
    {
        if (!_lost.IsEmpty)
        {
            offset = _lost.First.Start;
            return true;
        }

        if (SentEnd < WrittenEnd && SentEnd < newDataLimit)
        {
            offset = SentEnd;
            return true;
        }

        // A FIN alone: everything written was sent, and the FIN was never sent or was lost.
        if (FinRequested && SentEnd == WrittenEnd && !FinAcked && (!FinSent || _finLost))
        {
            offset = SentEnd;
            return true;
        }

        offset = 0;
        return false;
    }

    /// <summary>
    /// Takes the next range to send: lost data first (oldest offset first), then new data below
    /// <paramref name="newDataLimit"/> (the flow control limit), at most <paramref name="maxLength"/>
    /// bytes and never across a chunk boundary. FIN rides on the range that ends at the final
    /// size, or goes alone in an empty range. <paramref name="newBytes"/> is how much of the range
    /// was never sent before (the flow control credit it consumes).
    /// </summary>
    public bool TryGetNextRange(int maxLength, ulong newDataLimit, out ulong offset, out int length, out bool fin, out ulong newBytes)
    {
        newBytes = 0;
        if (!TryPeekNextOffset(newDataLimit, out offset))
        {
            length = 0;
            fin = false;
            return false;
        }

        ulong end;
        if (!_lost.IsEmpty)
        {
            end = Math.Min(_lost.First.End, offset + (ulong)maxLength);
            end = Math.Min(end, ChunkEnd(offset));
            if (end == offset)
            {
                length = 0;
                fin = false;
                return false;
            }

            _lost.Remove(offset, end);
        }
        else if (offset < WrittenEnd)
        {
            end = Math.Min(Math.Min(WrittenEnd, newDataLimit), offset + (ulong)maxLength);
            end = Math.Min(end, ChunkEnd(offset));
            if (end == offset)
            {
                length = 0;
                fin = false;
                return false;
            }

            newBytes = end - SentEnd;
            SentEnd = end;
        }
        else
        {
            end = offset;
        }

        length = (int)(end - offset);
        fin = FinRequested && end == WrittenEnd && !FinAcked;
        if (fin)
        {
            FinSent = true;
            _finLost = false;
        }

        return true;
    }

    /// <summary>
    /// Forgets that anything was sent: every written byte is unsent again and the FIN not yet sent. Only valid while
    /// nothing was acknowledged (0-RTT rejected, RFC 9001 §4.6.2: the server saw none of it); false otherwise.
    /// </summary>
    public bool TryRewindUnacknowledged()
    {
        if (AckedPrefix != 0 || !_acked.IsEmpty || FinAcked)
        {
            return false;
        }

        _lost.Clear();
        SentEnd = 0;
        FinSent = false;
        _finLost = false;
        return true;
    }

    /// <summary>The bytes of a range handed out by <see cref="TryGetNextRange"/> (still buffered: not acknowledged).</summary>
    public ReadOnlySpan<byte> GetData(ulong offset, int length)
    {
        if (length == 0)
        {
            return default;
        }

        if (offset < _base || offset + (ulong)length > ChunkEnd(offset) || offset + (ulong)length > WrittenEnd)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "The range is not buffered or crosses a chunk.");
        }

        int inChunk = (int)((offset - _base) % (ulong)_chunkSize);
        return ChunkAt(offset).AsSpan(inChunk, length);
    }

    /// <summary>
    /// The peer acknowledged a frame carrying [offset, offset + length) (and FIN when
    /// <paramref name="fin"/>). Duplicate and stale acknowledgments are harmless.
    /// </summary>
    public void OnRangeAcked(ulong offset, ulong length, bool fin)
    {
        ulong end = Math.Min(offset + length, SentEnd);
        ulong start = Math.Max(offset, AckedPrefix);
        if (start < end)
        {
            // A range declared lost and then acknowledged (spurious loss) need not be resent.
            _lost.Remove(start, end);
            _acked.Add(start, end);
            if (!_acked.IsEmpty && _acked.First.Start <= AckedPrefix)
            {
                AckedPrefix = _acked.First.End;
                _acked.RemoveBelow(AckedPrefix);
            }

            ReleaseAckedChunks();
        }

        if (fin)
        {
            FinAcked = true;
            _finLost = false;
        }

        if (IsFullyAcked && _chunkCount > 0)
        {
            // The last, partly filled chunk goes back too.
            Discard();
        }
    }

    /// <summary>
    /// A frame carrying [offset, offset + length) (and FIN when <paramref name="fin"/>) was
    /// declared lost: the parts not acknowledged meanwhile go back to the lost set.
    /// </summary>
    public void OnRangeLost(ulong offset, ulong length, bool fin)
    {
        ulong start = Math.Max(offset, AckedPrefix);
        ulong end = Math.Min(Math.Min(offset + length, SentEnd), _retransmitEnd);
        while (start < end)
        {
            if (_acked.TryGetFirstOverlap(start, end, out ByteRange acked))
            {
                if (acked.Start > start)
                {
                    _lost.Add(start, acked.Start);
                }

                start = acked.End;
            }
            else
            {
                _lost.Add(start, end);
                break;
            }
        }

        if (fin && !FinAcked && _retransmitEnd == ulong.MaxValue)
        {
            _finLost = true;
        }
    }

    /// <summary>
    /// RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset §5): only [0, <paramref name="reliableEnd"/>) must still
    /// arrive. Unsent data beyond max(<see cref="SentEnd"/>, <paramref name="reliableEnd"/>) is dropped, lost ranges at
    /// or beyond <paramref name="reliableEnd"/> are forgotten (and later losses there ignored), and no FIN is sent any
    /// more. Returns the stream's final size: <see cref="WrittenEnd"/> when a FIN already went out (a final size never
    /// changes, RFC 9000 §4.5), otherwise max(<see cref="SentEnd"/>, <paramref name="reliableEnd"/>).
    /// </summary>
    public ulong LimitToReliable(ulong reliableEnd)
    {
        ulong finalSize = FinSent ? WrittenEnd : Math.Max(SentEnd, Math.Min(reliableEnd, WrittenEnd));
        if (!FinSent)
        {
            WrittenEnd = Math.Min(WrittenEnd, finalSize);
            FinRequested = false;
        }

        LowerRetransmitEnd(reliableEnd);
        return finalSize;
    }

    /// <summary>Lost data at or beyond <paramref name="end"/> is no longer sent again (nor the FIN).</summary>
    public void LowerRetransmitEnd(ulong end)
    {
        _retransmitEnd = Math.Min(_retransmitEnd, end);
        _lost.Remove(_retransmitEnd, ulong.MaxValue);
        _finLost = false;
    }

    /// <summary>Drops every buffered byte (the stream was reset) and returns the chunks to the pool.</summary>
    public void Discard()
    {
        while (_chunkCount > 0)
        {
            _pool.Return(_chunks[_head]);
            _chunks[_head] = null!;
            _head = (_head + 1) % _chunks.Length;
            _chunkCount--;
        }

        _lost.Clear();
        _acked.Clear();
        _finLost = false;
        _base = WrittenEnd;
        AckedPrefix = WrittenEnd;
    }

    private ulong ChunkEnd(ulong offset) => offset - ((offset - _base) % (ulong)_chunkSize) + (ulong)_chunkSize;

    private byte[] ChunkAt(ulong offset)
    {
        int index = (int)((offset - _base) / (ulong)_chunkSize);
        return _chunks[(_head + index) % _chunks.Length];
    }

    private void AppendChunk()
    {
        if (_chunkCount == _chunks.Length)
        {
            // Grow the ring, unrolling it so the head is at 0.
            var grown = new byte[_chunks.Length * 2][];
            for (int i = 0; i < _chunkCount; i++)
            {
                grown[i] = _chunks[(_head + i) % _chunks.Length];
            }

            _chunks = grown;
            _head = 0;
        }

        if (_chunkCount == 0)
        {
            // Keep the base aligned to the written end, so a discarded or empty buffer restarts cleanly.
            _base = WrittenEnd;
        }

        _chunks[(_head + _chunkCount) % _chunks.Length] = _pool.Rent();
        _chunkCount++;
    }

    private void ReleaseAckedChunks()
    {
        while (_chunkCount > 0 && _base + (ulong)_chunkSize <= AckedPrefix)
        {
            _pool.Return(_chunks[_head]);
            _chunks[_head] = null!;
            _head = (_head + 1) % _chunks.Length;
            _chunkCount--;
            _base += (ulong)_chunkSize;
        }
    }
}
