using System.Diagnostics;
using System.Net;
using SharpQuic.Core;
using SharpQuic.Core.Endpoint;
using SharpQuic.Udp;
using CoreConnection = SharpQuic.Core.Connection.QuicConnection;
using CoreState = SharpQuic.Core.Connection.ConnectionState;

namespace SharpQuic.Runtime;

/// <summary>
/// One worker thread: owns a UDP socket, a sans-IO <see cref="QuicEndpoint"/> and every connection on it
/// (DESIGN.md "Threading model"). Application threads talk to it only through <see cref="Post"/>; it completes their
/// operations through pooled value-task sources whose continuations never run on this thread.
/// </summary>
/// <remarks>
/// One iteration: receive a batch and route it; run posted commands; fire due timers; for every connection touched,
/// drain its events (completing application operations), then its datagrams (batched for sendmmsg/GSO), and re-arm
/// its timer in the wheel; send; sweep closed connections (never inside a callback); wait for the socket, a command
/// or the next deadline.
/// </remarks>
internal sealed partial class QuicWorker : IWakeable, IDisposable
{
    private const int ReceiveBatch = 64;
    private const int MaxReceiveRounds = 8;
    private readonly IUdpSocket _socket;
    private readonly QuicEndpoint _endpoint;
    private readonly WorkerCommandQueue<WorkerCommand> _commands;
    private readonly TimerWheel<QuicConnection> _timers;
    private readonly Dictionary<CoreConnection, QuicConnection> _connections = new(ReferenceEqualityComparer.Instance);
    private readonly List<QuicConnection> _dirty = [];
    private readonly List<QuicConnection> _closed = [];
    private readonly byte[] _receiveBuffer;
    private readonly ReceivedDatagram[] _received;
    private readonly SendBatch _send;
    private readonly Thread _thread;
    private readonly QuicListener? _listener;
    private readonly bool _stopWhenEmpty;
    private QuicWorker[] _peers = [];
    private volatile bool _stopRequested;
    private bool _hadConnection;
    private int _connectionCount;

    public QuicWorker(IUdpSocket socket, EndpointOptions options, int index, QuicListener? listener, bool stopWhenEmpty)
    {
        _socket = socket;
        Index = index;
        _listener = listener;
        _stopWhenEmpty = stopWhenEmpty;
        _endpoint = new QuicEndpoint(options, RuntimeClock.Now) { ManualSweep = true };
        _commands = new WorkerCommandQueue<WorkerCommand>(this, 256, 1 << 20);
        _timers = new TimerWheel<QuicConnection>(RuntimeClock.Now);
        int slots = Math.Max(1, ReceiveBatch / socket.MaxDatagramsPerSlot);
        _receiveBuffer = GC.AllocateUninitializedArray<byte>(slots * socket.ReceiveSlotSize, pinned: true);
        _received = new ReceivedDatagram[Math.Max(ReceiveBatch, socket.MaxDatagramsPerSlot)];
        _send = new SendBatch(socket);
        _thread = new Thread(Run) { IsBackground = true, Name = $"SharpQuic worker {index} ({socket.LocalEndPoint})" };
    }

    /// <summary>The worker's position among its siblings (encoded in the connection IDs it issues).</summary>
    public int Index { get; }

    /// <summary>Where the worker's socket is bound.</summary>
    public IPEndPoint LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>Which socket implementation carries the traffic.</summary>
    public UdpSocketKind SocketKind => _socket.Kind;

    /// <summary>Whether the socket sets and reads ECN marks.</summary>
    public bool SupportsEcn => _socket.SupportsEcn;

    /// <summary>Connections this worker owns (a snapshot, for load balancing clients).</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>The time (the process-wide <see cref="RuntimeClock"/>).</summary>
    public Instant Now => RuntimeClock.Now;

    /// <summary>True once the thread has ended.</summary>
    public bool HasStopped => !_thread.IsAlive;

    public void Start(QuicWorker[] peers)
    {
        _peers = peers;
        _thread.Start();
    }

    private int _sleeping; // 1 while the loop is in (or entering) its wait: only then do producers need to wake it

    /// <summary>Queues a command; false when the worker has stopped or its queue is full.</summary>
    public bool Post(in WorkerCommand command) => _commands.TryEnqueue(command);

    /// <summary>
    /// Wakes the worker if it is (about to be) blocked in its wait. A busy worker drains the queue again
    /// before it sleeps, so waking it would only cost an eventfd write per command batch.
    /// </summary>
    public void Wake()
    {
        // Dekker-style handshake with the loop: the producer's enqueue is visible before it reads
        // _sleeping, and the loop's _sleeping = 1 is visible before it re-checks the queue.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleeping) != 0)
        {
            _socket.Wake();
        }
    }

    /// <summary>Stops accepting; the thread ends once its connections are gone.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        _socket.Wake();
    }

    /// <summary>Waits for the thread to end (after <see cref="RequestStop"/>).</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    /// <inheritdoc/>
    public void Dispose()
    {
        RequestStop();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    private void Run()
    {
        try
        {
            Loop();
        }
        finally
        {
            _commands.Complete();
            FailEverything();
            DisposeExtraSockets();
            _endpoint.Dispose();
            _socket.Dispose();
        }
    }

    private void Loop()
    {
        while (true)
        {
            Instant now = Now;
            ReceiveAll(now);
            ReceiveExtraSockets(now);
            AcceptNew(now);
            RunCommands(now);
            ExpireTimers(now);
            ProcessDirty(now);
            SendStateless();
            _send.Flush();
            Sweep();
            FlushAndSweepExtraSockets(now);
            if (_stopRequested && _connections.Count == 0)
            {
                return;
            }

            if (_stopWhenEmpty && _hadConnection && _connections.Count == 0 && _commands.Count == 0)
            {
                return;
            }

            // Connections left dirty only because the socket's send buffer is full wait for writability below
            // (spinning would burn the core the kernel needs to drain it).
            if (_commands.Count > 0 || (_dirty.Count > 0 && !_send.IsBlocked))
            {
                continue;
            }

            int timeout = -1;
            if (_timers.NextExpiration is Instant next)
            {
                long micros = next.Microseconds - Now.Microseconds;
                timeout = micros <= 0 ? 0 : (int)Math.Min(int.MaxValue, (micros + 999) / 1000);
            }

            if (_stopRequested && timeout < 0)
            {
                timeout = 100;
            }

            if (_extraSockets.Count > 0 && (timeout < 0 || timeout > 1))
            {
                timeout = 1; // Migrated connections' sockets are polled, not waited on.
            }

            if (timeout != 0)
            {
                Volatile.Write(ref _sleeping, 1);
                Interlocked.MemoryBarrier();
                if (_commands.Count > 0)
                {
                    Volatile.Write(ref _sleeping, 0);
                    continue;
                }

                UdpWaitResult r = _socket.WaitReadable(timeout, orWritable: _send.IsBlocked);
                Volatile.Write(ref _sleeping, 0);
                if (r == UdpWaitResult.Disposed)
                {
                    return;
                }
            }
        }
    }

    private void ReceiveAll(Instant now)
    {
        for (int round = 0; round < MaxReceiveRounds; round++)
        {
            UdpReceiveOutcome outcome = _socket.Receive(_receiveBuffer, _received);
            if (outcome.Status != UdpReceiveStatus.Received)
            {
                return;
            }

            for (int i = 0; i < outcome.Count; i++)
            {
                ref ReceivedDatagram d = ref _received[i];
                ReadOnlySpan<byte> bytes = _receiveBuffer.AsSpan(d.Offset, d.Length);
                if (TryForward(bytes, d))
                {
                    continue;
                }

                HandleDatagram(now, d.Source, d.Destination ?? _socket.LocalEndPoint, bytes, d.Ecn);
            }

            if (outcome.Count < ReceiveBatch / 2)
            {
                return;
            }
        }
    }

    private void HandleDatagram(Instant now, IPEndPoint source, IPEndPoint destination, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
    {
        _endpoint.HandleDatagram(now, source, destination, bytes, ecn);
        if (_endpoint.LastRouted is CoreConnection core && _connections.TryGetValue(core, out QuicConnection? connection))
        {
            MarkDirty(connection);
        }
    }

    private void AcceptNew(Instant now)
    {
        while (_endpoint.TryAcceptConnection(out CoreConnection core))
        {
            if (_listener is null)
            {
                core.Close(0x02, "not accepting", now); // CONNECTION_REFUSED (RFC 9000 §20.1)
                continue;
            }

            var connection = new QuicConnection(this, core, _listener);
            Register(connection);
            MarkDirty(connection);
        }
    }

    private void Register(QuicConnection connection)
    {
        _connections[connection.Core!] = connection;
        _hadConnection = true;
        Volatile.Write(ref _connectionCount, _connections.Count);
    }

    internal void MarkDirty(QuicConnection connection)
    {
        if (!connection.WorkerDirty)
        {
            connection.WorkerDirty = true;
            _dirty.Add(connection);
        }
    }

    private void ExpireTimers(Instant now)
    {
        var sink = new TimerSink(this, now);
        _timers.Expire(now, ref sink);
    }

    private void ProcessDirty(Instant now)
    {
        // Handling one connection may touch another (never today, but cheap to allow): index loop over a growing list.
        for (int i = 0; i < _dirty.Count; i++)
        {
            QuicConnection c = _dirty[i];
            if (c.Core is not CoreConnection core)
            {
                c.WorkerDirty = false;
                continue;
            }

            c.DrainEvents(now);
            bool blocked = !Transmit(now, c, core);
            c.WorkerDirty = blocked;
            if (core.NextTimeout() is Instant deadline)
            {
                _timers.Schedule(c.Timer, deadline);
            }
            else
            {
                _timers.Cancel(c.Timer);
            }

            if (core.State == CoreState.Closed)
            {
                _closed.Add(c);
            }
        }

        // Connections the socket could not take yet stay dirty for the next turn.
        int kept = 0;
        for (int i = 0; i < _dirty.Count; i++)
        {
            if (_dirty[i].WorkerDirty)
            {
                _dirty[kept++] = _dirty[i];
            }
        }

        _dirty.RemoveRange(kept, _dirty.Count - kept);
    }

    /// <summary>Moves a connection's datagrams into the send batch; false when the socket is full (try again later).</summary>
    private bool Transmit(Instant now, QuicConnection c, CoreConnection core)
    {
        while (true)
        {
            if (!_send.EnsureSpace())
            {
                return false;
            }

            int n = _endpoint.PollConnectionTransmit(now, core, _send.Free);
            if (n == 0)
            {
                return true;
            }

            // Path probes (RFC 9000 §8.2) may go elsewhere than the active path: the core says where each datagram goes.
            if (!TryCommitToExtraSocket(core, n))
            {
                _send.Commit(core.LastTransmitDestination, n, core.LastTransmitEcn, standalone: core.LastTransmitIsProbe, source: core.LastTransmitSource);
            }
        }
    }

    private void SendStateless()
    {
        while (_send.EnsureSpace())
        {
            int n = _endpoint.PollStatelessTransmit(_send.Free, out IPEndPoint? to);
            if (n == 0)
            {
                return;
            }

            _send.Commit(to!, n);
        }
    }

    private void Sweep()
    {
        if (_closed.Count == 0)
        {
            return;
        }

        foreach (QuicConnection c in _closed)
        {
            if (c.Core is CoreConnection core && _connections.Remove(core))
            {
                _timers.Cancel(c.Timer);
                c.OnSwept();
            }
        }

        _closed.Clear();
        _endpoint.SweepClosed();
        Volatile.Write(ref _connectionCount, _connections.Count);
    }

    private void FailEverything()
    {
        foreach (QuicConnection c in _connections.Values)
        {
            c.OnWorkerStopped();
        }

        _connections.Clear();
        Volatile.Write(ref _connectionCount, 0);
        foreach (WorkerCommand command in _commands.DrainBatch())
        {
            FailCommand(command);
        }
    }

    private struct TimerSink(QuicWorker worker, Instant now) : ITimerSink<QuicConnection>
    {
        public readonly void OnTimerExpired(TimerEntry<QuicConnection> entry)
        {
            QuicConnection c = entry.Value;
            if (c.Core is CoreConnection core)
            {
                worker._endpoint.HandleConnectionTimeout(now, core);
                worker.MarkDirty(c);
            }
        }
    }
}
