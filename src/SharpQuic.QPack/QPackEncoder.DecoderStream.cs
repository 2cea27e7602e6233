namespace SharpQuic.QPack;

/// <summary>Decoder-stream instructions (RFC 9204 §4.4) as seen by the encoder.</summary>
public sealed partial class QPackEncoder
{
    private readonly byte[] _decoderPending = new byte[QPackInteger.MaxLength];
    private int _decoderPendingLength;
    private QPackError _error;

    /// <summary>
    /// Processes bytes from the peer's decoder stream (any chunking). Returns
    /// <see cref="QPackError.DecoderStreamError"/> for an acknowledgment of an unknown section or an increment
    /// beyond what was sent; the encoder stays failed afterwards.
    /// </summary>
    public QPackError OnDecoderStreamData(ReadOnlySpan<byte> data)
    {
        while (_error == QPackError.None && !data.IsEmpty)
        {
            // Every instruction is one prefixed integer of at most 10 bytes: complete it in a small buffer.
            int take = Math.Min(data.Length, _decoderPending.Length - _decoderPendingLength);
            data[..take].CopyTo(_decoderPending.AsSpan(_decoderPendingLength));
            int available = _decoderPendingLength + take;
            byte b = _decoderPending[0];
            int prefix = (b & 0x80) != 0 ? 7 : 6;
            ParseStatus st = QPackInteger.TryRead(_decoderPending.AsSpan(0, available), prefix, out ulong value, out int consumed);
            if (st == ParseStatus.NeedMore)
            {
                _decoderPendingLength = available;
                return QPackError.None;
            }

            if (st == ParseStatus.Invalid || !Apply(b, value))
            {
                _error = QPackError.DecoderStreamError;
                break;
            }

            int fromData = consumed - _decoderPendingLength;
            _decoderPendingLength = 0;
            data = data[fromData..];
        }

        return _error;
    }

    private bool Apply(byte first, ulong value)
    {
        if ((first & 0x80) != 0)
        {
            // §4.4.1 Section Acknowledgment: the oldest unacknowledged section on the stream.
            for (int i = 0; i < _outstanding.Count; i++)
            {
                if (_outstanding[i].StreamId == (long)value)
                {
                    KnownReceivedCount = Math.Max(KnownReceivedCount, _outstanding[i].RequiredInsertCount);
                    _outstanding.RemoveAt(i);
                    return true;
                }
            }

            return false;
        }

        if ((first & 0x40) != 0)
        {
            // §4.4.2 Stream Cancellation: its sections will never be acknowledged.
            _outstanding.RemoveAll(o => o.StreamId == (long)value);
            return true;
        }

        // §4.4.3 Insert Count Increment: zero, or beyond what was sent, is an error.
        if (value == 0 || value > (ulong)(_table.InsertCount - KnownReceivedCount))
        {
            return false;
        }

        KnownReceivedCount += (long)value;
        return true;
    }
}
