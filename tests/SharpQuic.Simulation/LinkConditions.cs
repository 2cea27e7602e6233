namespace SharpQuic.Simulation;

/// <summary>
/// How one direction of a link treats datagrams. Immutable: change conditions mid-run by
/// assigning a new value (<c>link.Conditions = link.Conditions with { LossProbability = 0.1 }</c>).
/// </summary>
public sealed record LinkConditions
{
    /// <summary>A perfect link: no delay, no loss, no limits.</summary>
    public static LinkConditions Ideal { get; } = new();

    /// <summary>Fixed one-way propagation delay.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>
    /// Extra delay drawn uniformly from [0, <see cref="Jitter"/>] per datagram. Jitter never
    /// reorders: a datagram never overtakes one sent before it on the same link, unless
    /// <see cref="ReorderProbability"/> picks it.
    /// </summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Probability that a datagram is lost independently of the others.</summary>
    public double LossProbability { get; init; }

    /// <summary>Correlated (burst) loss, applied in addition to <see cref="LossProbability"/>; null for none.</summary>
    public GilbertElliottLoss? BurstLoss { get; init; }

    /// <summary>Probability that a datagram is held back by <see cref="ReorderDelay"/> and so overtaken by later ones.</summary>
    public double ReorderProbability { get; init; }

    /// <summary>The extra delay of a reordered datagram.</summary>
    public TimeSpan ReorderDelay { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Probability that a datagram arrives twice (the copy is queued and delayed on its own).</summary>
    public double DuplicateProbability { get; init; }

    /// <summary>Probability that 1–3 random bits of a datagram are flipped.</summary>
    public double CorruptProbability { get; init; }

    /// <summary>Largest datagram payload the link carries; larger ones are dropped.</summary>
    public int Mtu { get; init; } = 65_527;

    /// <summary>Bottleneck rate in bits per second (serialization delay); null for unlimited.</summary>
    public long? BandwidthBitsPerSecond { get; init; }

    /// <summary>
    /// Bytes the bottleneck queue holds, counting datagrams not yet fully serialized; a datagram
    /// that does not fit is tail-dropped. Only used with <see cref="BandwidthBitsPerSecond"/>.
    /// </summary>
    public int QueueLimitBytes { get; init; } = 1 << 20;

    /// <summary>Throws when a value is out of range.</summary>
    internal void Validate()
    {
        CheckProbability(LossProbability, nameof(LossProbability));
        CheckProbability(ReorderProbability, nameof(ReorderProbability));
        CheckProbability(DuplicateProbability, nameof(DuplicateProbability));
        CheckProbability(CorruptProbability, nameof(CorruptProbability));
        if (Delay < TimeSpan.Zero || Jitter < TimeSpan.Zero || ReorderDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("Delays must not be negative.");
        }

        if (Mtu < 1)
        {
            throw new ArgumentException("The MTU must be positive.");
        }

        if (BandwidthBitsPerSecond is <= 0)
        {
            throw new ArgumentException("The bandwidth must be positive (null for unlimited).");
        }

        if (QueueLimitBytes < 0)
        {
            throw new ArgumentException("The queue limit must not be negative.");
        }

        BurstLoss?.Validate();
    }

    internal static void CheckProbability(double p, string name)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentException($"{name} must be a probability in [0, 1], was {p}.");
        }
    }
}

/// <summary>
/// The Gilbert–Elliott two-state loss model: a Good and a Bad state, a Markov transition per
/// datagram, and a loss probability per state. Mean burst length is 1 / <see cref="BadToGood"/>.
/// </summary>
/// <param name="GoodToBad">Probability of moving from Good to Bad before a datagram.</param>
/// <param name="BadToGood">Probability of moving from Bad to Good before a datagram.</param>
/// <param name="LossInGood">Loss probability in the Good state.</param>
/// <param name="LossInBad">Loss probability in the Bad state.</param>
public sealed record GilbertElliottLoss(double GoodToBad, double BadToGood, double LossInGood = 0, double LossInBad = 1)
{
    internal void Validate()
    {
        LinkConditions.CheckProbability(GoodToBad, nameof(GoodToBad));
        LinkConditions.CheckProbability(BadToGood, nameof(BadToGood));
        LinkConditions.CheckProbability(LossInGood, nameof(LossInGood));
        LinkConditions.CheckProbability(LossInBad, nameof(LossInBad));
    }
}
