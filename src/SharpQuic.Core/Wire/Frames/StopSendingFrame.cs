namespace SharpQuic.Core.Wire.Frames;

/// <summary>STOP_SENDING (RFC 9000 §19.5): asks the peer to stop sending on a stream.</summary>
public readonly struct StopSendingFrame
{
    /// <summary>Builds a frame to send. Every value must fit a variable-length integer.</summary>
    public StopSendingFrame(ulong streamId, ulong applicationErrorCode)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(streamId, VarInt.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(applicationErrorCode, VarInt.MaxValue);
        StreamId = streamId;
        ApplicationErrorCode = applicationErrorCode;
    }

    /// <summary>The stream whose incoming data is being discarded.</summary>
    public ulong StreamId { get; }

    /// <summary>The application protocol error code.</summary>
    public ulong ApplicationErrorCode { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 1 + VarInt.EncodedLength(StreamId) + VarInt.EncodedLength(ApplicationErrorCode);

    /// <summary>Reads the body; the reader is positioned after the type. A short body is FRAME_ENCODING_ERROR.</summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out StopSendingFrame frame)
    {
        _ = frameType;
        if (!reader.TryReadVarInt(out ulong streamId) ||
            !reader.TryReadVarInt(out ulong applicationErrorCode))
        {
            frame = default;
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new StopSendingFrame(streamId, applicationErrorCode);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)FrameType.StopSending);
        writer.TryWriteVarInt(StreamId);
        writer.TryWriteVarInt(ApplicationErrorCode);
        return true;
    }
}
