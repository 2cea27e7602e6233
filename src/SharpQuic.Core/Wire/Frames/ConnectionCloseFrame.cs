namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// CONNECTION_CLOSE (RFC 9000 §19.19). Type 0x1c carries a transport error code and the type
/// of the frame that caused it; type 0x1d carries an application error code and no frame type.
/// The reason phrase slices the packet payload; it is meant to be UTF-8 but is not checked here.
/// </summary>
public readonly ref struct ConnectionCloseFrame
{
    /// <summary>Builds a transport (0x1c) close.</summary>
    public static ConnectionCloseFrame Transport(TransportErrorCode errorCode, ulong triggeringFrameType, ReadOnlySpan<byte> reasonPhrase) =>
        new(false, (ulong)errorCode, triggeringFrameType, reasonPhrase);

    /// <summary>Builds an application (0x1d) close.</summary>
    public static ConnectionCloseFrame Application(ulong errorCode, ReadOnlySpan<byte> reasonPhrase) =>
        new(true, errorCode, 0, reasonPhrase);

    private ConnectionCloseFrame(bool isApplication, ulong errorCode, ulong triggeringFrameType, ReadOnlySpan<byte> reasonPhrase)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(errorCode, VarInt.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(triggeringFrameType, VarInt.MaxValue);
        IsApplicationClose = isApplication;
        ErrorCode = errorCode;
        TriggeringFrameType = triggeringFrameType;
        ReasonPhrase = reasonPhrase;
    }

    /// <summary>True for type 0x1d (application error), false for 0x1c (transport error).</summary>
    public bool IsApplicationClose { get; }

    /// <summary>The error code: a <see cref="TransportErrorCode"/> for 0x1c, application-defined for 0x1d.</summary>
    public ulong ErrorCode { get; }

    /// <summary>The type of the frame that triggered the error (0 when unknown); always 0 for 0x1d.</summary>
    public ulong TriggeringFrameType { get; }

    /// <summary>The reason phrase bytes (possibly empty).</summary>
    public ReadOnlySpan<byte> ReasonPhrase { get; }

    /// <summary>The wire type of this frame.</summary>
    public FrameType Type => IsApplicationClose ? FrameType.ConnectionCloseApplication : FrameType.ConnectionClose;

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength =>
        1 + VarInt.EncodedLength(ErrorCode)
        + (IsApplicationClose ? 0 : VarInt.EncodedLength(TriggeringFrameType))
        + VarInt.EncodedLength((ulong)ReasonPhrase.Length) + ReasonPhrase.Length;

    /// <summary>
    /// Reads the body; the reader is positioned after the type. A short body or a reason
    /// length beyond the remaining bytes is FRAME_ENCODING_ERROR.
    /// </summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out ConnectionCloseFrame frame)
    {
        frame = default;
        bool application = frameType == (ulong)FrameType.ConnectionCloseApplication;
        ulong triggering = 0;
        if (!reader.TryReadVarInt(out ulong errorCode) ||
            (!application && !reader.TryReadVarInt(out triggering)) ||
            !reader.TryReadLengthPrefixed(out ReadOnlySpan<byte> reason))
        {
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new ConnectionCloseFrame(application, errorCode, triggering, reason);
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
        writer.TryWriteVarInt(ErrorCode);
        if (!IsApplicationClose)
        {
            writer.TryWriteVarInt(TriggeringFrameType);
        }

        return writer.TryWriteLengthPrefixed(ReasonPhrase);
    }
}
