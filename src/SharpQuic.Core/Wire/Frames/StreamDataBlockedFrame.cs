namespace SharpQuic.Core.Wire.Frames;

/// <summary>STREAM_DATA_BLOCKED (RFC 9000 §19.13): says the sender is blocked by stream flow control.</summary>
public readonly struct StreamDataBlockedFrame
{
    /// <summary>Builds a frame to send. Every value must fit a variable-length integer.</summary>
    public StreamDataBlockedFrame(ulong streamId, ulong maximumStreamData)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(streamId, VarInt.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maximumStreamData, VarInt.MaxValue);
        StreamId = streamId;
        MaximumStreamData = maximumStreamData;
    }

    /// <summary>The blocked stream.</summary>
    public ulong StreamId { get; }

    /// <summary>The stream-level limit at which blocking occurred.</summary>
    public ulong MaximumStreamData { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 1 + VarInt.EncodedLength(StreamId) + VarInt.EncodedLength(MaximumStreamData);

    /// <summary>Reads the body; the reader is positioned after the type. A short body is FRAME_ENCODING_ERROR.</summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out StreamDataBlockedFrame frame)
    {
        _ = frameType;
        if (!reader.TryReadVarInt(out ulong streamId) ||
            !reader.TryReadVarInt(out ulong maximumStreamData))
        {
            frame = default;
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new StreamDataBlockedFrame(streamId, maximumStreamData);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)FrameType.StreamDataBlocked);
        writer.TryWriteVarInt(StreamId);
        writer.TryWriteVarInt(MaximumStreamData);
        return true;
    }
}
