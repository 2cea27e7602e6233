namespace SharpQuic.Tls.Tickets;

/// <summary>
/// Server-side single-use ticket tracking (RFC 8446bis §8.1): remembers the ids of tickets already accepted until
/// they expire. Bounded: when full of unexpired ids it refuses new ones (fails closed: the client gets a full
/// handshake rather than a possible replay). Thread-safe; shared by all connections of a listener. Within one
/// process only: a cluster of servers sharing a ticket key needs a shared store (see the README).
/// </summary>
internal sealed class UsedTicketSet
{
    private readonly Dictionary<UInt128, DateTimeOffset> _used = [];
    private readonly Lock _lock = new();

    public UsedTicketSet(int capacity = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    /// <summary>Most ids held at once.</summary>
    public int Capacity { get; }

    /// <summary>Ids currently held.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _used.Count;
            }
        }
    }

    /// <summary>Records <paramref name="ticketId"/> (at least 12 bytes; the first 16 are kept) as used until
    /// <paramref name="expiresAt"/>. False when it was already used or the set is full.</summary>
    public bool TryMarkUsed(ReadOnlySpan<byte> ticketId, DateTimeOffset expiresAt, DateTimeOffset now)
    {
        Span<byte> key = stackalloc byte[16];
        key.Clear();
        ticketId[..Math.Min(16, ticketId.Length)].CopyTo(key);
        var id = new UInt128(BitConverter.ToUInt64(key[..8]), BitConverter.ToUInt64(key[8..]));
        lock (_lock)
        {
            if (_used.ContainsKey(id))
            {
                return false;
            }

            if (_used.Count >= Capacity)
            {
                Prune(now);
                if (_used.Count >= Capacity)
                {
                    return false;
                }
            }

            _used[id] = expiresAt;
            return true;
        }
    }

    private void Prune(DateTimeOffset now)
    {
        var expired = new List<UInt128>();
        foreach (KeyValuePair<UInt128, DateTimeOffset> entry in _used)
        {
            if (entry.Value <= now)
            {
                expired.Add(entry.Key);
            }
        }

        foreach (UInt128 id in expired)
        {
            _used.Remove(id);
        }
    }
}
