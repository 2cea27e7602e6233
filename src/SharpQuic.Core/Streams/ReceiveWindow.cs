namespace SharpQuic.Core.Streams;

/// <summary>
/// The receiving side of one flow control limit (RFC 9000 §4.1, §4.2): the limit we advertised,
/// the highest data the peer sent against it, and what the application consumed. The limit is
/// raised (a MAX_DATA / MAX_STREAM_DATA to send) when the consumed amount passes half the
/// window, to consumed + window.
/// </summary>
/// <remarks>
/// Auto-tuning (RFC 9000 §4.2 suggests it): when half a window was consumed within one smoothed
/// RTT of the previous update, i.e. a whole window in under two RTTs, the reader keeps up with
/// the sender and the window limits throughput, so the window doubles, up to
/// <see cref="MaxWindow"/>. A slow reader never triggers growth, which keeps memory bounded by
/// what the application actually drains.
/// </remarks>
internal struct ReceiveWindow
{
    private Instant _lastUpdate;
    private bool _hasUpdated;

    /// <summary>Starts with <paramref name="window"/> advertised (our transport parameter).</summary>
    public ReceiveWindow(ulong window, ulong maxWindow)
    {
        Window = window;
        MaxWindow = Math.Max(window, maxWindow);
        Limit = window;
    }

    /// <summary>The limit we advertised last: the peer must not send beyond it.</summary>
    public ulong Limit { readonly get; private set; }

    /// <summary>The highest offset (stream) or sum of highest offsets (connection) received.</summary>
    public ulong Received { readonly get; private set; }

    /// <summary>Bytes the application consumed (read or discarded).</summary>
    public ulong Consumed { readonly get; private set; }

    /// <summary>The current window size: how far beyond <see cref="Consumed"/> the limit is set.</summary>
    public ulong Window { readonly get; private set; }

    /// <summary>The largest window auto-tuning may reach.</summary>
    public ulong MaxWindow { readonly get; private set; }

    /// <summary>
    /// The peer's data now reaches <paramref name="received"/> (absolute). Beyond the limit is a
    /// FLOW_CONTROL_ERROR (RFC 9000 §4.1); nothing changes then.
    /// </summary>
    public TransportErrorCode OnReceived(ulong received)
    {
        if (received > Limit)
        {
            return TransportErrorCode.FlowControlError;
        }

        if (received > Received)
        {
            Received = received;
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// The application consumed <paramref name="bytes"/> more. Returns true when the limit was
    /// raised and a MAX_DATA / MAX_STREAM_DATA with the new <see cref="Limit"/> should be sent.
    /// </summary>
    public bool OnConsumed(ulong bytes, Instant now, TimeSpan smoothedRtt)
    {
        Consumed += bytes;
        if (Limit - Math.Min(Limit, Consumed) >= Window / 2)
        {
            return false;
        }

        if (_hasUpdated && smoothedRtt > TimeSpan.Zero && now - _lastUpdate < smoothedRtt && Window < MaxWindow)
        {
            Window = Math.Min(MaxWindow, Window * 2);
        }

        _hasUpdated = true;
        _lastUpdate = now;
        ulong limit = Math.Min(Consumed + Window, VarIntMax);
        if (limit <= Limit)
        {
            return false;
        }

        Limit = limit;
        return true;
    }

    /// <summary>Raises the window to at least <paramref name="window"/> (for example the connection window following a stream's).</summary>
    public void EnsureWindow(ulong window)
    {
        if (window > Window)
        {
            Window = Math.Min(window, MaxWindow);
        }
    }

    private const ulong VarIntMax = (1UL << 62) - 1;
}
