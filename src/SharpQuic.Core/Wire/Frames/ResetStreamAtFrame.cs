namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset §4): ends the sending part of a stream like
/// RESET_STREAM, but the first <see cref="ReliableSize"/> bytes are still delivered reliably.
/// </summary>
public readonly struct ResetStreamAtFrame
{
    /// <summary>Builds a frame to send. Every value must fit a variable-length integer and the reliable size the final size.</summary>
    public ResetStreamAtFrame(ulong streamId, ulong applicationErrorCode, ulong finalSize, ulong reliableSize)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(streamId, VarInt.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(applicationErrorCode, VarInt.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(finalSize, VarInt.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(reliableSize, finalSize);
        StreamId = streamId;
        ApplicationErrorCode = applicationErrorCode;
        FinalSize = finalSize;
        ReliableSize = reliableSize;
    }

    /// <summary>The stream being reset.</summary>
    public ulong StreamId { get; }

    /// <summary>The application protocol error code.</summary>
    public ulong ApplicationErrorCode { get; }

    /// <summary>The final size of the stream in bytes (RFC 9000 §4.5).</summary>
    public ulong FinalSize { get; }

    /// <summary>How many bytes from the start of the stream are still delivered to the application.</summary>
    public ulong ReliableSize { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength =>
        1 + VarInt.EncodedLength(StreamId) + VarInt.EncodedLength(ApplicationErrorCode) + VarInt.EncodedLength(FinalSize) + VarInt.EncodedLength(ReliableSize);

    /// <summary>
    /// Reads the body; the reader is positioned after the type. A short body, or a reliable size above the final
    /// size (§4), is FRAME_ENCODING_ERROR.
    /// </summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out ResetStreamAtFrame frame)
    {
        _ = frameType;
        if (!reader.TryReadVarInt(out ulong streamId) ||
            !reader.TryReadVarInt(out ulong applicationErrorCode) ||
            !reader.TryReadVarInt(out ulong finalSize) ||
            !reader.TryReadVarInt(out ulong reliableSize) ||
            reliableSize > finalSize)
        {
            frame = default;
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new ResetStreamAtFrame(streamId, applicationErrorCode, finalSize, reliableSize);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)FrameType.ResetStreamAt);
        writer.TryWriteVarInt(StreamId);
        writer.TryWriteVarInt(ApplicationErrorCode);
        writer.TryWriteVarInt(FinalSize);
        writer.TryWriteVarInt(ReliableSize);
        return true;
    }
}
