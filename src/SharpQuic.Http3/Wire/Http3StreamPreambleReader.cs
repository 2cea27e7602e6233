using SharpQuic.Core.Wire;

namespace SharpQuic.Http3.Wire;

/// <summary>
/// Incremental reader of the first bytes of a unidirectional stream (RFC 9114 §6.2): the stream
/// type, then for a push stream its push ID (§4.6) and for a WebTransport stream its session ID
/// (draft-ietf-webtrans-http3 §4.2). What to do with the type (accept, abort an unknown one,
/// H3_STREAM_CREATION_ERROR for a second control stream) is the caller's decision.
/// </summary>
internal sealed class Http3StreamPreambleReader
{
    private VarIntPairBytes _buffer;
    private int _length;

    /// <summary>Whether the preamble is complete.</summary>
    public bool IsComplete { get; private set; }

    /// <summary>The stream type, once complete.</summary>
    public ulong StreamType { get; private set; }

    /// <summary>The push ID or session ID following the type, for push and WebTransport streams.</summary>
    public ulong Id { get; private set; }

    /// <summary>
    /// Consumes bytes up to the end of the preamble; returns true once it is complete (bytes after
    /// it are left unconsumed for the frame reader or the application).
    /// </summary>
    public bool TryRead(ReadOnlySpan<byte> input, out int consumed)
    {
        consumed = 0;
        Span<byte> buffer = _buffer;
        while (!IsComplete)
        {
            if (_length > 0)
            {
                int typeLength = VarInt.LengthFromFirstByte(buffer[0]);
                if (_length == typeLength)
                {
                    VarInt.TryRead(buffer, out ulong type, out _);
                    StreamType = type;
                    if (type != (ulong)Http3StreamType.Push && type != (ulong)Http3StreamType.WebTransport)
                    {
                        IsComplete = true;
                        break;
                    }
                }
                else if (_length > typeLength && _length == typeLength + VarInt.LengthFromFirstByte(buffer[typeLength]))
                {
                    VarInt.TryRead(buffer[typeLength..], out ulong id, out _);
                    Id = id;
                    IsComplete = true;
                    break;
                }
            }

            if (consumed >= input.Length)
            {
                return false;
            }

            buffer[_length++] = input[consumed++];
        }

        return true;
    }
}
