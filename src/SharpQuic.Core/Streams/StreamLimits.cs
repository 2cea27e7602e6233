namespace SharpQuic.Core.Streams;

/// <summary>
/// The limit on streams of one type (bidirectional or unidirectional) that we open, set by the
/// peer's initial_max_streams_* transport parameter and MAX_STREAMS frames (RFC 9000 §4.6).
/// Streams are opened in index order (RFC 9000 §2.1).
/// </summary>
internal sealed class LocalStreamLimit
{
    private readonly StreamInitiator _initiator;
    private readonly StreamDirection _direction;
    private bool _blockedReported;
    private ulong _blockedAt;

    /// <summary>Creates the limit for our streams of one direction.</summary>
    public LocalStreamLimit(StreamInitiator us, StreamDirection direction, ulong peerMax)
    {
        _initiator = us;
        _direction = direction;
        PeerMax = Math.Min(peerMax, StreamId.MaxIndexCount);
    }

    /// <summary>How many streams of this type we opened (the next index).</summary>
    public ulong Opened { get; private set; }

    /// <summary>The peer's cumulative limit.</summary>
    public ulong PeerMax { get; private set; }

    /// <summary>True when the limit allows another stream.</summary>
    public bool CanOpen => Opened < PeerMax;

    /// <summary>Opens the next stream; false when at the peer's limit.</summary>
    public bool TryOpen(out StreamId id)
    {
        if (!CanOpen)
        {
            id = default;
            return false;
        }

        id = StreamId.Create(_initiator, _direction, Opened++);
        return true;
    }

    /// <summary>
    /// Applies MAX_STREAMS. A value that does not raise the limit is ignored (RFC 9000 §19.11:
    /// limits never decrease); returns true when it grew.
    /// </summary>
    public bool Raise(ulong maxStreams)
    {
        maxStreams = Math.Min(maxStreams, StreamId.MaxIndexCount);
        if (maxStreams <= PeerMax)
        {
            return false;
        }

        PeerMax = maxStreams;
        return true;
    }

    /// <summary>
    /// Replaces the peer's limit by a possibly lower one: after a 0-RTT rejection the server's new transport
    /// parameters apply instead of the remembered ones (RFC 9000 §7.4.1). Streams already opened stay opened.
    /// </summary>
    public void Replace(ulong maxStreams)
    {
        PeerMax = Math.Min(maxStreams, StreamId.MaxIndexCount);
        _blockedReported = false;
    }

    /// <summary>True when a stream with this index was opened by us already.</summary>
    public bool IsOpened(ulong index) => index < Opened;

    /// <summary>
    /// Records that we want to open a stream but are at the limit. True once per limit value:
    /// the caller then queues STREAMS_BLOCKED (RFC 9000 §4.6, §19.14).
    /// </summary>
    public bool TryReportBlocked()
    {
        if (CanOpen || (_blockedReported && _blockedAt == PeerMax))
        {
            return false;
        }

        _blockedReported = true;
        _blockedAt = PeerMax;
        return true;
    }

    /// <summary>True while still blocked at <paramref name="limit"/> (a lost STREAMS_BLOCKED is worth resending).</summary>
    public bool IsBlockedAt(ulong limit) => !CanOpen && PeerMax == limit;
}

/// <summary>
/// The limit on streams of one type that the peer opens (RFC 9000 §4.6): our advertised
/// cumulative count, the highest index the peer used, and how many of its streams are closed.
/// The advertised count stays <see cref="Concurrency"/> ahead of the closed ones, so the peer
/// may always have that many open.
/// </summary>
internal sealed class RemoteStreamLimit
{
    /// <summary>Starts with our initial_max_streams_* value.</summary>
    public RemoteStreamLimit(ulong concurrency)
    {
        Concurrency = Math.Min(concurrency, StreamId.MaxIndexCount);
        MaxStreams = Concurrency;
    }

    /// <summary>The number of peer streams of this type that may be open at once.</summary>
    public ulong Concurrency { get; }

    /// <summary>The cumulative count we advertised: the peer may use indices below it.</summary>
    public ulong MaxStreams { get; private set; }

    /// <summary>Streams the peer opened (explicitly or implicitly): indices below it exist or existed.</summary>
    public ulong Opened { get; private set; }

    /// <summary>Peer streams fully closed and released.</summary>
    public ulong Closed { get; private set; }

    /// <summary>
    /// A frame names the peer stream with <paramref name="index"/>. Beyond our limit is
    /// STREAM_LIMIT_ERROR (RFC 9000 §4.6). Otherwise the streams from <see cref="Opened"/> up to
    /// and including the index become open (RFC 9000 §3.2: opening a stream opens the lower ones
    /// of its type); <paramref name="firstNew"/>..<paramref name="index"/> are the new ones (none
    /// when <paramref name="firstNew"/> > index).
    /// </summary>
    public TransportErrorCode TryAccept(ulong index, out ulong firstNew)
    {
        firstNew = Opened;
        if (index >= MaxStreams)
        {
            return TransportErrorCode.StreamLimitError;
        }

        if (index >= Opened)
        {
            Opened = index + 1;
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>A peer stream was closed; returns true when <see cref="MaxStreams"/> grew (send MAX_STREAMS).</summary>
    public bool OnClosed()
    {
        Closed++;
        ulong target = Math.Min(Closed + Concurrency, StreamId.MaxIndexCount);
        if (target <= MaxStreams)
        {
            return false;
        }

        MaxStreams = target;
        return true;
    }
}
