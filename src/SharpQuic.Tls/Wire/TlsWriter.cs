using System.Buffers.Binary;

namespace SharpQuic.Tls.Wire;

/// <summary>
/// Writes TLS presentation-language fields into a growing buffer. Vectors are opened with a placeholder
/// length and closed with <see cref="EndVector"/>, which back-patches the length. Handshake messages are
/// built once per handshake, so growing a heap buffer is acceptable here (not a per-packet path).
/// </summary>
internal sealed class TlsWriter
{
    private byte[] _buffer;
    private int _length;

    public TlsWriter(int initialCapacity = 256)
    {
        _buffer = new byte[Math.Max(16, initialCapacity)];
    }

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public void WriteUInt8(byte value) => Grow(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Grow(2), value);

    public void WriteUInt24(int value)
    {
        if ((uint)value > 0xFF_FFFF)
        {
            throw new ArgumentOutOfRangeException(nameof(value));
        }

        Span<byte> b = Grow(3);
        b[0] = (byte)(value >> 16);
        b[1] = (byte)(value >> 8);
        b[2] = (byte)value;
    }

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Grow(4), value);

    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Grow(value.Length));

    /// <summary>Writes <c>opaque v&lt;..2^8-1&gt;</c>.</summary>
    public void WriteVector8(ReadOnlySpan<byte> value)
    {
        int mark = BeginVector(1);
        WriteBytes(value);
        EndVector(mark);
    }

    /// <summary>Writes <c>opaque v&lt;..2^16-1&gt;</c>.</summary>
    public void WriteVector16(ReadOnlySpan<byte> value)
    {
        int mark = BeginVector(2);
        WriteBytes(value);
        EndVector(mark);
    }

    /// <summary>Writes <c>opaque v&lt;..2^24-1&gt;</c>.</summary>
    public void WriteVector24(ReadOnlySpan<byte> value)
    {
        int mark = BeginVector(3);
        WriteBytes(value);
        EndVector(mark);
    }

    /// <summary>Reserves a 1-, 2- or 3-byte length prefix; returns a mark for <see cref="EndVector"/>.</summary>
    public int BeginVector(int prefixBytes)
    {
        if (prefixBytes is < 1 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixBytes));
        }

        int start = _length;
        Grow(prefixBytes).Clear();

        // The prefix size rides in the mark's top bits so EndVector needs no second argument.
        return start | (prefixBytes << 28);
    }

    /// <summary>Back-patches the length of the vector opened by <paramref name="mark"/>.</summary>
    public void EndVector(int mark)
    {
        int prefixBytes = mark >> 28;
        int start = mark & 0x0FFF_FFFF;
        int length = _length - start - prefixBytes;
        int max = prefixBytes switch { 1 => byte.MaxValue, 2 => ushort.MaxValue, _ => 0xFF_FFFF };
        if (length > max)
        {
            // Our own encoder produced too much: a programming error, not peer input.
            throw new InvalidOperationException($"Vector of {length} bytes does not fit a {prefixBytes}-byte length.");
        }

        Span<byte> prefix = _buffer.AsSpan(start, prefixBytes);
        for (int i = prefixBytes - 1; i >= 0; i--)
        {
            prefix[i] = (byte)length;
            length >>= 8;
        }
    }

    /// <summary>Starts a handshake message: type and a uint24 length to be back-patched by <see cref="EndVector"/>.</summary>
    public int BeginHandshake(HandshakeType type)
    {
        WriteUInt8((byte)type);
        return BeginVector(3);
    }

    private Span<byte> Grow(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
