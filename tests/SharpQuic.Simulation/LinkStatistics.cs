namespace SharpQuic.Simulation;

/// <summary>Why a link dropped a datagram.</summary>
public enum DropReason
{
    /// <summary>The link's drop filter asked for it.</summary>
    Filter,

    /// <summary>Independent random loss.</summary>
    RandomLoss,

    /// <summary>Gilbert–Elliott burst loss.</summary>
    BurstLoss,

    /// <summary>Larger than the link MTU.</summary>
    Mtu,

    /// <summary>The bottleneck queue was full (tail drop).</summary>
    QueueFull,

    /// <summary>No node had the destination address when the datagram arrived (e.g. after an address change).</summary>
    Unroutable,
}

/// <summary>Counters of one direction of a link.</summary>
public sealed class LinkStatistics
{
    private readonly long[] _dropped = new long[Enum.GetValues<DropReason>().Length];

    /// <summary>Datagrams handed to the link (duplicates not counted).</summary>
    public long DatagramsSent { get; internal set; }

    /// <summary>Bytes handed to the link.</summary>
    public long BytesSent { get; internal set; }

    /// <summary>Datagrams handed to the receiving node (duplicates counted).</summary>
    public long DatagramsDelivered { get; internal set; }

    /// <summary>Bytes handed to the receiving node.</summary>
    public long BytesDelivered { get; internal set; }

    /// <summary>Extra copies made by duplication.</summary>
    public long Duplicated { get; internal set; }

    /// <summary>Datagrams whose bits were flipped.</summary>
    public long Corrupted { get; internal set; }

    /// <summary>Datagrams held back to be overtaken.</summary>
    public long Reordered { get; internal set; }

    /// <summary>All drops, whatever the cause.</summary>
    public long DroppedTotal
    {
        get
        {
            long sum = 0;
            foreach (long n in _dropped)
            {
                sum += n;
            }

            return sum;
        }
    }

    /// <summary>Drops for one cause.</summary>
    public long Dropped(DropReason reason) => _dropped[(int)reason];

    internal void CountDrop(DropReason reason) => _dropped[(int)reason]++;

    /// <inheritdoc/>
    public override string ToString()
        => $"sent {DatagramsSent} ({BytesSent} B), delivered {DatagramsDelivered} ({BytesDelivered} B), dropped {DroppedTotal}, dup {Duplicated}, corrupt {Corrupted}, reordered {Reordered}";
}
