namespace SharpQuic.Core.Wire.Frames;

/// <summary>MAX_DATA (RFC 9000 §19.9): raises the connection-level flow control limit.</summary>
public readonly struct MaxDataFrame
{
    /// <summary>Builds a frame to send. Every value must fit a variable-length integer.</summary>
    public MaxDataFrame(ulong maximumData)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maximumData, VarInt.MaxValue);
        MaximumData = maximumData;
    }

    /// <summary>The maximum amount of data, in bytes, that can be sent on the connection.</summary>
    public ulong MaximumData { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 1 + VarInt.EncodedLength(MaximumData);

    /// <summary>Reads the body; the reader is positioned after the type. A short body is FRAME_ENCODING_ERROR.</summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out MaxDataFrame frame)
    {
        _ = frameType;
        if (!reader.TryReadVarInt(out ulong maximumData))
        {
            frame = default;
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new MaxDataFrame(maximumData);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)FrameType.MaxData);
        writer.TryWriteVarInt(MaximumData);
        return true;
    }
}
