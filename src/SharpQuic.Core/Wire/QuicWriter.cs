using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpQuic.Core.Wire;

/// <summary>
/// A forward-only writer into a caller's buffer. Writes check the remaining space and return
/// false when the data does not fit; nothing is written in that case.
/// </summary>
public ref struct QuicWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    /// <summary>Starts writing at the beginning of <paramref name="buffer"/>.</summary>
    public QuicWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Written => _position;

    /// <summary>Space left.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>The bytes written so far.</summary>
    public readonly Span<byte> WrittenSpan => _buffer[.._position];

    /// <summary>The space not yet written.</summary>
    public readonly Span<byte> RemainingSpan => _buffer[_position..];

    /// <summary>Writes one byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWriteByte(byte value)
    {
        if (_position >= _buffer.Length)
        {
            return false;
        }

        _buffer[_position++] = value;
        return true;
    }

    /// <summary>Writes a big-endian 16-bit integer.</summary>
    public bool TryWriteUInt16(ushort value)
    {
        if (Remaining < 2)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
        return true;
    }

    /// <summary>Writes a big-endian 32-bit integer.</summary>
    public bool TryWriteUInt32(uint value)
    {
        if (Remaining < 4)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
        return true;
    }

    /// <summary>Writes a variable-length integer in its shortest form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWriteVarInt(ulong value)
    {
        if (!VarInt.TryWrite(_buffer[_position..], value, out int n))
        {
            return false;
        }

        _position += n;
        return true;
    }

    /// <summary>Writes a variable-length integer using exactly <paramref name="length"/> bytes.</summary>
    public bool TryWriteVarInt(ulong value, int length)
    {
        if (Remaining < length)
        {
            return false;
        }

        VarInt.WriteWithLength(_buffer[_position..], value, length);
        _position += length;
        return true;
    }

    /// <summary>Copies <paramref name="value"/>.</summary>
    public bool TryWriteBytes(ReadOnlySpan<byte> value)
    {
        if (Remaining < value.Length)
        {
            return false;
        }

        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
        return true;
    }

    /// <summary>Writes a variable-length integer length prefix and then <paramref name="value"/>.</summary>
    public bool TryWriteLengthPrefixed(ReadOnlySpan<byte> value)
    {
        int needed = VarInt.EncodedLength((ulong)value.Length) + value.Length;
        if (Remaining < needed)
        {
            return false;
        }

        TryWriteVarInt((ulong)value.Length);
        return TryWriteBytes(value);
    }

    /// <summary>Reserves <paramref name="length"/> bytes to be filled later (e.g. a Length field) and returns them.</summary>
    public bool TryReserve(int length, out Span<byte> reserved)
    {
        if (length < 0 || Remaining < length)
        {
            reserved = default;
            return false;
        }

        reserved = _buffer.Slice(_position, length);
        _position += length;
        return true;
    }
}
