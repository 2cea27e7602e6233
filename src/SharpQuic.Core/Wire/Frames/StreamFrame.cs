namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// STREAM (RFC 9000 §19.8), types 0x08–0x0f: stream data at an offset, with the OFF (0x04),
/// LEN (0x02) and FIN (0x01) bits in the type. Without LEN the data runs to the end of the
/// packet. Parsed frames slice the packet payload.
/// </summary>
public readonly ref struct StreamFrame
{
    /// <summary>
    /// Builds a frame to send. The Offset field is written only when <paramref name="offset"/>
    /// is not 0; <paramref name="hasLength"/> false omits the Length field, which is only valid
    /// for the last frame of a packet.
    /// </summary>
    public StreamFrame(ulong streamId, ulong offset, ReadOnlySpan<byte> data, bool fin, bool hasLength = true)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(streamId, VarInt.MaxValue);
        if (offset > VarInt.MaxValue || (ulong)data.Length > VarInt.MaxValue - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "offset + length must not exceed 2^62 - 1 (RFC 9000 §19.8).");
        }

        StreamId = streamId;
        Offset = offset;
        Data = data;
        Fin = fin;
        HasLength = hasLength;
    }

    /// <summary>The stream the data belongs to.</summary>
    public ulong StreamId { get; }

    /// <summary>The byte offset of <see cref="Data"/> in the stream (0 when the OFF bit is clear).</summary>
    public ulong Offset { get; }

    /// <summary>The stream bytes.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>True when this frame marks the end of the stream.</summary>
    public bool Fin { get; }

    /// <summary>True when the frame has a Length field (LEN bit).</summary>
    public bool HasLength { get; }

    /// <summary>The wire type of this frame; OFF is set only for a non-zero offset.</summary>
    public FrameType Type =>
        (FrameType)((ulong)FrameType.Stream
            | (Offset != 0 ? StreamFrameBits.Off : 0)
            | (HasLength ? StreamFrameBits.Len : 0)
            | (Fin ? StreamFrameBits.Fin : 0));

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength =>
        HeaderLength(StreamId, Offset) + (HasLength ? VarInt.EncodedLength((ulong)Data.Length) : 0) + Data.Length;

    /// <summary>
    /// How many data bytes a STREAM frame for <paramref name="streamId"/> at
    /// <paramref name="offset"/> can carry in exactly <paramref name="space"/> bytes, or -1 when
    /// not even an empty frame fits. With <paramref name="withLength"/> false the Length field is
    /// left out (the frame must then be the last in the packet) and the result fills
    /// <paramref name="space"/> exactly. The result never makes offset + length exceed 2^62 - 1.
    /// </summary>
    public static int MaxDataLength(ulong streamId, ulong offset, int space, bool withLength)
    {
        int room = space - HeaderLength(streamId, offset);
        ulong cap = VarInt.MaxValue - offset;
        if (withLength)
        {
            return FitWithLength(room, cap);
        }

        return room < 0 ? -1 : (int)Math.Min((ulong)room, cap);
    }

    /// <summary>
    /// Reads the body; the reader is positioned after the type. FRAME_ENCODING_ERROR for a short
    /// body or when offset + length exceeds 2^62 - 1 (RFC 9000 §19.8).
    /// </summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out StreamFrame frame)
    {
        frame = default;
        ulong offset = 0;
        if (!reader.TryReadVarInt(out ulong streamId) ||
            ((frameType & StreamFrameBits.Off) != 0 && !reader.TryReadVarInt(out offset)))
        {
            return TransportErrorCode.FrameEncodingError;
        }

        bool hasLength = (frameType & StreamFrameBits.Len) != 0;
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

        if ((ulong)data.Length > VarInt.MaxValue - offset)
        {
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new StreamFrame(streamId, offset, data, (frameType & StreamFrameBits.Fin) != 0, hasLength);
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
        writer.TryWriteVarInt(StreamId);
        if (Offset != 0)
        {
            writer.TryWriteVarInt(Offset);
        }

        return HasLength ? writer.TryWriteLengthPrefixed(Data) : writer.TryWriteBytes(Data);
    }

    /// <summary>
    /// The largest n ≤ <paramref name="cap"/> with varint(n) + n ≤ <paramref name="room"/>, or
    /// -1 when even a zero length does not fit. Shared by the length-prefixed frame writers.
    /// </summary>
    internal static int FitWithLength(int room, ulong cap)
    {
        if (room < 1)
        {
            return -1;
        }

        // Try each Length field size; the largest data length that both fits the room and is
        // representable by that field size wins.
        long best = Math.Min(room - 1, 63);
        if (room >= 2)
        {
            best = Math.Max(best, Math.Min(room - 2, 16383));
        }

        if (room >= 4)
        {
            best = Math.Max(best, Math.Min(room - 4, 1073741823));
        }

        if (room >= 8)
        {
            best = Math.Max(best, room - 8);
        }

        return (int)Math.Min((ulong)best, cap);
    }

    private static int HeaderLength(ulong streamId, ulong offset) =>
        1 + VarInt.EncodedLength(streamId) + (offset != 0 ? VarInt.EncodedLength(offset) : 0);
}
