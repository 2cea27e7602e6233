using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpQuic.Core.Wire;

/// <summary>
/// A forward-only reader over bytes from the network. Every read checks the remaining length
/// and returns false instead of throwing, so parsers can map a short read to the protocol's
/// error code (usually FRAME_ENCODING_ERROR).
/// </summary>
public ref struct QuicReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    /// <summary>Starts reading at the beginning of <paramref name="buffer"/>.</summary>
    public QuicReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes not yet consumed.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>The unread bytes.</summary>
    public readonly ReadOnlySpan<byte> RemainingSpan => _buffer[_position..];

    /// <summary>True when every byte has been consumed.</summary>
    public readonly bool IsEmpty => _position >= _buffer.Length;

    /// <summary>Reads one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadByte(out byte value)
    {
        if (_position >= _buffer.Length)
        {
            value = 0;
            return false;
        }

        value = _buffer[_position++];
        return true;
    }

    /// <summary>Reads a big-endian 16-bit integer.</summary>
    public bool TryReadUInt16(out ushort value)
    {
        if (Remaining < 2)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(_buffer[_position..]);
        _position += 2;
        return true;
    }

    /// <summary>Reads a big-endian 32-bit integer.</summary>
    public bool TryReadUInt32(out uint value)
    {
        if (Remaining < 4)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_buffer[_position..]);
        _position += 4;
        return true;
    }

    /// <summary>Reads a variable-length integer (RFC 9000 §16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadVarInt(out ulong value)
    {
        if (!VarInt.TryRead(_buffer[_position..], out value, out int n))
        {
            return false;
        }

        _position += n;
        return true;
    }

    /// <summary>Reads <paramref name="length"/> bytes without copying.</summary>
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

    /// <summary>
    /// Reads a variable-length integer length prefix and then that many bytes. The length is
    /// checked against what remains before anything is sliced.
    /// </summary>
    public bool TryReadLengthPrefixed(out ReadOnlySpan<byte> value)
    {
        int start = _position;
        if (!TryReadVarInt(out ulong length) || length > (ulong)Remaining)
        {
            _position = start;
            value = default;
            return false;
        }

        return TryReadBytes((int)length, out value);
    }

    /// <summary>Skips <paramref name="length"/> bytes.</summary>
    public bool TrySkip(int length)
    {
        if (length < 0 || Remaining < length)
        {
            return false;
        }

        _position += length;
        return true;
    }
}
