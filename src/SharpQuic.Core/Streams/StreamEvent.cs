namespace SharpQuic.Core.Streams;

/// <summary>What happened to a stream (see <see cref="StreamManager.PollEvent"/>).</summary>
public enum StreamEventKind
{
    /// <summary>The peer opened a stream (explicitly or implicitly, RFC 9000 §3.2).</summary>
    Opened,

    /// <summary>Data or the end of the stream can be read. Repeated only after the application read.</summary>
    Readable,

    /// <summary>Send buffer space freed after a short write.</summary>
    Writable,

    /// <summary>Everything we sent, FIN included, was acknowledged (RFC 9000 §3.1 "Data Recvd").</summary>
    Finished,

    /// <summary>The peer reset its sending part (RESET_STREAM, or RESET_STREAM_AT once its reliable prefix was read); <see cref="StreamEvent.ErrorCode"/> is its code.</summary>
    ResetReceived,

    /// <summary>The peer asked us to stop sending (STOP_SENDING, RFC 9000 §3.5); we reset with its code.</summary>
    StopSendingReceived,

    /// <summary>
    /// The peer's final size of a stream became known (its FIN, RESET_STREAM or RESET_STREAM_AT arrived, also after our
    /// STOP_SENDING), before the application read to it: <see cref="StreamEvent.FinalSize"/>. Flow control layered on
    /// top (WebTransport's session credit) settles and checks with it.
    /// </summary>
    FinalSizeKnown,

    /// <summary>MAX_STREAMS raised the limit: <see cref="StreamEvent.StreamId"/> is the next stream of that type we may open.</summary>
    StreamsAvailable,
}

/// <summary>One stream event: a small value, polled without allocation.</summary>
public readonly record struct StreamEvent(StreamEventKind Kind, StreamId StreamId, ulong ErrorCode = 0, ulong FinalSize = 0);

/// <summary>How a read ended (see <see cref="StreamManager.Read"/>).</summary>
public enum StreamReadStatus
{
    /// <summary>Bytes were read; more may follow.</summary>
    Data,

    /// <summary>Nothing to read now; wait for a <see cref="StreamEventKind.Readable"/> event.</summary>
    WouldBlock,

    /// <summary>The end of the stream was reached (the bytes of this call, if any, are the last).</summary>
    Finished,

    /// <summary>The peer reset the stream; <see cref="StreamReadResult.ErrorCode"/> is its code.</summary>
    Reset,

    /// <summary>Reading was aborted by the application, or the stream is gone.</summary>
    Closed,
}

/// <summary>
/// The outcome of <see cref="StreamManager.Read"/>. <see cref="FinalSize"/> is the stream's final size (RFC 9000 §4.5)
/// when the status is <see cref="StreamReadStatus.Finished"/> or <see cref="StreamReadStatus.Reset"/>.
/// </summary>
public readonly record struct StreamReadResult(int BytesRead, StreamReadStatus Status, ulong ErrorCode = 0, ulong FinalSize = 0);

/// <summary>
/// What a STREAM frame carried, for the connection to store with the sent packet and hand back
/// on acknowledgment or loss (<see cref="StreamManager.OnStreamFrameAcked"/>,
/// <see cref="StreamManager.OnStreamFrameLost"/>). Loss resends these ranges, never packet bytes.
/// </summary>
public readonly record struct SentStreamFrame(StreamId StreamId, ulong Offset, int Length, bool Fin);

/// <summary>
/// A control frame written by <see cref="StreamManager.TryWriteControlFrame"/>, to store with the
/// sent packet and hand back on acknowledgment or loss. <see cref="Value"/> is the frame's limit
/// (MAX_*, *_BLOCKED), error code (RESET_STREAM, STOP_SENDING) or reliable size (RESET_STREAM_AT).
/// </summary>
public readonly record struct SentControlFrame(Wire.Frames.FrameType Type, StreamId StreamId, ulong Value);
