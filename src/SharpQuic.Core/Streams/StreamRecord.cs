namespace SharpQuic.Core.Streams;

/// <summary>One live stream in a <see cref="StreamManager"/>: its two parts and its queue memberships.</summary>
internal sealed class StreamRecord
{
    /// <summary>RFC 9218 §4.1: the default urgency.</summary>
    public const byte DefaultUrgency = 3;

    public StreamRecord(StreamId id, SendStream? send, ReceiveStream? receive)
    {
        Id = id;
        Send = send;
        Receive = receive;
    }

    /// <summary>The stream.</summary>
    public StreamId Id { get; }

    /// <summary>The sending part; null for a stream only the peer sends on.</summary>
    public SendStream? Send { get; }

    /// <summary>The receiving part; null for a stream only we send on.</summary>
    public ReceiveStream? Receive { get; }

    /// <summary>In the <see cref="StreamSendScheduler"/> (it may have data to send).</summary>
    public bool InSendQueue { get; set; }

    /// <summary>
    /// RFC 9218 §4.1 urgency, 0 (first) to 7. A raw QUIC stream starts at the RFC's default 3; the HTTP/3 layer
    /// sets each request's own.
    /// </summary>
    public byte Urgency { get; set; } = DefaultUrgency;

    /// <summary>
    /// RFC 9218 §4.2 incremental flag. Unlike HTTP's default (false), a stream that never had a priority set is
    /// incremental, so plain QUIC streams share the connection round robin.
    /// </summary>
    public bool Incremental { get; set; } = true;

    /// <summary>Bumped on every push into the scheduler; older queue entries of this stream are stale.</summary>
    public uint SendQueueEpoch { get; set; }

    /// <summary>In the queue of streams with control frames to send.</summary>
    public bool InControlQueue { get; set; }

    /// <summary>Parked until MAX_DATA raises the connection limit.</summary>
    public bool InConnectionBlocked { get; set; }

    /// <summary>Both parts reached a terminal state and the stream left the manager.</summary>
    public bool Released { get; set; }

    /// <summary>True when some per-stream control frame waits.</summary>
    public bool HasControlPending =>
        (Send is { } s && (s.ResetPending || s.BlockedPending)) ||
        (Receive is { } r && (r.StopSendingPending || r.MaxStreamDataPending));

    /// <summary>True when both parts are terminal (absent parts count as terminal).</summary>
    public bool IsTerminal => (Send is null || Send.IsTerminal) && (Receive is null || Receive.IsTerminal);
}
