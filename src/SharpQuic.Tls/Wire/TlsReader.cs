using System.Buffers.Binary;

namespace SharpQuic.Tls.Wire;

/// <summary>
/// Reads TLS presentation-language fields (RFC 8446bis §3) from peer bytes. Every length is checked against
/// the bytes left before anything is sliced; a short read returns false and leaves the reader where it was,
/// and the caller answers with decode_error.
/// </summary>
internal ref struct TlsReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public TlsReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes not yet read.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>True when every byte has been read.</summary>
    public readonly bool IsEmpty => _position == _buffer.Length;

    /// <summary>Bytes already read.</summary>
    public readonly int Position => _position;

    public bool TryReadUInt8(out byte value)
    {
        if (Remaining < 1)
        {
            value = 0;
            return false;
        }

        value = _buffer[_position++];
        return true;
    }

    public bool TryReadUInt16(out ushort value)
    {
        if (Remaining < 2)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(_position, 2));
        _position += 2;
        return true;
    }

    public bool TryReadUInt24(out int value)
    {
        if (Remaining < 3)
        {
            value = 0;
            return false;
        }

        ReadOnlySpan<byte> b = _buffer.Slice(_position, 3);
        value = (b[0] << 16) | (b[1] << 8) | b[2];
        _position += 3;
        return true;
    }

    public bool TryReadUInt32(out uint value)
    {
        if (Remaining < 4)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_position, 4));
        _position += 4;
        return true;
    }

    /// <summary>Reads exactly <paramref name="length"/> bytes.</summary>
    public bool TryReadBytes(int length, out ReadOnlySpan<byte> value)
    {
        if (length < 0 || Remaining < length)
        {
            value = default;
            return false;
        }

        value = _buffer.Slice(_position, length);
        _position += length;
        return true;
    }

    /// <summary>Reads <c>opaque v&lt;min..2^8-1&gt;</c>: a one-byte length then that many bytes.</summary>
    public bool TryReadVector8(out ReadOnlySpan<byte> value, int min = 0, int max = byte.MaxValue)
        => TryReadVector(1, min, max, out value);

    /// <summary>Reads <c>opaque v&lt;min..2^16-1&gt;</c>.</summary>
    public bool TryReadVector16(out ReadOnlySpan<byte> value, int min = 0, int max = ushort.MaxValue)
        => TryReadVector(2, min, max, out value);

    /// <summary>Reads <c>opaque v&lt;min..2^24-1&gt;</c>.</summary>
    public bool TryReadVector24(out ReadOnlySpan<byte> value, int min = 0, int max = 0xFF_FFFF)
        => TryReadVector(3, min, max, out value);

    private bool TryReadVector(int prefixBytes, int min, int max, out ReadOnlySpan<byte> value)
    {
        int start = _position;
        int length;
        bool ok;
        switch (prefixBytes)
        {
            case 1:
                ok = TryReadUInt8(out byte b);
                length = b;
                break;
            case 2:
                ok = TryReadUInt16(out ushort s);
                length = s;
                break;
            default:
                ok = TryReadUInt24(out length);
                break;
        }

        // RFC 8446bis §3.4: the declared length is bounded by the vector's floor and ceiling, and by what is left.
        if (!ok || length < min || length > max || Remaining < length)
        {
            _position = start;
            value = default;
            return false;
        }

        value = _buffer.Slice(_position, length);
        _position += length;
        return true;
    }
}
