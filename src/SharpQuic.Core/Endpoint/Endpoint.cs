using System.Buffers.Binary;
using System.Net;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Packets;

namespace SharpQuic.Core.Endpoint;

/// <summary>
/// A QUIC endpoint as a sans-IO state machine (RFC 9000 §5.2, §6, §8.1, §10.3): routes datagrams to connections by
/// Destination Connection ID, creates server connections from Initial packets, answers what has no connection
/// (Version Negotiation, Retry, stateless reset), and multiplexes the connections' datagrams and timers.
/// </summary>
/// <remarks>
/// Inputs: <see cref="HandleDatagram"/>, <see cref="HandleTimeout"/>; commands: <c>Connect</c>; outputs:
/// <see cref="PollTransmit"/> (one datagram per call), <see cref="NextTimeout"/>, <c>TryAcceptConnection</c>, and each
/// connection's own <c>PollEvent</c>. Driver order after any input: drain PollTransmit until null, then re-read
/// NextTimeout. Named QuicEndpoint (not Endpoint) so that it does not collide with its namespace.
/// </remarks>
public sealed partial class QuicEndpoint : IDisposable
{
    private const int MaxDatagram = 65535;
    private const int MaxStatelessQueue = 64;
    private readonly EndpointOptions _options;
    private readonly IConnectionIdGenerator _cidGenerator;
    private readonly StatelessResetTokens _resetTokens;
    private readonly StatelessResetRateLimiter _resetLimiter;
    private readonly Dictionary<ConnectionId, QuicConnection> _routes;
    private readonly List<QuicConnection> _connections = [];
    private readonly Dictionary<QuicConnection, ConnectionId> _initialRoutes = [];
    private readonly Queue<QuicConnection> _accepted = new();
    private readonly Queue<(byte[] Buffer, int Length, IPEndPoint To)> _stateless = new();
    private readonly Stack<byte[]> _statelessBuffers = new();
    private readonly byte[] _scratch = new byte[MaxDatagram];
    private readonly List<ConnectionId> _cidScratch = [];
    private int _roundRobin;
    private bool _needsSweep;
    private bool _stopAccepting;

    internal QuicEndpoint(EndpointOptions options, Instant now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.RequireRetry && options.AddressValidation is null)
        {
            throw new ArgumentException("Retry needs AddressValidation tokens.", nameof(options));
        }

        _options = options;
        _cidGenerator = options.ConnectionIdGenerator ?? new RandomConnectionIdGenerator(8, options.Random);
        _resetTokens = options.StatelessResetTokens ?? StatelessResetTokens.CreateRandom(options.Random);
        _resetLimiter = new StatelessResetRateLimiter(options.StatelessResetBurst, options.StatelessResetsPerSecond, now);
        Span<byte> seed = stackalloc byte[8];
        options.Random.Fill(seed);
        _routes = new Dictionary<ConnectionId, QuicConnection>(new ConnectionIdComparer(BinaryPrimitives.ReadInt64LittleEndian(seed)));
    }

    /// <summary>Connections alive.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Datagrams dropped without reaching a connection (diagnostics).</summary>
    public long DroppedDatagrams { get; private set; }

    /// <summary>Stateless resets sent (diagnostics).</summary>
    public long StatelessResetsSent { get; private set; }

    /// <summary>The connections alive, for the driver and tests.</summary>
    internal IReadOnlyList<QuicConnection> Connections => _connections;

    /// <summary>
    /// Starts a client connection to <paramref name="remote"/>; its first flight leaves through <see cref="PollTransmit"/>.
    /// <paramref name="token"/> is a NEW_TOKEN token from an earlier connection to that server
    /// (<see cref="QuicConnection.ReceivedToken"/>), carried in the Initial packets (RFC 9000 §8.1.3).
    /// </summary>
    internal QuicConnection Connect(Instant now, IPEndPoint remote, ClientTlsSettings tls, QuicVersion? version = null, byte[]? token = null)
    {
        QuicConnection connection = QuicConnection.CreateClient(
            version ?? _options.Versions[0], _options.Connection, tls, _options.Random, _cidGenerator, _resetTokens, _options.WallClockOrigin, remote, now, token, _options.Versions);
        _connections.Add(connection);
        SyncRoutes(connection);
        return connection;
    }

    /// <summary>A connection the server accepted, in arrival order.</summary>
    internal bool TryAcceptConnection(out QuicConnection connection) => _accepted.TryDequeue(out connection!);

    /// <summary>
    /// A datagram arrived from <paramref name="remote"/> at <paramref name="local"/>. Never throws on its contents.
    /// </summary>
    public void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
    {
        ArgumentNullException.ThrowIfNull(remote);
        LastRouted = null;
        if (bytes.Length > _scratch.Length || bytes.IsEmpty)
        {
            DroppedDatagrams++;
            return;
        }

        // Unprotected in place: a private copy.
        Span<byte> datagram = _scratch.AsSpan(0, bytes.Length);
        bytes.CopyTo(datagram);
        PacketParseStatus status = PacketHeader.TryParse(datagram, _cidGenerator.Length, out PacketHeader header);
        if (status == PacketParseStatus.UnsupportedVersion)
        {
            HandleUnsupportedVersion(header, remote, bytes.Length);
            return;
        }

        if (status != PacketParseStatus.Success || !ConnectionId.TryCreate(header.DestinationConnectionId, out ConnectionId dcid))
        {
            DroppedDatagrams++;
            return;
        }

        if (_routes.TryGetValue(dcid, out QuicConnection? connection))
        {
            LastRouted = connection;
            bool authenticated = connection.HandleDatagram(now, remote, local, datagram, ecn);
            if (!authenticated && !header.IsLongHeader && connection.IsStatelessReset(bytes))
            {
                connection.OnStatelessReset();
            }

            SyncRoutes(connection);
            Sweep();
            return;
        }

        if (header.IsLongHeader)
        {
            if (header.Type == PacketType.Initial && _options.AcceptConnections && !_stopAccepting)
            {
                Accept(now, remote, local, header, datagram, ecn);
                Sweep();
            }
            else
            {
                DroppedDatagrams++;
            }

            return;
        }

        HandleUnknownShortHeader(now, remote, header.DestinationConnectionId, bytes);
        Sweep();
    }

    /// <summary>Writes the next datagram into <paramref name="buffer"/>; null when nothing is to be sent now.</summary>
    public Transmit? PollTransmit(Instant now, Span<byte> buffer)
    {
        if (_stateless.TryDequeue(out (byte[] Buffer, int Length, IPEndPoint To) pending))
        {
            int length = Math.Min(pending.Length, buffer.Length);
            pending.Buffer.AsSpan(0, length).CopyTo(buffer);
            _statelessBuffers.Push(pending.Buffer);
            return new Transmit(pending.To, length);
        }

        int count = _connections.Count;
        for (int i = 0; i < count; i++)
        {
            int index = (_roundRobin + i) % count;
            QuicConnection connection = _connections[index];
            int written = connection.PollTransmit(now, buffer);
            SyncRoutes(connection);
            if (written > 0)
            {
                _roundRobin = index;
                // RFC 9000 §8.2, §9: a probing datagram may go to (or from) another path than the active one.
                return new Transmit(connection.LastTransmitDestination, written, connection.LastTransmitEcn, Source: connection.LastTransmitSource);
            }
        }

        _roundRobin = count == 0 ? 0 : (_roundRobin + 1) % count;
        return null;
    }

    /// <summary>When <see cref="HandleTimeout"/> must be called next; null for never.</summary>
    public Instant? NextTimeout()
    {
        Instant? next = null;
        foreach (QuicConnection c in _connections)
        {
            if (c.NextTimeout() is Instant t && (next is null || t < next.Value))
            {
                next = t;
            }
        }

        return next;
    }

    /// <summary>Fires the timers of every connection due at <paramref name="now"/>.</summary>
    public void HandleTimeout(Instant now)
    {
        foreach (QuicConnection c in _connections)
        {
            if (c.NextTimeout() is Instant t && t <= now)
            {
                c.HandleTimeout(now);
                if (c.State == ConnectionState.Closed)
                {
                    _needsSweep = true;
                }
            }
        }

        Sweep();
    }

    /// <summary>Test hook: forgets every connection, as a restarted server would (its reset key kept).</summary>
    internal void ForgetAllConnections()
    {
        foreach (QuicConnection c in _connections)
        {
            c.Dispose();
        }

        _connections.Clear();
        _routes.Clear();
        _initialRoutes.Clear();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        ForgetAllConnections();
    }

    /// <summary>Follows the connection's issued and retired IDs in the routing table.</summary>
    private void SyncRoutes(QuicConnection connection)
    {
        while (connection.TryPollConnectionIdChange(out ConnectionId id, out bool added))
        {
            if (added)
            {
                _routes[id] = connection;
            }
            else
            {
                _routes.Remove(id);
            }
        }

        if (connection.State == ConnectionState.Closed)
        {
            _needsSweep = true;
        }
    }

    /// <summary>Drops closed connections and their routes (never inside a connection's own call).</summary>
    private void Sweep()
    {
        if (!_needsSweep || ManualSweep)
        {
            return;
        }

        _needsSweep = false;
        for (int i = _connections.Count - 1; i >= 0; i--)
        {
            QuicConnection c = _connections[i];
            if (c.State != ConnectionState.Closed)
            {
                continue;
            }

            _cidScratch.Clear();
            c.CopyLocalConnectionIds(_cidScratch);
            foreach (ConnectionId id in _cidScratch)
            {
                if (_routes.TryGetValue(id, out QuicConnection? owner) && ReferenceEquals(owner, c))
                {
                    _routes.Remove(id);
                }
            }

            if (_initialRoutes.Remove(c, out ConnectionId initial) && _routes.TryGetValue(initial, out QuicConnection? o) && ReferenceEquals(o, c))
            {
                _routes.Remove(initial);
            }

            _connections.RemoveAt(i);
            c.Dispose();
        }
    }

    private bool TryRentStatelessBuffer(out byte[] buffer)
    {
        if (_stateless.Count >= MaxStatelessQueue)
        {
            buffer = [];
            return false;
        }

        buffer = _statelessBuffers.Count > 0 ? _statelessBuffers.Pop() : new byte[1500];
        return true;
    }
}
