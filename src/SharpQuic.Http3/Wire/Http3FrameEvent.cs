namespace SharpQuic.Http3.Wire;

/// <summary>What one call of <see cref="Http3FrameReader.Read"/> produced.</summary>
internal enum Http3FrameReadStatus
{
    /// <summary>All input was consumed without completing anything; call again with more bytes.</summary>
    NeedMoreData,

    /// <summary>A whole bounded frame (HEADERS, SETTINGS, GOAWAY, ...): see <see cref="Http3FrameEvent"/>.</summary>
    Frame,

    /// <summary>A piece of a DATA frame's payload, handed out without buffering the frame.</summary>
    DataChunk,

    /// <summary>
    /// The WT_STREAM signal opened this bidirectional stream for WebTransport; the rest of the
    /// stream is application bytes, not HTTP/3 frames, and this reader is done.
    /// </summary>
    WebTransportStream,

    /// <summary>A connection error: <see cref="Http3FrameEvent.Error"/>. The reader stays in this state.</summary>
    Error,
}

/// <summary>
/// One result of the frame reader. <see cref="Payload"/> points into the caller's input or the
/// reader's own buffer and is valid only until the next call to the reader.
/// </summary>
internal readonly ref struct Http3FrameEvent
{
    public Http3FrameEvent(ulong type, ulong value, ReadOnlySpan<byte> payload, ulong dataRemaining, Http3ErrorCode error)
    {
        Type = type;
        Value = value;
        Payload = payload;
        DataRemaining = dataRemaining;
        Error = error;
    }

    /// <summary>The frame type.</summary>
    public ulong Type { get; }

    /// <summary>
    /// The leading integer of the frame: GOAWAY's stream/push ID, MAX_PUSH_ID's and CANCEL_PUSH's
    /// push ID, PUSH_PROMISE's push ID, PRIORITY_UPDATE's prioritized element ID, WT_STREAM's session ID.
    /// </summary>
    public ulong Value { get; }

    /// <summary>
    /// The payload: HEADERS' encoded field section, SETTINGS' parameters, PUSH_PROMISE's field
    /// section, PRIORITY_UPDATE's priority field value, or a DATA chunk.
    /// </summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>For a DATA chunk: payload bytes of this DATA frame still to come after it.</summary>
    public ulong DataRemaining { get; }

    /// <summary>The error, when the status is <see cref="Http3FrameReadStatus.Error"/>.</summary>
    public Http3ErrorCode Error { get; }
}

/// <summary>Limits for <see cref="Http3FrameReader"/>: the only frames it buffers are bounded by these.</summary>
internal sealed class Http3FrameReaderOptions
{
    /// <summary>Shared default options.</summary>
    public static readonly Http3FrameReaderOptions Default = new();

    /// <summary>
    /// Largest encoded HEADERS or PUSH_PROMISE payload accepted (bytes). A larger frame is an
    /// H3_EXCESSIVE_LOAD connection error (RFC 9114 §10.5): the reader will not buffer it.
    /// </summary>
    public int MaxHeadersFrameSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 64 * 1024;

    /// <summary>Largest SETTINGS payload accepted; larger is H3_EXCESSIVE_LOAD.</summary>
    public int MaxSettingsFrameSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 4096;

    /// <summary>Largest PRIORITY_UPDATE priority field value accepted; larger is H3_EXCESSIVE_LOAD.</summary>
    public int MaxPriorityFieldValueSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 1024;

    /// <summary>Whether WebTransport was negotiated, so that WT_STREAM may open a bidirectional stream.</summary>
    public bool WebTransportEnabled { get; init; }
}
