namespace SharpQuic.Core.Wire.Frames;

/// <summary>DATA_BLOCKED (RFC 9000 §19.12): says the sender is blocked by connection flow control.</summary>
public readonly struct DataBlockedFrame
{
    /// <summary>Builds a frame to send. Every value must fit a variable-length integer.</summary>
    public DataBlockedFrame(ulong maximumData)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maximumData, VarInt.MaxValue);
        MaximumData = maximumData;
    }

    /// <summary>The connection-level limit at which blocking occurred.</summary>
    public ulong MaximumData { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 1 + VarInt.EncodedLength(MaximumData);

    /// <summary>Reads the body; the reader is positioned after the type. A short body is FRAME_ENCODING_ERROR.</summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out DataBlockedFrame frame)
    {
        _ = frameType;
        if (!reader.TryReadVarInt(out ulong maximumData))
        {
            frame = default;
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new DataBlockedFrame(maximumData);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)FrameType.DataBlocked);
        writer.TryWriteVarInt(MaximumData);
        return true;
    }
}
