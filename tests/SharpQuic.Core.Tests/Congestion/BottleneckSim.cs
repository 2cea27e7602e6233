using SharpQuic.Core.Congestion;
using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Tests.Congestion;

/// <summary>
/// A packet-level ACK-clock model of one bottleneck, on virtual time, for driving congestion
/// controllers without the Connection: flows send whenever their controller (and pacer) allow;
/// each packet is serialised by the bottleneck (a drop-tail FIFO of <see cref="QueueLimitBytes"/>),
/// possibly dropped at random, and its acknowledgment reaches the sender one propagation RTT
/// after it left the link. A dropped packet is declared lost when it would have been
/// acknowledged plus three packet times (the packet threshold), followed by a congestion event.
/// </summary>
/// <remarks>
/// Deliberately simpler than <c>LossDetection</c>: one ACK per packet, no ACK delay, no PTO.
/// The end-to-end versions (through the Connection and the SimulatedNetwork) are in Simulation/.
/// </remarks>
internal sealed class BottleneckSim
{
    private readonly PriorityQueue<Event, (long Time, long Seq)> _events = new();
    private long _seq;
    private Instant _linkFree;
    private ulong _random = 0x9E3779B97F4A7C15UL;

    public BottleneckSim(double linkBitsPerSecond, TimeSpan propagationRtt, long queueLimitBytes = long.MaxValue, double randomLoss = 0, ulong seed = 1)
    {
        LinkBytesPerSecond = linkBitsPerSecond / 8;
        PropagationRtt = propagationRtt;
        QueueLimitBytes = queueLimitBytes;
        RandomLoss = randomLoss;
        _random ^= seed * 0xBF58476D1CE4E5B9UL;
    }

    public double LinkBytesPerSecond { get; }

    /// <summary>The RTT without queueing; tests may change it between runs (HyStart++).</summary>
    public TimeSpan PropagationRtt { get; set; }

    public long QueueLimitBytes { get; }

    public double RandomLoss { get; }

    public Instant Now { get; private set; }

    public List<Flow> Flows { get; } = [];

    /// <summary>Bytes that left the bottleneck (delivered).</summary>
    public long DeliveredBytes { get; private set; }

    public long DroppedByQueue { get; private set; }

    public long DroppedAtRandom { get; private set; }

    public Flow AddFlow(ICongestionController cc, bool paced, Instant? start = null)
    {
        var flow = new Flow(this, cc, paced ? new Pacer(cc.MaxDatagramSize) : null);
        Flows.Add(flow);
        Schedule(start ?? Now, EventKind.SendTimer, flow, default);
        return flow;
    }

    /// <summary>Processes every event up to <paramref name="end"/>, then sets the clock there.</summary>
    public void RunUntil(Instant end)
    {
        while (_events.TryPeek(out Event e, out (long Time, long Seq) key) && key.Time <= end.Microseconds)
        {
            _events.Dequeue();
            Now = new Instant(key.Time);
            switch (e.Kind)
            {
                case EventKind.Ack:
                    e.Flow.OnAck(e.Packet);
                    break;
                case EventKind.Lost:
                    e.Flow.OnLost(e.Packet);
                    break;
                default:
                    e.Flow.TimerPending = false;
                    e.Flow.TrySend();
                    break;
            }
        }

        Now = end;
    }

    public void RunFor(TimeSpan duration) => RunUntil(Now + duration);

    private TimeSpan SerializationTime(int bytes) => TimeSpan.FromMicroseconds(Math.Max(1, (long)Math.Round(bytes * 1_000_000 / LinkBytesPerSecond)));

    private void Transmit(Flow flow, in SentPacket packet, bool forcedLoss)
    {
        Instant now = Now;
        TimeSpan serialization = SerializationTime(packet.Size);
        Instant start = Instant.Max(now, _linkFree);
        double backlogBytes = (start - now).TotalSeconds * LinkBytesPerSecond;
        bool randomDrop = RandomLoss > 0 && NextDouble() < RandomLoss;
        if (forcedLoss || randomDrop || backlogBytes + packet.Size > QueueLimitBytes)
        {
            if (randomDrop || forcedLoss)
            {
                DroppedAtRandom++;
            }
            else
            {
                DroppedByQueue++;
            }

            // Noticed once the following packets are acknowledged (packet threshold, RFC 9002 §6.1.1).
            Instant detection = start + serialization + PropagationRtt + (3 * serialization);
            Schedule(detection, EventKind.Lost, flow, packet);
            return;
        }

        Instant departure = start + serialization;
        _linkFree = departure;
        DeliveredBytes += packet.Size;
        flow.DeliveredBytes += packet.Size;
        Schedule(departure + PropagationRtt, EventKind.Ack, flow, packet);
    }

    private void Schedule(Instant at, EventKind kind, Flow flow, in SentPacket packet) => _events.Enqueue(new Event(kind, flow, packet), (at.Microseconds, _seq++));

    private double NextDouble()
    {
        // xorshift64*: deterministic across runtimes, unlike System.Random's unseeded algorithm choice.
        _random ^= _random >> 12;
        _random ^= _random << 25;
        _random ^= _random >> 27;
        return ((_random * 0x2545F4914F6CDD1DUL) >> 11) * (1.0 / (1UL << 53));
    }

    private enum EventKind
    {
        SendTimer,
        Ack,
        Lost,
    }

    private readonly record struct Event(EventKind Kind, Flow Flow, SentPacket Packet);

    internal sealed class Flow
    {
        private readonly BottleneckSim _sim;
        private ulong _nextPn;

        public Flow(BottleneckSim sim, ICongestionController cc, Pacer? pacer)
        {
            _sim = sim;
            Cc = cc;
            Pacer = pacer;
        }

        public ICongestionController Cc { get; }

        public Pacer? Pacer { get; }

        public RttEstimator Rtt { get; } = new();

        /// <summary>When set, at most this many packets are in flight (the application has no more data).</summary>
        public int? AppLimitPackets { get; set; }

        /// <summary>The next this many packets sent are dropped.</summary>
        public int DropNext { get; set; }

        public long DeliveredBytes { get; set; }

        public long Acked { get; private set; }

        public long Lost { get; private set; }

        public bool TimerPending { get; set; }

        public void OnAck(in SentPacket packet)
        {
            Instant now = _sim.Now;
            Acked++;
            Rtt.Update(now, now - packet.TimeSent, TimeSpan.Zero, handshakeConfirmed: true);
            Cc.OnPacketAcked(now, packet, Rtt);
            TrySend();
        }

        public void OnLost(in SentPacket packet)
        {
            Instant now = _sim.Now;
            Lost++;
            Cc.OnPacketLost(now, packet);
            Cc.OnCongestionEvent(now, packet.TimeSent);
            TrySend();
        }

        public void TrySend()
        {
            Instant now = _sim.Now;
            int size = Cc.MaxDatagramSize;
            Pacer?.UpdateRate(now, Cc, Rtt);
            bool appLimited = false;
            while (Cc.CanSend(size))
            {
                if (AppLimitPackets is int limit && Cc.BytesInFlight + size > (long)limit * size)
                {
                    appLimited = true;
                    break;
                }

                if (Pacer is not null)
                {
                    TimeSpan wait = Pacer.TimeUntilSend(now, size);
                    if (wait > TimeSpan.Zero)
                    {
                        if (!TimerPending)
                        {
                            TimerPending = true;
                            _sim.Schedule(now + wait, EventKind.SendTimer, this, default);
                        }

                        break;
                    }
                }

                var packet = new SentPacket(_nextPn++, now, size, ackEliciting: true, inFlight: true, retransmitHandle: 0);
                Cc.OnPacketSent(now, packet);
                Pacer?.OnPacketSent(now, size);
                bool drop = DropNext > 0;
                if (drop)
                {
                    DropNext--;
                }

                _sim.Transmit(this, packet, drop);
            }

            // As the connection does (RFC 9002 §7.8): app-limited when the window was not what stopped us.
            Cc.IsAppLimited = appLimited;
        }
    }
}
