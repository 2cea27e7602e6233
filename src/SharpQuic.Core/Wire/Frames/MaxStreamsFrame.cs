namespace SharpQuic.Core.Wire.Frames;

/// <summary>MAX_STREAMS (RFC 9000 §19.11): raises the limit on streams the peer may open. Type MaxStreamsBidi is for bidirectional streams, MaxStreamsUni for unidirectional.</summary>
public readonly struct MaxStreamsFrame
{
    /// <summary>The largest stream count a frame may carry: 2^60, since a stream ID is at most 2^62 - 1 (RFC 9000 §19.11).</summary>
    public const ulong MaxStreamCount = 1UL << 60;

    /// <summary>Builds a frame to send.</summary>
    public MaxStreamsFrame(bool bidirectional, ulong maximumStreams)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maximumStreams, MaxStreamCount);
        Bidirectional = bidirectional;
        MaximumStreams = maximumStreams;
    }

    /// <summary>True for the bidirectional type (MaxStreamsBidi), false for the unidirectional one (MaxStreamsUni).</summary>
    public bool Bidirectional { get; }

    /// <summary>The cumulative number of streams of this direction the peer may open.</summary>
    public ulong MaximumStreams { get; }

    /// <summary>The wire type of this frame.</summary>
    public FrameType Type => Bidirectional ? FrameType.MaxStreamsBidi : FrameType.MaxStreamsUni;

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 1 + VarInt.EncodedLength(MaximumStreams);

    /// <summary>
    /// Reads the body; the reader is positioned after the type. A count above 2^60 is
    /// FRAME_ENCODING_ERROR (RFC 9000 §19.11), as is a short body.
    /// </summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out MaxStreamsFrame frame)
    {
        if (!reader.TryReadVarInt(out ulong maximumStreams) || maximumStreams > MaxStreamCount)
        {
            frame = default;
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new MaxStreamsFrame(frameType == (ulong)FrameType.MaxStreamsBidi, maximumStreams);
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
        writer.TryWriteVarInt(MaximumStreams);
        return true;
    }
}
