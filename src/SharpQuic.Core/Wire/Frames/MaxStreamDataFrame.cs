namespace SharpQuic.Core.Wire.Frames;

/// <summary>MAX_STREAM_DATA (RFC 9000 §19.10): raises a stream's flow control limit.</summary>
public readonly struct MaxStreamDataFrame
{
    /// <summary>Builds a frame to send. Every value must fit a variable-length integer.</summary>
    public MaxStreamDataFrame(ulong streamId, ulong maximumStreamData)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(streamId, VarInt.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maximumStreamData, VarInt.MaxValue);
        StreamId = streamId;
        MaximumStreamData = maximumStreamData;
    }

    /// <summary>The stream the limit applies to.</summary>
    public ulong StreamId { get; }

    /// <summary>The maximum amount of data, in bytes, that can be sent on the stream.</summary>
    public ulong MaximumStreamData { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 1 + VarInt.EncodedLength(StreamId) + VarInt.EncodedLength(MaximumStreamData);

    /// <summary>Reads the body; the reader is positioned after the type. A short body is FRAME_ENCODING_ERROR.</summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out MaxStreamDataFrame frame)
    {
        _ = frameType;
        if (!reader.TryReadVarInt(out ulong streamId) ||
            !reader.TryReadVarInt(out ulong maximumStreamData))
        {
            frame = default;
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new MaxStreamDataFrame(streamId, maximumStreamData);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)FrameType.MaxStreamData);
        writer.TryWriteVarInt(StreamId);
        writer.TryWriteVarInt(MaximumStreamData);
        return true;
    }
}
