using SharpQuic.Core.Congestion;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Congestion.Simulation;

/// <summary>
/// Bulk uploads through real connections on the <see cref="SimulatedNetwork"/>: one client endpoint opens
/// one or more connections to one server, each writing one endless stream that the server reads and drops.
/// All flows share the client→server link, so its bandwidth and drop-tail queue are a common bottleneck.
/// </summary>
internal sealed class BulkUpload : IDisposable
{

    private static readonly byte[] s_pattern = CreatePattern();
    private readonly byte[] _readBuffer = new byte[64 * 1024];
    private Instant _burstAt = Instant.Infinite;
    private int _burst;

    public BulkUpload(int seed, LinkConditions forward, LinkConditions reverse, CongestionControlAlgorithm algorithm = CongestionControlAlgorithm.Cubic, bool pacing = true, int datagramSize = 1200)
    {
        DatagramSize = datagramSize;
        // Windows larger than anything the path holds: flow control must never be what limits these flows.
        var options = new ConnectionOptions
        {
            CongestionControl = algorithm,
            Pacing = pacing,
            MaxDatagramSize = datagramSize,
            IdleTimeout = TimeSpan.FromMinutes(5),
            Streams = new StreamManagerOptions
            {
                MaxData = 64 << 20,
                MaxDataWindowLimit = 64 << 20,
                MaxStreamDataBidiLocal = 32 << 20,
                MaxStreamDataBidiRemote = 32 << 20,
                MaxStreamWindowLimit = 32 << 20,
                SendBufferSize = 8 << 20,
            },
        };
        Pair = new QuicPair(seed, forward, options);
        Forward = Pair.Network.GetLink(Pair.ClientHost, Pair.ServerHost);
        Reverse = Pair.Network.GetLink(Pair.ServerHost, Pair.ClientHost);
        Forward.Conditions = forward;
        Reverse.Conditions = reverse;
        Pair.ServerNode.Application = ServerTurn;
        Pair.ClientNode.Application = ClientTurn;
        Forward.DropFilter = ObserveBurst;
    }

    public QuicPair Pair { get; }

    /// <summary>The largest datagram the connections send (the path's MTU is at least this).</summary>
    public int DatagramSize { get; }

    public SimulatedNetwork Network => Pair.Network;

    /// <summary>Client → server: the data direction.</summary>
    public SimulatedLink Forward { get; }

    /// <summary>Server → client: the ACK direction.</summary>
    public SimulatedLink Reverse { get; }

    /// <summary>The flows, in the order they were started.</summary>
    public List<Flow> Flows { get; } = [];

    /// <summary>Server connections in the order they were accepted, with the bytes their application read.</summary>
    public List<Sink> Sinks { get; } = [];

    /// <summary>Opens a new connection that uploads without end once its handshake completes.</summary>
    public Flow StartFlow()
    {
        QuicConnection client = Pair.ClientEndpoint.Connect(Network.Now, QuicPair.ServerAddress, Pair.ClientTls);
        var flow = new Flow(client, Network.Now);
        Flows.Add(flow);
        return flow;
    }

    /// <summary>Runs <paramref name="duration"/> of virtual time.</summary>
    public void RunFor(TimeSpan duration) => Network.RunFor(duration);

    /// <summary>Bytes of datagrams delivered over the forward link so far.</summary>
    public long ForwardBytesDelivered => Forward.Statistics.BytesDelivered;

    /// <summary>
    /// The longest run of full-size datagrams the client put on the forward link at one instant: a burst
    /// that leaves back to back (the simulator serialises it at the link rate behind the first).
    /// </summary>
    public int MaxBurst { get; private set; }

    /// <summary>Full-size datagrams the client sent on the forward link.</summary>
    public long FullSizeDatagrams { get; private set; }

    public void Dispose() => Pair.Dispose();

    /// <summary>Opens a new connection that uploads <paramref name="bytes"/> and ends its stream.</summary>
    public Flow StartFlow(long bytes)
    {
        Flow flow = StartFlow();
        flow.Limit = bytes;
        return flow;
    }

    private bool ObserveBurst(in SimulatedDatagram d)
    {
        if (d.Bytes.Length < DatagramSize - 64)
        {
            return false;
        }

        FullSizeDatagrams++;
        _burst = d.Now == _burstAt ? _burst + 1 : 1;
        _burstAt = d.Now;
        MaxBurst = Math.Max(MaxBurst, _burst);
        return false;
    }

    private void ClientTurn(Instant now)
    {
        foreach (Flow flow in Flows)
        {
            QuicConnection c = flow.Connection;
            while (c.PollEvent(out _))
            {
            }

            if (c.State != ConnectionState.Open || !c.IsHandshakeComplete)
            {
                continue;
            }

            if (flow.Stream is null)
            {
                if (!c.TryOpenStream(true, out StreamId id))
                {
                    continue;
                }

                flow.Stream = id;
            }

            while (flow.Written < flow.Limit)
            {
                int offset = (int)(flow.Written % s_pattern.Length);
                int length = (int)Math.Min(s_pattern.Length - offset, flow.Limit - flow.Written);
                int n = c.Write(flow.Stream.Value, s_pattern.AsSpan(offset, length), fin: flow.Written + length == flow.Limit);
                if (n == 0)
                {
                    break;
                }

                flow.Written += n;
            }
        }
    }

    private void ServerTurn(Instant now)
    {
        while (Pair.ServerEndpoint.TryAcceptConnection(out QuicConnection accepted))
        {
            Sinks.Add(new Sink(accepted));
        }

        foreach (Sink sink in Sinks)
        {
            QuicConnection c = sink.Connection;
            while (c.PollEvent(out ConnectionEvent e))
            {
                if (e.Kind == ConnectionEventKind.StreamOpened)
                {
                    sink.Stream ??= e.StreamId;
                }
            }

            if (sink.Stream is not StreamId id)
            {
                continue;
            }

            while (true)
            {
                StreamReadResult r = c.Read(id, _readBuffer, now);
                sink.BytesRead += r.BytesRead;
                if (r.Status == StreamReadStatus.Finished)
                {
                    sink.FinishedAt ??= now;
                }

                if (r.Status != StreamReadStatus.Data || r.BytesRead == 0)
                {
                    break;
                }
            }
        }
    }

    private static byte[] CreatePattern()
    {
        var pattern = new byte[256 * 1024];
        new Random(5).NextBytes(pattern);
        return pattern;
    }

    /// <summary>One uploading client connection.</summary>
    internal sealed class Flow(QuicConnection connection, Instant started)
    {
        public QuicConnection Connection { get; } = connection;

        public Instant Started { get; } = started;

        public StreamId? Stream { get; set; }

        public long Written { get; set; }

        /// <summary>Bytes to upload before ending the stream (endless by default).</summary>
        public long Limit { get; set; } = long.MaxValue;
    }

    /// <summary>One server connection and what its application read.</summary>
    internal sealed class Sink(QuicConnection connection)
    {
        public QuicConnection Connection { get; } = connection;

        public StreamId? Stream { get; set; }

        public long BytesRead { get; set; }

        /// <summary>When the application read the end of the stream.</summary>
        public Instant? FinishedAt { get; set; }
    }
}
