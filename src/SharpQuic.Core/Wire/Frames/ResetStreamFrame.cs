namespace SharpQuic.Core.Wire.Frames;

/// <summary>RESET_STREAM (RFC 9000 §19.4): abruptly ends the sending part of a stream.</summary>
public readonly struct ResetStreamFrame
{
    /// <summary>Builds a frame to send. Every value must fit a variable-length integer.</summary>
    public ResetStreamFrame(ulong streamId, ulong applicationErrorCode, ulong finalSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(streamId, VarInt.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(applicationErrorCode, VarInt.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(finalSize, VarInt.MaxValue);
        StreamId = streamId;
        ApplicationErrorCode = applicationErrorCode;
        FinalSize = finalSize;
    }

    /// <summary>The stream being reset.</summary>
    public ulong StreamId { get; }

    /// <summary>The application protocol error code.</summary>
    public ulong ApplicationErrorCode { get; }

    /// <summary>The final size of the stream in bytes.</summary>
    public ulong FinalSize { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 1 + VarInt.EncodedLength(StreamId) + VarInt.EncodedLength(ApplicationErrorCode) + VarInt.EncodedLength(FinalSize);

    /// <summary>Reads the body; the reader is positioned after the type. A short body is FRAME_ENCODING_ERROR.</summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out ResetStreamFrame frame)
    {
        _ = frameType;
        if (!reader.TryReadVarInt(out ulong streamId) ||
            !reader.TryReadVarInt(out ulong applicationErrorCode) ||
            !reader.TryReadVarInt(out ulong finalSize))
        {
            frame = default;
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new ResetStreamFrame(streamId, applicationErrorCode, finalSize);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)FrameType.ResetStream);
        writer.TryWriteVarInt(StreamId);
        writer.TryWriteVarInt(ApplicationErrorCode);
        writer.TryWriteVarInt(FinalSize);
        return true;
    }
}
