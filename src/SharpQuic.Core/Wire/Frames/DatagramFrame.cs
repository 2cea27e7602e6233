namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// DATAGRAM (RFC 9221 §4): unreliable application data. Type 0x31 has a Length field; type
/// 0x30 has none and its data runs to the end of the packet, so it must be the last frame.
/// Parsed frames slice the packet payload.
/// </summary>
public readonly ref struct DatagramFrame
{
    /// <summary>Builds a frame to send; <paramref name="hasLength"/> false only for the last frame of a packet.</summary>
    public DatagramFrame(ReadOnlySpan<byte> data, bool hasLength = true)
    {
        Data = data;
        HasLength = hasLength;
    }

    /// <summary>The datagram payload.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>True for type 0x31 (Length field present).</summary>
    public bool HasLength { get; }

    /// <summary>The wire type of this frame.</summary>
    public FrameType Type => HasLength ? FrameType.DatagramLen : FrameType.Datagram;

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 1 + (HasLength ? VarInt.EncodedLength((ulong)Data.Length) : 0) + Data.Length;

    /// <summary>
    /// The most data bytes a DATAGRAM frame can carry in <paramref name="space"/> bytes, or -1
    /// when not even an empty frame fits. Without a Length field the frame fills the space exactly.
    /// </summary>
    public static int MaxDataLength(int space, bool hasLength) =>
        hasLength ? StreamFrame.FitWithLength(space - 1, VarInt.MaxValue) : Math.Max(-1, space - 1);

    /// <summary>
    /// Reads the body; the reader is positioned after the type. For 0x30 the rest of the
    /// payload is the data. A length beyond the remaining bytes is FRAME_ENCODING_ERROR.
    /// </summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out DatagramFrame frame)
    {
        frame = default;
        bool hasLength = frameType == (ulong)FrameType.DatagramLen;
        ReadOnlySpan<byte> data;
        if (hasLength)
        {
            if (!reader.TryReadLengthPrefixed(out data))
            {
                return TransportErrorCode.FrameEncodingError;
            }
        }
        else
        {
            reader.TryReadBytes(reader.Remaining, out data);
        }

        frame = new DatagramFrame(data, hasLength);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)Type);
        return HasLength ? writer.TryWriteLengthPrefixed(Data) : writer.TryWriteBytes(Data);
    }
}
