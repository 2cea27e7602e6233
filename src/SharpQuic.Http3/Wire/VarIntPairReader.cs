using System.Runtime.CompilerServices;
using SharpQuic.Core.Wire;

namespace SharpQuic.Http3.Wire;

/// <summary>Sixteen bytes stored inline: room for two varints (RFC 9000 §16) without an allocation.</summary>
[InlineArray(16)]
internal struct VarIntPairBytes
{
    private byte _element0;
}

/// <summary>
/// Gathers the (type, length) pair that heads every HTTP/3 frame (RFC 9114 §7.1) and capsule
/// (RFC 9297 §3.2), split across chunks in any way. Bytes are taken one at a time (at most 16), so
/// every split takes the same path; the first byte of each varint gives its length.
/// </summary>
internal struct VarIntPairReader
{
    private VarIntPairBytes _bytes;
    private int _count;

    /// <summary>Whether no byte of a pair has been taken yet.</summary>
    public readonly bool IsEmpty => _count == 0;

    /// <summary>
    /// Consumes bytes from <paramref name="input"/> at <paramref name="consumed"/> until the pair is
    /// complete (true) or the input runs out (false, with the partial pair kept).
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> input, ref int consumed, out ulong first, out ulong second)
    {
        Span<byte> bytes = _bytes;
        while (true)
        {
            if (_count > 0)
            {
                int firstLength = VarInt.LengthFromFirstByte(bytes[0]);
                if (_count > firstLength && _count == firstLength + VarInt.LengthFromFirstByte(bytes[firstLength]))
                {
                    VarInt.TryRead(bytes, out first, out _);
                    VarInt.TryRead(bytes[firstLength..], out second, out _);
                    _count = 0;
                    return true;
                }
            }

            if (consumed >= input.Length)
            {
                first = second = 0;
                return false;
            }

            bytes[_count++] = input[consumed++];
        }
    }
}

/// <summary>
/// Assembles a bounded payload of known length from chunks: in place when the whole payload is in
/// one chunk, otherwise copied into a buffer owned by the reader (never larger than the bound the
/// caller checked before <see cref="Start"/>).
/// </summary>
internal struct PayloadAssembler
{
    private byte[]? _buffer;
    private int _buffered;
    private int _length;

    /// <summary>Begins a payload of <paramref name="length"/> bytes.</summary>
    public void Start(int length)
    {
        _length = length;
        _buffered = 0;
    }

    /// <summary>
    /// Takes payload bytes from <paramref name="input"/>; true with the whole payload once complete.
    /// The span is valid until the next use of the assembler.
    /// </summary>
    public bool TryAssemble(ReadOnlySpan<byte> input, scoped ref int consumed, out ReadOnlySpan<byte> payload)
    {
        int available = input.Length - consumed;
        if (_buffered == 0 && available >= _length)
        {
            payload = input.Slice(consumed, _length);
            consumed += _length;
            return true;
        }

        if (_buffer is null || _buffer.Length < _length)
        {
            _buffer = new byte[Math.Max(_length, 64)]; // grows to the largest payload seen, no further
        }

        int take = Math.Min(available, _length - _buffered);
        input.Slice(consumed, take).CopyTo(_buffer.AsSpan(_buffered));
        _buffered += take;
        consumed += take;
        if (_buffered < _length)
        {
            payload = default;
            return false;
        }

        payload = _buffer.AsSpan(0, _length);
        _buffered = 0;
        return true;
    }
}
