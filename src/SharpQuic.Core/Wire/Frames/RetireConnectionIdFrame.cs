namespace SharpQuic.Core.Wire.Frames;

/// <summary>RETIRE_CONNECTION_ID (RFC 9000 §19.16): retires a connection ID issued by the peer.</summary>
public readonly struct RetireConnectionIdFrame
{
    /// <summary>Builds a frame to send. Every value must fit a variable-length integer.</summary>
    public RetireConnectionIdFrame(ulong sequenceNumber)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sequenceNumber, VarInt.MaxValue);
        SequenceNumber = sequenceNumber;
    }

    /// <summary>The sequence number of the connection ID being retired.</summary>
    public ulong SequenceNumber { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 1 + VarInt.EncodedLength(SequenceNumber);

    /// <summary>Reads the body; the reader is positioned after the type. A short body is FRAME_ENCODING_ERROR.</summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out RetireConnectionIdFrame frame)
    {
        _ = frameType;
        if (!reader.TryReadVarInt(out ulong sequenceNumber))
        {
            frame = default;
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new RetireConnectionIdFrame(sequenceNumber);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)FrameType.RetireConnectionId);
        writer.TryWriteVarInt(SequenceNumber);
        return true;
    }
}
