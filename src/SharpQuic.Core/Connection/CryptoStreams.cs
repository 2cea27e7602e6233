namespace SharpQuic.Core.Connection;

/// <summary>
/// The sending half of the CRYPTO stream of one encryption level (RFC 9000 §19.6): the handshake bytes TLS gave
/// us, the next new offset, and ranges to send again after a loss. Bytes stay until the level's keys are dropped
/// (the handshake is a few kilobytes; 1-RTT carries only tickets), then <see cref="Clear"/> releases them.
/// </summary>
internal sealed class CryptoSendStream
{
    private byte[] _data = [];
    private int _length;
    private readonly List<(ulong Offset, int Length)> _retransmit = [];
    // Acknowledged ranges [Start, End), sorted and merged; a probe re-sends what is outside them.
    private readonly List<(ulong Start, ulong End)> _acked = [];

    /// <summary>Bytes ever queued.</summary>
    public ulong Length => (ulong)_length;

    /// <summary>The offset of the first byte never sent.</summary>
    public ulong NextOffset { get; private set; }

    /// <summary>Whether anything is waiting to be sent.</summary>
    public bool HasPending => _retransmit.Count > 0 || NextOffset < (ulong)_length;

    /// <summary>Appends handshake bytes from TLS.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_length + bytes.Length > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(_length + bytes.Length, Math.Max(1024, _data.Length * 2)));
        }

        bytes.CopyTo(_data.AsSpan(_length));
        _length += bytes.Length;
    }

    /// <summary>The next range to send, at most <paramref name="max"/> bytes; lost ranges first.</summary>
    public bool TryPeek(int max, out ulong offset, out ReadOnlySpan<byte> data)
    {
        if (_retransmit.Count > 0)
        {
            (ulong o, int l) = _retransmit[0];
            offset = o;
            data = _data.AsSpan((int)o, Math.Min(l, max));
            return true;
        }

        offset = NextOffset;
        data = _data.AsSpan((int)NextOffset, Math.Min(_length - (int)NextOffset, max));
        return data.Length > 0;
    }

    /// <summary>Marks the bytes returned by <see cref="TryPeek"/> as sent.</summary>
    public void Consume(ulong offset, int length)
    {
        if (_retransmit.Count > 0 && _retransmit[0].Offset == offset)
        {
            (ulong o, int l) = _retransmit[0];
            if (length >= l)
            {
                _retransmit.RemoveAt(0);
            }
            else
            {
                _retransmit[0] = (o + (ulong)length, l - length);
            }

            return;
        }

        NextOffset = Math.Max(NextOffset, offset + (ulong)length);
    }

    /// <summary>A packet carrying [offset, offset + length) was lost: send the range again (RFC 9000 §13.3).</summary>
    public void OnLost(ulong offset, int length)
    {
        if (_length == 0 || offset + (ulong)length > (ulong)_length)
        {
            return;
        }

        _retransmit.Add((offset, length));
    }

    /// <summary>A packet carrying [offset, offset + length) was acknowledged.</summary>
    public void OnAcked(ulong offset, int length)
    {
        ulong start = offset;
        ulong end = offset + (ulong)length;
        int i = 0;
        while (i < _acked.Count && _acked[i].End < start)
        {
            i++;
        }

        while (i < _acked.Count && _acked[i].Start <= end)
        {
            start = Math.Min(start, _acked[i].Start);
            end = Math.Max(end, _acked[i].End);
            _acked.RemoveAt(i);
        }

        _acked.Insert(i, (start, end));
    }

    /// <summary>
    /// RFC 9002 §6.2.4: a probe with no new data re-sends data still unacknowledged (the flight may be entirely
    /// lost). Queues every sent range not yet acknowledged; returns whether there was any.
    /// </summary>
    public bool QueueUnacknowledged()
    {
        ulong cursor = 0;
        foreach ((ulong start, ulong end) in _acked)
        {
            if (start > cursor)
            {
                _retransmit.Add((cursor, (int)(Math.Min(start, NextOffset) - cursor)));
            }

            cursor = Math.Max(cursor, end);
            if (cursor >= NextOffset)
            {
                break;
            }
        }

        if (cursor < NextOffset)
        {
            _retransmit.Add((cursor, (int)(NextOffset - cursor)));
        }

        _retransmit.RemoveAll(static r => r.Length <= 0);
        return _retransmit.Count > 0;
    }

    /// <summary>Re-sends everything from the start (after a Retry, RFC 9000 §17.2.5.2).</summary>
    public void ResendAll()
    {
        _retransmit.Clear();
        _acked.Clear();
        NextOffset = 0;
    }

    /// <summary>Forgets everything: the level's keys are gone.</summary>
    public void Clear()
    {
        _data = [];
        _length = 0;
        NextOffset = 0;
        _retransmit.Clear();
        _acked.Clear();
    }
}

/// <summary>
/// The receiving half of a CRYPTO stream (RFC 9000 §7.5): frames arrive in any order and overlap; contiguous
/// bytes are handed to TLS in order; at most <c>capacity</c> bytes beyond the delivered offset are buffered,
/// more is CRYPTO_BUFFER_EXCEEDED.
/// </summary>
internal sealed class CryptoReceiveStream
{
    private readonly int _capacity;
    private byte[] _buffer = [];
    // Received ranges relative to the absolute stream, beyond the delivered offset; sorted, disjoint.
    private readonly List<(ulong Start, ulong End)> _ranges = [];

    public CryptoReceiveStream(int capacity) => _capacity = capacity;

    /// <summary>Bytes delivered in order so far.</summary>
    public ulong DeliveredOffset { get; private set; }

    /// <summary>
    /// Stores a CRYPTO frame's bytes. False with CRYPTO_BUFFER_EXCEEDED when they reach beyond the buffer.
    /// </summary>
    public bool TryInsert(ulong offset, ReadOnlySpan<byte> data, out TransportErrorCode error)
    {
        error = TransportErrorCode.NoError;
        ulong end = offset + (ulong)data.Length;
        if (end <= DeliveredOffset || data.IsEmpty)
        {
            return true;
        }

        if (end - DeliveredOffset > (ulong)_capacity)
        {
            error = TransportErrorCode.CryptoBufferExceeded;
            return false;
        }

        if (offset < DeliveredOffset)
        {
            data = data[(int)(DeliveredOffset - offset)..];
            offset = DeliveredOffset;
        }

        int needed = (int)(end - DeliveredOffset);
        if (_buffer.Length < needed)
        {
            Array.Resize(ref _buffer, Math.Min(_capacity, Math.Max(needed, Math.Max(2048, _buffer.Length * 2))));
        }

        data.CopyTo(_buffer.AsSpan((int)(offset - DeliveredOffset)));
        AddRange(offset, end);
        return true;
    }

    /// <summary>The contiguous bytes ready for TLS (call <see cref="Advance"/> after handing them over).</summary>
    public ReadOnlySpan<byte> Readable =>
        _ranges.Count > 0 && _ranges[0].Start == DeliveredOffset ? _buffer.AsSpan(0, (int)(_ranges[0].End - DeliveredOffset)) : default;

    /// <summary>Drops the <paramref name="count"/> delivered bytes.</summary>
    public void Advance(int count)
    {
        int remaining = _ranges.Count == 0 ? 0 : (int)(_ranges[^1].End - DeliveredOffset);
        _buffer.AsSpan(count, remaining - count).CopyTo(_buffer);
        DeliveredOffset += (ulong)count;
        (ulong s, ulong e) = _ranges[0];
        if (DeliveredOffset >= e)
        {
            _ranges.RemoveAt(0);
        }
        else
        {
            _ranges[0] = (DeliveredOffset, e);
        }

        if (_ranges.Count == 0 && _buffer.Length > 4096)
        {
            _buffer = [];
        }

        _ = s;
    }

    /// <summary>Releases the buffer: the level's keys are gone.</summary>
    public void Clear()
    {
        _buffer = [];
        _ranges.Clear();
    }

    private void AddRange(ulong start, ulong end)
    {
        int i = 0;
        while (i < _ranges.Count && _ranges[i].End < start)
        {
            i++;
        }

        while (i < _ranges.Count && _ranges[i].Start <= end)
        {
            start = Math.Min(start, _ranges[i].Start);
            end = Math.Max(end, _ranges[i].End);
            _ranges.RemoveAt(i);
        }

        _ranges.Insert(i, (start, end));
    }
}
