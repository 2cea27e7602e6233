using System.Net;
using SharpQuic.Core.Congestion;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;
using SharpQuic.Cryptography;
using SharpQuic.Tls.Handshake;

namespace SharpQuic.Core.Connection;

/// <summary>The life stages of a connection (RFC 9000 §10).</summary>
internal enum ConnectionState
{
    /// <summary>Handshake in progress or done; packets flow.</summary>
    Open,

    /// <summary>We sent CONNECTION_CLOSE; we answer packets with it until the closing period ends (§10.2.1).</summary>
    Closing,

    /// <summary>The peer closed; we send nothing until the draining period ends (§10.2.2).</summary>
    Draining,

    /// <summary>Nothing left: the endpoint drops the connection.</summary>
    Closed,
}

/// <summary>
/// One QUIC connection as a sans-IO state machine (RFC 9000, RFC 9001, RFC 9002): datagrams and time in;
/// datagrams, a timeout and events out. Single-threaded; no clock, socket or random source of its own.
/// </summary>
/// <remarks>
/// <para>Method families (the files of this partial class follow them):</para>
/// <list type="bullet">
/// <item><description>Getters: <see cref="State"/>, <see cref="IsServer"/>, <see cref="IsHandshakeComplete"/>,
/// <see cref="IsHandshakeConfirmed"/>, <see cref="RemoteAddress"/>, <see cref="CloseInfo"/>, <see cref="Streams"/>,
/// <see cref="Loss"/>.</description></item>
/// <item><description>Inputs (<c>Handle…</c>): <see cref="HandleDatagram(Instant, IPEndPoint, IPEndPoint?, Span{byte}, EcnCodepoint)"/> (Receive), <see cref="HandleTimeout"/>
/// (Timers).</description></item>
/// <item><description>Mutators, the application's commands: <see cref="SetServerOptions"/> and
/// <see cref="ValidatePeerCertificate"/> (the two pause points, Handshake), <see cref="TryOpenStream"/>,
/// <see cref="Write"/>, <see cref="Read"/>, <see cref="ResetStream(StreamId, ulong)"/>, <see cref="StopSending"/> (Streams),
/// <see cref="Close"/> (Close), <see cref="Migrate"/> (Migration).</description></item>
/// <item><description>Outputs (<c>Poll…</c>): <see cref="PollTransmit"/> (Send), <see cref="NextTimeout"/> (Timers),
/// <see cref="PollEvent"/>, <see cref="LastTransmitDestination"/> / <see cref="LastTransmitSource"/> (where the datagram
/// just polled goes, Migration), and for the endpoint <see cref="TryPollConnectionIdChange"/> (ConnectionIds).</description></item>
/// </list>
/// <para>Driver order after any input: drain <see cref="PollTransmit"/> until it returns 0, re-read
/// <see cref="NextTimeout"/>, drain <see cref="PollEvent"/>. Errors from the network never throw: they close the
/// connection with the RFC's error code.</para>
/// </remarks>
internal sealed partial class QuicConnection : IRecoveryObserver, IDisposable
{
    private ConnectionOptions _options;
    private readonly IRandomSource _random;
    private readonly IConnectionIdGenerator _cidGenerator;
    private readonly StatelessResetTokens _resetTokens;
    private readonly DateTimeOffset _wallClockOrigin;
    private TlsConnection? _tls;
    private readonly PacketSpaceState[] _spaces;
    private readonly LossDetection _loss;
    private readonly PacingGate? _pacing;
    private readonly StreamManager _streams;
    private readonly SentFrameRecords _sentFrames = new();
    private readonly Queue<ConnectionEvent> _events = new();
    private readonly Instant _createdAt;
    private byte[] _localTransportParameters;
    private QuicVersion _version;
    private TransportParameters? _peerParameters;
    private int _peerAckDelayExponent = 3;
    private int _maxSendDatagramSize;
    private TimeSpan _idleTimeout;
    private bool _handshakeComplete;
    private bool _handshakeConfirmed;
    private bool _handshakeDonePending;
    private bool _addressValidated;
    private long _bytesReceived;
    private long _bytesSent;
    private byte[] _token = [];
    private AddressValidationTokens? _tokenIssuer;
    private byte[]? _newToken;
    private bool _newTokenPending;
    private bool _disposed;

    private QuicConnection(
        bool isServer,
        QuicVersion version,
        ConnectionOptions options,
        TlsConnection tls,
        IRandomSource random,
        IConnectionIdGenerator cidGenerator,
        StatelessResetTokens resetTokens,
        DateTimeOffset wallClockOrigin,
        IPEndPoint remote,
        ConnectionId localCid,
        ConnectionId remoteCid,
        ConnectionId originalDcid,
        ConnectionId initialKeysCid,
        byte[] localTransportParameters,
        Instant now)
    {
        IsServer = isServer;
        _version = version;
        _options = options;
        _tls = tls;
        _random = random;
        _cidGenerator = cidGenerator;
        _resetTokens = resetTokens;
        _wallClockOrigin = wallClockOrigin;
        RemoteAddress = remote;
        _createdAt = now;
        _lastActivity = now;
        _localTransportParameters = localTransportParameters;
        _maxSendDatagramSize = Math.Max(RecoveryConstants.MinimumMaxDatagramSize, options.MaxDatagramSize);
        _idleTimeout = options.IdleTimeout;
        _spaces =
        [
            new PacketSpaceState(PacketNumberSpace.Initial, options.MaxAckDelay, options.MaxCryptoBuffer),
            new PacketSpaceState(PacketNumberSpace.Handshake, options.MaxAckDelay, options.MaxCryptoBuffer),
            new PacketSpaceState(PacketNumberSpace.ApplicationData, options.MaxAckDelay, options.MaxCryptoBuffer),
        ];
        ICongestionController controller = CongestionControllerFactory.Create(options.CongestionControl, _maxSendDatagramSize, options.Pacing);
        _loss = new LossDetection(isServer, controller, new RttEstimator(options.InitialRtt), options.MaxTrackedPackets);
        _pacing = options.Pacing ? new PacingGate(_maxSendDatagramSize) : null;
        _streams = new StreamManager(!isServer, options.Streams);
        InitPathMtuDiscovery();
        _originalDcid = originalDcid;
        InitConnectionIds(localCid, remoteCid);
        InstallInitialKeys(initialKeysCid);
        SetTimer(TimerKind.Handshake, now + options.HandshakeTimeout);
        RestartIdleTimer(now);
        StartTracing(originalDcid, localCid, remoteCid, now);
    }

    /// <summary>Whether this side is the server.</summary>
    public bool IsServer { get; }

    /// <summary>Where the peer is.</summary>
    public IPEndPoint RemoteAddress { get; private set; }

    /// <summary>The connection's stage.</summary>
    public ConnectionState State { get; private set; }

    /// <summary>True once TLS completed (RFC 9001 §4.1.1).</summary>
    public bool IsHandshakeComplete => _handshakeComplete;

    /// <summary>True once the handshake is confirmed (RFC 9001 §4.1.2).</summary>
    public bool IsHandshakeConfirmed => _handshakeConfirmed;

    /// <summary>How the connection closed, once it did.</summary>
    public ConnectionCloseInfo? CloseInfo { get; private set; }

    /// <summary>The version in use.</summary>
    public QuicVersion Version => _version;

    /// <summary>The streams of the connection.</summary>
    public StreamManager Streams => _streams;

    /// <summary>Loss detection, RTT and congestion state.</summary>
    public LossDetection Loss => _loss;

    /// <summary>The TLS engine.</summary>
    internal TlsConnection? Tls => _tls;

    /// <summary>The peer's transport parameters, once received.</summary>
    public TransportParameters? PeerParameters => _peerParameters;

    /// <summary>Bytes of datagrams received and sent (the anti-amplification counters, RFC 9000 §8.1).</summary>
    public long BytesReceived => _bytesReceived;

    /// <inheritdoc cref="BytesReceived"/>
    public long BytesSent => _bytesSent;

    /// <summary>Whether the server considers the client's address validated (RFC 9000 §8.1).</summary>
    public bool IsAddressValidated => _addressValidated;

    /// <summary>
    /// Client: the latest token the server sent in NEW_TOKEN (RFC 9000 §8.1.3), to pass to a later
    /// <see cref="QuicEndpoint.Connect"/> to the same server; null until one arrived.
    /// </summary>
    public byte[]? ReceivedToken { get; private set; }

    /// <summary>Creates the client side and produces its first flight (RFC 9000 §7).</summary>
    public static QuicConnection CreateClient(
        QuicVersion version,
        ConnectionOptions options,
        ClientTlsSettings tlsOptions,
        IRandomSource random,
        IConnectionIdGenerator cidGenerator,
        StatelessResetTokens resetTokens,
        DateTimeOffset wallClockOrigin,
        IPEndPoint remote,
        Instant now,
        byte[]? token = null,
        IReadOnlyList<QuicVersion>? versionPreference = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tlsOptions);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(cidGenerator);
        ConnectionId scid = cidGenerator.Generate();

        // RFC 9000 §7.2: an unpredictable Destination Connection ID of at least 8 bytes.
        Span<byte> dcidBytes = stackalloc byte[8];
        random.Fill(dcidBytes);
        var dcid = new ConnectionId(dcidBytes);

        // RFC 9368 §3: our Chosen Version and the versions this first flight is compatible with.
        QuicVersion[] preference = [.. versionPreference ?? [version]];
        QuicVersion[] available = ClientAvailableVersions(version, preference);
        byte[] tp = EncodeTransportParameters(options, isServer: false, scid, default, null, null, BuildVersionInformation(version, available));
        var tls = new TlsClientConnection(tlsOptions.ToTlsOptions(tp));
        var connection = new QuicConnection(false, version, options, tls, random, cidGenerator, resetTokens, wallClockOrigin, remote, scid, dcid, dcid, dcid, tp, now);
        connection._clientTls = tlsOptions;
        connection.InitVersions(version, available, preference, serverPrefersOwnOrder: false);
        connection.PrepareEarlyData(tlsOptions);

        // RFC 9000 §8.1.3: a NEW_TOKEN token from an earlier connection goes in every Initial (a Retry replaces it).
        connection._token = token ?? [];
        tls.Start(connection.WallClock(now));
        connection.DrainTls(now);
        return connection;
    }

    /// <summary>
    /// Creates the server side for a client's first Initial. <paramref name="tlsOptions"/> null pauses after the
    /// ClientHello (<see cref="ConnectionEventKind.ClientHelloReceived"/>) until <see cref="SetServerOptions"/>.
    /// <paramref name="tokenValidated"/> says the Initial carried a valid NEW_TOKEN token (RFC 9000 §8.1.3): the
    /// address counts as validated at once. <paramref name="tokenIssuer"/>, when set, seals the NEW_TOKEN token
    /// sent once the handshake is confirmed.
    /// </summary>
    public static QuicConnection CreateServer(
        QuicVersion version,
        ConnectionOptions options,
        ServerTlsSettings? tlsOptions,
        IRandomSource random,
        IConnectionIdGenerator cidGenerator,
        StatelessResetTokens resetTokens,
        DateTimeOffset wallClockOrigin,
        IPEndPoint remote,
        ConnectionId clientScid,
        ConnectionId clientDcid,
        ConnectionId originalDcid,
        ConnectionId? retrySourceCid,
        Instant now,
        bool tokenValidated = false,
        AddressValidationTokens? tokenIssuer = null,
        IReadOnlyList<QuicVersion>? serverVersions = null,
        bool preferServerVersionOrder = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(resetTokens);
        ArgumentNullException.ThrowIfNull(cidGenerator);
        ConnectionId scid = cidGenerator.Generate();

        // RFC 9368 §3: the Chosen Version (until compatible negotiation picks another) and the versions we accept.
        QuicVersion[] available = [.. serverVersions ?? [version]];
        PreferredAddress? preferred = CreatePreferredAddress(options, cidGenerator, resetTokens, out ConnectionId preferredCid);
        byte[] tp = EncodeTransportParameters(options, isServer: true, scid, originalDcid, retrySourceCid, resetTokens, BuildVersionInformation(version, available), preferred);
        TlsServerConnection tls = tlsOptions is null ? new TlsServerConnection() : new TlsServerConnection(tlsOptions.ToTlsOptions(tp));
        var connection = new QuicConnection(true, version, options, tls, random, cidGenerator, resetTokens, wallClockOrigin, remote, scid, clientScid, originalDcid, clientDcid, tp, now)
        {
            _retrySourceCid = retrySourceCid,
            _addressValidated = retrySourceCid is not null || tokenValidated,
            _tokenIssuer = tokenIssuer,
            _serverTlsSettings = tlsOptions,
        };
        connection.InitVersions(version, available, available, preferServerVersionOrder);
        connection._peerInitialScid = clientScid;
        connection._peerInitialScidKnown = true;
        if (preferred is not null)
        {
            connection.AddPreferredAddressCid(preferredCid);
        }

        return connection;
    }

    /// <summary>Takes the next event; false when none is left.</summary>
    public bool PollEvent(out ConnectionEvent ev)
    {
        if (_events.TryDequeue(out ev))
        {
            return true;
        }

        if (_streams.PollEvent(out StreamEvent se))
        {
            TraceStreamEvent(se);
            ev = new ConnectionEvent(MapStreamEvent(se.Kind), se.StreamId, se.ErrorCode, FinalSize: se.FinalSize);
            return true;
        }

        return false;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (PacketSpaceState s in _spaces)
        {
            s.Dispose();
        }

        DisposeKeyUpdateState();
        DisposeDatagrams();
        DisposeApplicationSecrets();
        DisposeVersionState();
        DisposeZeroRtt();
        _tls?.Dispose();
        _exporter?.Dispose();
        _peerCertificate?.Dispose();
        _tracer?.Dispose();
        _tracer = null;
    }

    /// <summary>The TLS engine's wall clock: the endpoint's origin plus the virtual time (it checks certificate and ticket times).</summary>
    private DateTimeOffset WallClock(Instant now) => _wallClockOrigin + (now - Instant.Zero);

    private static ConnectionEventKind MapStreamEvent(StreamEventKind kind) => kind switch
    {
        StreamEventKind.Opened => ConnectionEventKind.StreamOpened,
        StreamEventKind.Readable => ConnectionEventKind.StreamReadable,
        StreamEventKind.Writable => ConnectionEventKind.StreamWritable,
        StreamEventKind.Finished => ConnectionEventKind.StreamFinished,
        StreamEventKind.ResetReceived => ConnectionEventKind.StreamReset,
        StreamEventKind.StopSendingReceived => ConnectionEventKind.StopSendingReceived,
        StreamEventKind.FinalSizeKnown => ConnectionEventKind.StreamFinalSizeKnown,
        _ => ConnectionEventKind.StreamsAvailable,
    };
}
