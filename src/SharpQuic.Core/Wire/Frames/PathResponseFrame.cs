using System.Buffers.Binary;

namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// PATH_RESPONSE (RFC 9000 §19.18): answers a PATH_CHALLENGE with the same data. The 8 opaque data bytes are held as a big-endian
/// <see cref="ulong"/> so the frame needs no span.
/// </summary>
public readonly struct PathResponseFrame
{
    /// <summary>Builds a frame carrying <paramref name="data"/> (the 8 bytes, big-endian).</summary>
    public PathResponseFrame(ulong data) => Data = data;

    /// <summary>The 8 bytes of data, read big-endian.</summary>
    public ulong Data { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 9;

    /// <summary>Reads the 8 data bytes; fewer is FRAME_ENCODING_ERROR.</summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out PathResponseFrame frame)
    {
        _ = frameType;
        if (!reader.TryReadBytes(8, out ReadOnlySpan<byte> data))
        {
            frame = default;
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new PathResponseFrame(BinaryPrimitives.ReadUInt64BigEndian(data));
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and data, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (!writer.TryReserve(9, out Span<byte> span))
        {
            return false;
        }

        span[0] = (byte)FrameType.PathResponse;
        BinaryPrimitives.WriteUInt64BigEndian(span[1..], Data);
        return true;
    }
}
