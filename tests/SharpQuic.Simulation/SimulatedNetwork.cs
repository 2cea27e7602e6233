using System.Buffers;
using System.Net;
using SharpQuic.Core;
using SharpQuic.Core.Endpoint;

namespace SharpQuic.Simulation;

/// <summary>
/// An in-memory network of sans-IO nodes on a virtual clock (DESIGN.md, "Tests, in layers").
/// Deterministic: the same seed, nodes and conditions give the same run.
/// </summary>
/// <remarks>
/// One instant is processed as: deliver due datagrams, fire due timeouts, poll every node's
/// transmits until none — repeated until nothing more happens at that instant (a zero-delay link
/// delivers within it) — then the clock jumps to the next event: the earliest arrival or timeout.
/// Nodes are served in the order they were added; arrivals at the same time in the order they
/// were scheduled. Addresses are loopback-only: nothing here touches a real network.
/// </remarks>
public sealed class SimulatedNetwork
{
    private readonly PriorityQueue<InFlightDatagram, (long Time, long Sequence)> _inFlight = new();
    private readonly List<SimulatedHost> _hosts = [];
    private readonly Dictionary<IPEndPoint, SimulatedHost> _byAddress = [];
    private readonly Dictionary<(int From, int To), SimulatedLink> _links = [];
    private readonly byte[] _sendBuffer;
    private int[] _actionsPerHost = [];
    private long _sequence;

    /// <summary>Creates a network whose randomness derives from <paramref name="seed"/>.</summary>
    public SimulatedNetwork(int seed, int sendBufferSize = 128 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sendBufferSize, 1);
        Seed = seed;
        _sendBuffer = new byte[sendBufferSize];
    }

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <summary>The virtual clock.</summary>
    public Instant Now { get; private set; }

    /// <summary>Conditions given to a link when it is first used (or created by <see cref="GetLink"/>).</summary>
    public LinkConditions DefaultConditions { get; set; } = LinkConditions.Ideal;

    /// <summary>
    /// Deliveries, timeouts and transmits allowed at one instant before the run is declared a
    /// livelock (<see cref="SimulationLivelockException"/>).
    /// </summary>
    public int MaxActionsPerInstant { get; set; } = 1_000_000;

    /// <summary>Sees every delivered datagram, on every link.</summary>
    public DatagramObserver? Observer { get; set; }

    /// <summary>Datagrams sent to an address no host had at send time.</summary>
    public long UnroutableDatagrams { get; private set; }

    /// <summary>The hosts, in the order they were added.</summary>
    public IReadOnlyList<SimulatedHost> Hosts => _hosts;

    /// <summary>Datagrams scheduled but not yet delivered.</summary>
    public int InFlightCount => _inFlight.Count;

    /// <summary>Attaches <paramref name="node"/> at <paramref name="address"/> (a loopback address).</summary>
    public SimulatedHost AddNode(string name, IPEndPoint address, ISimulatedNode node)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(node);
        CheckAddress(address);
        var host = new SimulatedHost(_hosts.Count, name, node, address);
        _hosts.Add(host);
        _byAddress.Add(address, host);
        _actionsPerHost = new int[_hosts.Count];
        return host;
    }

    /// <summary>The link from <paramref name="from"/> to <paramref name="to"/>, created with <see cref="DefaultConditions"/> if new.</summary>
    public SimulatedLink GetLink(SimulatedHost from, SimulatedHost to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (!_links.TryGetValue((from.Index, to.Index), out SimulatedLink? link))
        {
            // Each direction draws from its own generator, so changing one link's conditions does
            // not shift the random sequence of the others.
            int seed = HashMix(Seed, from.Index, to.Index);
            link = new SimulatedLink(from, to, DefaultConditions, seed);
            _links.Add((from.Index, to.Index), link);
        }

        return link;
    }

    /// <summary>Sets the same conditions on both directions between two hosts.</summary>
    public void SetConditions(SimulatedHost a, SimulatedHost b, LinkConditions conditions)
    {
        GetLink(a, b).Conditions = conditions;
        GetLink(b, a).Conditions = conditions;
    }

    /// <summary>
    /// Moves <paramref name="host"/> to a new address (NAT rebinding, migration). Datagrams in
    /// flight to the old address are dropped as <see cref="DropReason.Unroutable"/> on arrival;
    /// the host's links (conditions, statistics) stay.
    /// </summary>
    public void ChangeAddress(SimulatedHost host, IPEndPoint newAddress)
    {
        ArgumentNullException.ThrowIfNull(host);
        CheckAddress(newAddress);
        _byAddress.Remove(host.Address);
        _byAddress.Add(newAddress, host);
        host.Address = newAddress;
    }

    /// <summary>
    /// Gives <paramref name="host"/> one more address (a second interface, a server's preferred address): datagrams
    /// to it reach the host, which may send from it (<see cref="Transmit.Source"/>).
    /// </summary>
    public void AddAddress(SimulatedHost host, IPEndPoint address)
    {
        ArgumentNullException.ThrowIfNull(host);
        CheckAddress(address);
        _byAddress.Add(address, host);
    }

    /// <summary>Takes an address added with <see cref="AddAddress"/> away again (an interface going down).</summary>
    public void RemoveAddress(SimulatedHost host, IPEndPoint address)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(address);
        if (_byAddress.TryGetValue(address, out SimulatedHost? owner) && ReferenceEquals(owner, host) && !address.Equals(host.Address))
        {
            _byAddress.Remove(address);
        }
    }

    /// <summary>
    /// Processes everything due at <see cref="Now"/>, then advances the clock to the next event.
    /// Returns false when nothing is left to happen (no datagram in flight, no timeout).
    /// </summary>
    public bool Step()
    {
        ProcessInstant();
        long next = NextEventMicros();
        if (next == long.MaxValue)
        {
            return false;
        }

        Now = new Instant(Math.Max(next, Now.Microseconds));
        return true;
    }

    /// <summary>
    /// Runs until <paramref name="predicate"/> holds (checked after each instant) or the next event
    /// lies beyond <paramref name="limit"/> (the clock then stops at the limit). Returns whether
    /// the predicate held.
    /// </summary>
    public bool RunUntil(Func<bool> predicate, Instant limit)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        while (true)
        {
            ProcessInstant();
            if (predicate())
            {
                return true;
            }

            long next = NextEventMicros();
            if (next == long.MaxValue || next > limit.Microseconds)
            {
                if (limit > Now && limit != Instant.Infinite)
                {
                    Now = limit;
                }

                return false;
            }

            Now = new Instant(Math.Max(next, Now.Microseconds));
        }
    }

    /// <summary>Runs for <paramref name="duration"/> of virtual time; the clock ends at <c>Now + duration</c>.</summary>
    public void RunFor(TimeSpan duration) => RunUntil(static () => false, Now + duration);

    internal void Schedule(in InFlightDatagram datagram, long arrivalMicros)
        => _inFlight.Enqueue(datagram, (arrivalMicros, _sequence++));

    private void ProcessInstant()
    {
        Array.Clear(_actionsPerHost);
        int actions = 0;
        bool progress;
        do
        {
            progress = false;
            while (_inFlight.TryPeek(out _, out (long Time, long Sequence) due) && due.Time <= Now.Microseconds)
            {
                InFlightDatagram datagram = _inFlight.Dequeue();
                Deliver(datagram, ref actions);
                progress = true;
            }

            foreach (SimulatedHost host in _hosts)
            {
                if (host.Node.NextTimeout() is { } timeout && timeout <= Now)
                {
                    Count(host, ref actions);
                    host.Node.HandleTimeout(Now);
                    progress = true;
                }
            }

            foreach (SimulatedHost host in _hosts)
            {
                while (host.Node.PollTransmit(Now, _sendBuffer) is { } transmit)
                {
                    Count(host, ref actions);
                    Send(host, transmit);
                    progress = true;
                }
            }
        }
        while (progress);
    }

    private void Deliver(in InFlightDatagram datagram, ref int actions)
    {
        try
        {
            if (!_byAddress.TryGetValue(datagram.Destination, out SimulatedHost? host))
            {
                datagram.Link.Statistics.CountDrop(DropReason.Unroutable);
                return;
            }

            Count(host, ref actions);
            ReadOnlySpan<byte> bytes = datagram.Buffer.AsSpan(0, datagram.Length);
            datagram.Link.CountDelivered(datagram.Length);
            Observer?.Invoke(new SimulatedDatagram(datagram.Link, datagram.Index, datagram.Source, datagram.Destination, datagram.Ecn, bytes, datagram.SentAt, Now));
            host.Node.HandleDatagram(Now, datagram.Source, datagram.Destination, bytes, datagram.Ecn);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(datagram.Buffer);
        }
    }

    private void Send(SimulatedHost host, Transmit transmit)
    {
        if (transmit.Destination is null || transmit.Length < 0 || transmit.Length > _sendBuffer.Length || transmit.SegmentSize < 0)
        {
            throw new InvalidOperationException($"Node '{host.Name}' returned an invalid transmit at {Now}: {transmit}.");
        }

        IPEndPoint source = transmit.Source ?? host.Address;
        if (!_byAddress.TryGetValue(transmit.Destination, out SimulatedHost? to))
        {
            UnroutableDatagrams += transmit.DatagramCount;
            return;
        }

        SimulatedLink link = GetLink(host, to);
        ReadOnlySpan<byte> all = _sendBuffer.AsSpan(0, transmit.Length);
        if (transmit.SegmentSize == 0 || transmit.Length == 0)
        {
            link.Send(this, Now, source, transmit.Destination, all, transmit.Ecn);
            return;
        }

        // A GSO batch: equal segments, the last possibly shorter.
        for (int offset = 0; offset < all.Length; offset += transmit.SegmentSize)
        {
            int length = Math.Min(transmit.SegmentSize, all.Length - offset);
            link.Send(this, Now, source, transmit.Destination, all.Slice(offset, length), transmit.Ecn);
        }
    }

    private void Count(SimulatedHost host, ref int actions)
    {
        _actionsPerHost[host.Index]++;
        if (++actions <= MaxActionsPerInstant)
        {
            return;
        }

        SimulatedHost busiest = host;
        foreach (SimulatedHost h in _hosts)
        {
            if (_actionsPerHost[h.Index] > _actionsPerHost[busiest.Index])
            {
                busiest = h;
            }
        }

        throw new SimulationLivelockException(
            $"Livelock at {Now}: more than {MaxActionsPerInstant} deliveries, timeouts and transmits at one instant " +
            $"without the clock advancing; node '{busiest.Name}' did {_actionsPerHost[busiest.Index]} of them " +
            "(a node that always has something to send, or a timeout that never moves into the future).");
    }

    private long NextEventMicros()
    {
        long next = _inFlight.TryPeek(out _, out (long Time, long Sequence) first) ? first.Time : long.MaxValue;
        foreach (SimulatedHost host in _hosts)
        {
            if (host.Node.NextTimeout() is { } timeout && timeout.Microseconds < next)
            {
                next = timeout.Microseconds;
            }
        }

        return next;
    }

    private static void CheckAddress(IPEndPoint address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!IPAddress.IsLoopback(address.Address))
        {
            throw new ArgumentException($"Simulated hosts use loopback addresses only (127.0.0.x, ::1), not {address}.", nameof(address));
        }
    }

    private static int HashMix(int seed, int from, int to)
    {
        // SplitMix-style mixing: a fixed function, unlike HashCode.Combine which is seeded per process.
        ulong z = (uint)seed + ((ulong)(uint)from << 32) + ((ulong)(uint)to * 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }
}
