namespace SharpQuic.Core.Streams;

/// <summary>
/// The sending side of one flow control limit (RFC 9000 §4.1): the peer's MAX_DATA or
/// MAX_STREAM_DATA value and how much of it we used. Also remembers for which limit value a
/// DATA_BLOCKED / STREAM_DATA_BLOCKED was last reported, so each limit is reported once.
/// </summary>
internal struct SendCredit
{
    private bool _blockedReported;
    private ulong _blockedAt;

    /// <summary>Starts with the peer's initial limit (a transport parameter).</summary>
    public SendCredit(ulong limit) => Limit = limit;

    /// <summary>The peer's limit: the highest offset (stream) or the sum of offsets (connection) we may send.</summary>
    public ulong Limit { readonly get; private set; }

    /// <summary>Credit consumed by new data.</summary>
    public ulong Used { readonly get; private set; }

    /// <summary>Credit left.</summary>
    public readonly ulong Available => Limit > Used ? Limit - Used : 0;

    /// <summary>
    /// Applies a MAX_DATA / MAX_STREAM_DATA value. A value that does not raise the limit is
    /// ignored (RFC 9000 §4.1); returns true when the limit grew.
    /// </summary>
    public bool Raise(ulong limit)
    {
        if (limit <= Limit)
        {
            return false;
        }

        Limit = limit;
        return true;
    }

    /// <summary>Consumes credit for <paramref name="bytes"/> new bytes (never more than <see cref="Available"/>).</summary>
    public void Consume(ulong bytes)
    {
        if (bytes > Available)
        {
            throw new InvalidOperationException("Flow control credit exceeded; the caller must bound new data by Available.");
        }

        Used += bytes;
    }

    /// <summary>
    /// Records that the sender is blocked at the current limit. Returns true the first time for
    /// a given limit value: the caller then queues one *_BLOCKED frame (RFC 9000 §4.1).
    /// </summary>
    public bool TryReportBlocked()
    {
        if (Available != 0 || (_blockedReported && _blockedAt == Limit))
        {
            return false;
        }

        _blockedReported = true;
        _blockedAt = Limit;
        return true;
    }

    /// <summary>True while still blocked at the limit reported by <see cref="TryReportBlocked"/> (a lost *_BLOCKED frame is worth resending).</summary>
    public readonly bool IsBlockedAt(ulong limit) => _blockedReported && _blockedAt == limit && Limit == limit && Available == 0;
}
