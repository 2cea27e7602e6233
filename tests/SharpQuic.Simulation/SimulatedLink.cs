using System.Buffers;
using System.Net;
using SharpQuic.Core;
using SharpQuic.Core.Endpoint;

namespace SharpQuic.Simulation;

/// <summary>
/// One direction between two hosts: conditions, statistics, a drop filter, and the state the
/// conditions need (a seeded random generator, the burst-loss state, the bottleneck queue).
/// </summary>
public sealed class SimulatedLink
{
    private readonly Random _random;
    private readonly Queue<(long FinishMicros, int Length)> _bottleneck = new();
    private LinkConditions _conditions;
    private long _queuedBytes;
    private long _busyUntilMicros;
    private long _lastInOrderArrivalMicros;
    private long _nextIndex;
    private bool _burstBad;

    internal SimulatedLink(SimulatedHost from, SimulatedHost to, LinkConditions conditions, int seed)
    {
        conditions.Validate();
        From = from;
        To = to;
        _conditions = conditions;
        _random = new Random(seed);
    }

    /// <summary>The sending host.</summary>
    public SimulatedHost From { get; }

    /// <summary>The receiving host.</summary>
    public SimulatedHost To { get; }

    /// <summary>The conditions; may be replaced mid-run (datagrams already in flight keep their fate).</summary>
    public LinkConditions Conditions
    {
        get => _conditions;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            _conditions = value;
        }
    }

    /// <summary>Called for every datagram entering the link; returning true drops it (<see cref="DropReason.Filter"/>).</summary>
    public DatagramDropFilter? DropFilter { get; set; }

    /// <summary>Counters.</summary>
    public LinkStatistics Statistics { get; } = new();

    /// <summary>Bytes waiting in (or being serialized by) the bottleneck queue at the last send.</summary>
    public long QueuedBytes => _queuedBytes;

    /// <inheritdoc/>
    public override string ToString() => $"{From.Name} -> {To.Name}: {Statistics}";

    /// <summary>A datagram enters the link at <paramref name="now"/>.</summary>
    internal void Send(SimulatedNetwork network, Instant now, IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
    {
        long index = _nextIndex++;
        Statistics.DatagramsSent++;
        Statistics.BytesSent += bytes.Length;
        LinkConditions c = _conditions;

        if (DropFilter is { } filter && filter(new SimulatedDatagram(this, index, source, destination, ecn, bytes, now, now)))
        {
            Statistics.CountDrop(DropReason.Filter);
            return;
        }

        if (bytes.Length > c.Mtu)
        {
            Statistics.CountDrop(DropReason.Mtu);
            return;
        }

        if (c.LossProbability > 0 && NextDouble() < c.LossProbability)
        {
            Statistics.CountDrop(DropReason.RandomLoss);
            return;
        }

        if (c.BurstLoss is { } burst && BurstLost(burst))
        {
            Statistics.CountDrop(DropReason.BurstLoss);
            return;
        }

        Enqueue(network, c, now, index, source, destination, bytes, ecn);
        if (c.DuplicateProbability > 0 && NextDouble() < c.DuplicateProbability)
        {
            Statistics.Duplicated++;
            Enqueue(network, c, now, index, source, destination, bytes, ecn);
        }
    }

    internal void CountDelivered(int length)
    {
        Statistics.DatagramsDelivered++;
        Statistics.BytesDelivered += length;
    }

    private void Enqueue(SimulatedNetwork network, LinkConditions c, Instant now, long index, IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
    {
        long departure = now.Microseconds;
        if (c.BandwidthBitsPerSecond is long bitsPerSecond)
        {
            // The bottleneck: a FIFO drained at the link rate; bytes count until fully serialized.
            while (_bottleneck.Count > 0 && _bottleneck.Peek().FinishMicros <= departure)
            {
                _queuedBytes -= _bottleneck.Dequeue().Length;
            }

            if (_queuedBytes + bytes.Length > c.QueueLimitBytes)
            {
                Statistics.CountDrop(DropReason.QueueFull);
                return;
            }

            long start = Math.Max(departure, _busyUntilMicros);
            long serialization = ((bytes.Length * 8_000_000L) + bitsPerSecond - 1) / bitsPerSecond;
            _busyUntilMicros = start + serialization;
            departure = _busyUntilMicros;
            _bottleneck.Enqueue((departure, bytes.Length));
            _queuedBytes += bytes.Length;
        }

        long arrival = departure + Micros(c.Delay);
        long jitter = Micros(c.Jitter);
        if (jitter > 0)
        {
            arrival += (long)(NextDouble() * (jitter + 1));
        }

        if (c.ReorderProbability > 0 && NextDouble() < c.ReorderProbability)
        {
            // Held back and not part of the in-order sequence: later datagrams overtake it.
            Statistics.Reordered++;
            arrival += Micros(c.ReorderDelay);
        }
        else
        {
            // Jitter alone never lets a datagram overtake an earlier one.
            arrival = Math.Max(arrival, _lastInOrderArrivalMicros);
            _lastInOrderArrivalMicros = arrival;
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(bytes.Length, 1));
        bytes.CopyTo(buffer);
        if (c.CorruptProbability > 0 && bytes.Length > 0 && NextDouble() < c.CorruptProbability)
        {
            Statistics.Corrupted++;
            FlipBits(buffer.AsSpan(0, bytes.Length));
        }

        network.Schedule(new InFlightDatagram(this, index, source, destination, ecn, buffer, bytes.Length, now), arrival);
    }

    private bool BurstLost(GilbertElliottLoss model)
    {
        // Gilbert–Elliott: a state transition before each datagram, then loss by the state's rate.
        _burstBad = _burstBad ? NextDouble() >= model.BadToGood : NextDouble() < model.GoodToBad;
        double loss = _burstBad ? model.LossInBad : model.LossInGood;
        return loss > 0 && NextDouble() < loss;
    }

    private void FlipBits(Span<byte> data)
    {
        int totalBits = data.Length * 8;
        int count = Math.Min(_random.Next(1, 4), totalBits);
        Span<int> chosen = stackalloc int[3];
        for (int i = 0; i < count; i++)
        {
            int bit;
            do
            {
                bit = _random.Next(totalBits);
            }
            while (chosen[..i].Contains(bit));

            chosen[i] = bit;
            data[bit >> 3] ^= (byte)(1 << (bit & 7));
        }
    }

    private double NextDouble() => _random.NextDouble();

    private static long Micros(TimeSpan span) => span.Ticks / TimeSpan.TicksPerMicrosecond;
}

/// <summary>A datagram on its way; the buffer is rented from the shared pool and returned on delivery.</summary>
internal readonly record struct InFlightDatagram(SimulatedLink Link, long Index, IPEndPoint Source, IPEndPoint Destination, EcnCodepoint Ecn, byte[] Buffer, int Length, Instant SentAt);
