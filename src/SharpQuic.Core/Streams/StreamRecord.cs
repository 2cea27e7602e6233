namespace SharpQuic.Core.Streams;

/// <summary>One live stream in a <see cref="StreamManager"/>: its two parts and its queue memberships.</summary>
internal sealed class StreamRecord
{
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

    /// <summary>In the round-robin queue of streams with data to send.</summary>
    public bool InSendQueue { get; set; }

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
