namespace SharpQuic.Core.Endpoint;

/// <summary>
/// A token bucket bounding how many Stateless Resets an endpoint sends (RFC 9000 §10.3.3): resets
/// cost CPU and bandwidth and answer unauthenticated packets. Time is passed in; nothing here reads
/// a clock. Not thread-safe (one per worker).
/// </summary>
public sealed class StatelessResetRateLimiter
{
    private const long MicrosPerToken = 1_000_000;

    private readonly long _capacity;
    private readonly long _ratePerSecond;
    private long _balance;
    private Instant _last;

    /// <summary>Allows bursts of <paramref name="burst"/> resets and <paramref name="perSecond"/> resets per second on average.</summary>
    public StatelessResetRateLimiter(int burst, int perSecond, Instant start)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        ArgumentOutOfRangeException.ThrowIfNegative(perSecond);
        _capacity = burst * MicrosPerToken;
        _ratePerSecond = perSecond;
        _balance = _capacity;
        _last = start;
    }

    /// <summary>Takes one reset from the bucket; false when the rate is exhausted (do not send).</summary>
    public bool TryAcquire(Instant now)
    {
        if (now > _last)
        {
            // Balance in token-microseconds: elapsed µs × tokens per second, capped at the burst.
            long elapsed = now.Microseconds - _last.Microseconds;
            long refill = elapsed > (_capacity / Math.Max(_ratePerSecond, 1)) ? _capacity : elapsed * _ratePerSecond;
            _balance = Math.Min(_capacity, _balance + refill);
            _last = now;
        }

        if (_balance < MicrosPerToken)
        {
            return false;
        }

        _balance -= MicrosPerToken;
        return true;
    }
}
