using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SharpQuic.Core.Congestion;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Connection;

/// <summary>What <see cref="QuicConnection.Migrate"/> did.</summary>
internal enum MigrationStartResult
{
    /// <summary>Probing the new path; the connection switches to it once validated (<see cref="ConnectionEventKind.PathMigrated"/>).</summary>
    Started,

    /// <summary>Only clients migrate, and only once the handshake is confirmed (RFC 9000 §9).</summary>
    NotAllowedNow,

    /// <summary>The server sent disable_active_migration (RFC 9000 §9, §18.2).</summary>
    DisabledByPeer,

    /// <summary>No unused connection ID from the peer (RFC 9000 §9.5): wait for NEW_CONNECTION_ID and try again.</summary>
    NoConnectionId,

    /// <summary>Another validation is under way.</summary>
    Busy,
}

/// <summary>
/// Connection migration (RFC 9000 §9) and path validation (§8.2). The connection has one active path
/// (<see cref="QuicConnection.RemoteAddress"/>, <see cref="LocalAddress"/>) and at most two validations under way: the
/// path it is moving to, and — for a server after an apparent peer migration — the previous path (§9.3.3).
/// </summary>
/// <remarks>
/// <para>Server: a non-probing 1-RTT packet with the largest packet number so far, from a new peer address, moves the
/// active path at once (§9.3) under the 3× anti-amplification limit until PATH_RESPONSE (§9.3.1); a fresh peer
/// connection ID is used when one is spare (§9.5); the congestion controller and RTT are reset on validation unless
/// only the port changed (§9.4: a port-only change is nearly always a NAT rebinding, so state is kept — our choice);
/// validation failure falls back to the last validated path (§9.3.2). A packet from the previous path with a larger
/// packet number moves back without validation (§9.3.3). A non-probing packet at another local address (our preferred
/// address) is followed only once that path is validated (§9.6.2).</para>
/// <para>Client: <see cref="Migrate"/> probes from a new local address with an unused connection ID and switches on
/// validation (§9.2, §9.5), then retires the old ID; after confirmation it validates the server's preferred_address
/// and moves there (§9.6.1). Packets from unknown server addresses are dropped (§9).</para>
/// <para>PATH_CHALLENGE and PATH_RESPONSE travel in their own datagrams, padded to 1,200 bytes within the path's
/// anti-amplification allowance (§8.2.1, §8.2.2), addressed by <see cref="LastTransmitDestination"/> and
/// <see cref="LastTransmitSource"/>; they are neither congestion controlled nor retransmitted (§9.4 allows the
/// exception; the validation timer sends fresh challenges instead).</para>
/// </remarks>
internal sealed partial class QuicConnection
{
    private const int MaxPendingResponses = 4;
    private readonly PathValidation _newPath = new();
    private readonly PathValidation _oldPath = new();
    private readonly PendingPathResponse[] _responses = new PendingPathResponse[MaxPendingResponses];
    private int _responseCount;
    private IPEndPoint? _localAddress;
    private IPEndPoint? _handshakeLocal;
    private IPEndPoint? _handshakeRemote;
    private bool _pathValidated = true;
    private long _pathBytesReceived;
    private long _pathBytesSent;
    private bool _resetCongestionOnValidation;
    private bool _hasFallback;
    private IPEndPoint? _fallbackRemote;
    private IPEndPoint? _fallbackLocal;
    private ulong _fallbackCidSequence;
    private ulong _highestUsedPeerCid;
    private bool _anyNonProbing;
    private ulong _largestNonProbingPn;
    private bool _packetNonProbing;
    private IPEndPoint? _rxRemote;
    private IPEndPoint? _rxLocal;
    private int _rxLength;

    private struct PendingPathResponse
    {
        public ulong Data;
        public IPEndPoint Remote;
        public IPEndPoint? Local;
        public int ReceivedBytes;
    }

    /// <summary>Our address on the active path; null until a datagram told us (or when the driver does not say).</summary>
    public IPEndPoint? LocalAddress => _localAddress;

    /// <summary>Where the datagram of the last successful <see cref="PollTransmit"/> goes.</summary>
    public IPEndPoint LastTransmitDestination { get; private set; } = new(IPAddress.None, 0);

    /// <summary>
    /// The local address the last datagram must leave from, or null for the socket the connection started on (a
    /// migrated client's new socket, a server's preferred address).
    /// </summary>
    public IPEndPoint? LastTransmitSource { get; private set; }

    /// <summary>Whether the active path's peer address is validated (false between a peer migration and its PATH_RESPONSE).</summary>
    public bool IsPathValidated => _pathValidated;

    /// <summary>Whether a path validation is under way (the new path or the previous one).</summary>
    public bool IsValidatingPath => _newPath.InProgress || _oldPath.InProgress;

    /// <summary>Paths validated, validations abandoned, and active-path changes (diagnostics).</summary>
    public int PathsValidated { get; private set; }

    /// <inheritdoc cref="PathsValidated"/>
    public int PathValidationFailures { get; private set; }

    /// <inheritdoc cref="PathsValidated"/>
    public int PathChanges { get; private set; }

    /// <summary>
    /// Client: start migrating to <paramref name="newLocal"/>, the address of a socket the driver bound (RFC 9000 §9.2).
    /// The path is probed from there with an unused connection ID; the connection switches once it is validated and
    /// then sends everything from <paramref name="newLocal"/> (see <see cref="LastTransmitSource"/>).
    /// </summary>
    public MigrationStartResult Migrate(IPEndPoint newLocal, Instant now)
    {
        ArgumentNullException.ThrowIfNull(newLocal);
        if (IsServer || State != ConnectionState.Open || !_handshakeConfirmed)
        {
            return MigrationStartResult.NotAllowedNow;
        }

        if (_peerParameters?.DisableActiveMigration == true)
        {
            return MigrationStartResult.DisabledByPeer;
        }

        if (_newPath.InProgress)
        {
            return MigrationStartResult.Busy;
        }

        if (!TryTakeUnusedPeerCid(out ulong sequence))
        {
            return MigrationStartResult.NoConnectionId;
        }

        StartValidation(_newPath, PathValidationPurpose.ClientMigration, RemoteAddress, newLocal, sequence, now);
        return MigrationStartResult.Started;
    }

    /// <summary>Server: the preferred_address value (RFC 9000 §18.2) with a fresh connection ID, or null when none is configured.</summary>
    private static PreferredAddress? CreatePreferredAddress(ConnectionOptions options, IConnectionIdGenerator cidGenerator, StatelessResetTokens resetTokens, out ConnectionId cid)
    {
        cid = default;
        if (options.PreferredAddress is not ServerPreferredAddress pa || (pa.IPv4 is null && pa.IPv6 is null) || cidGenerator.Length == 0)
        {
            return null; // §18.2: the connection ID is 1 to 20 bytes, so zero-length IDs rule it out
        }

        cid = cidGenerator.Generate();
        byte[] token = new byte[StatelessResetTokens.TokenLength];
        resetTokens.Compute(cid.Span, token);
        return new PreferredAddress(
            pa.IPv4?.Address ?? IPAddress.Any, (ushort)(pa.IPv4?.Port ?? 0),
            pa.IPv6?.Address ?? IPAddress.IPv6Any, (ushort)(pa.IPv6?.Port ?? 0),
            cid.Span.ToArray(), token);
    }

    /// <summary>Server: the preferred_address connection ID is ours with sequence number 1 (RFC 9000 §5.1.1).</summary>
    private void AddPreferredAddressCid(ConnectionId cid)
    {
        _localCids.Add((1, cid));
        _cidChanges.Enqueue((cid, true));
        _nextLocalSequence = 2;
    }

    /// <summary>Remembers the path a datagram came in on (called first by <see cref="HandleDatagram(Instant, IPEndPoint, IPEndPoint?, Span{byte}, EcnCodepoint)"/>); false to drop it.</summary>
    private bool OnDatagramPath(IPEndPoint remote, IPEndPoint? local, int length)
    {
        _rxRemote = remote;
        _rxLocal = local;
        _rxLength = length;
        _handshakeRemote ??= RemoteAddress;
        if (local is not null)
        {
            _handshakeLocal ??= local;
            _localAddress ??= local;
        }

        if (!IsServer && !IsKnownServerAddress(remote))
        {
            // RFC 9000 §9, §9.6: a client discards packets from a server address it did not migrate to.
            DroppedPackets++;
            return false;
        }

        if (!_pathValidated && remote.Equals(RemoteAddress))
        {
            _pathBytesReceived += length; // §8: the new path's anti-amplification allowance
        }

        return true;
    }

    private bool IsKnownServerAddress(IPEndPoint remote)
        => remote.Equals(RemoteAddress) || remote.Equals(_handshakeRemote) || (_newPath.InProgress && remote.Equals(_newPath.Remote));

    /// <summary>An authenticated 1-RTT packet was processed: follow a peer migration (RFC 9000 §9.3).</summary>
    private void OnApplicationPacketPath(Instant now, ulong pn)
    {
        if (!_packetNonProbing || _rxRemote is null)
        {
            return;
        }

        // §9.3: only the highest-numbered non-probing packet moves the path (reordered packets do not).
        bool highest = !_anyNonProbing || pn > _largestNonProbingPn;
        if (!highest)
        {
            return;
        }

        _anyNonProbing = true;
        _largestNonProbingPn = pn;

        // §9: clients never follow the server elsewhere; servers only after confirmation.
        if (!IsServer || !_handshakeConfirmed)
        {
            return;
        }

        bool remoteChanged = !_rxRemote.Equals(RemoteAddress);
        bool localChanged = _rxLocal is not null && _localAddress is not null && !_rxLocal.Equals(_localAddress);
        if (!remoteChanged && !localChanged)
        {
            return;
        }

        if (!remoteChanged)
        {
            // §9.6.2: the client moved to our preferred address; we follow once that path is validated.
            if (!_newPath.IsPath(_rxRemote, _rxLocal))
            {
                StartValidation(_newPath, PathValidationPurpose.LocalAddress, _rxRemote, _rxLocal, ActivePeerCidSequence, now);
            }

            return;
        }

        OnPeerMigrated(now, _rxRemote, _rxLocal ?? _localAddress);
    }

    /// <summary>RFC 9000 §9.3: the peer moved; send to it at once, validate it, check the previous path.</summary>
    private void OnPeerMigrated(Instant now, IPEndPoint remote, IPEndPoint? local)
    {
        PathChanges++;
        if (_hasFallback && remote.Equals(_fallbackRemote) && Equals(local, _fallbackLocal))
        {
            // §9.3.3: back on the last validated path (a spurious migration): no validation, state kept.
            RevertToFallback();
            return;
        }

        if (_pathValidated)
        {
            _hasFallback = true;
            _fallbackRemote = RemoteAddress;
            _fallbackLocal = _localAddress;
            _fallbackCidSequence = ActivePeerCidSequence;
        }

        // §9.4: reset on validation unless only the port changed.
        _resetCongestionOnValidation = !remote.Address.Equals(RemoteAddress.Address);
        RemoteAddress = remote;
        _localAddress = local;
        _pathValidated = false;
        _pathBytesReceived = _rxLength;
        _pathBytesSent = 0;
        _loss.Ecn.Restart(); // §13.4.2: ECN is validated again on a new path

        // §9.5: a connection ID not used on another path when the peer gave us one.
        ulong sequence = ActivePeerCidSequence;
        if (TryTakeUnusedPeerCid(out ulong fresh))
        {
            ActivatePeerCid(fresh);
            sequence = fresh;
        }

        _oldPath.Stop();
        StartValidation(_newPath, PathValidationPurpose.PeerMigration, remote, local, sequence, now);
        if (_hasFallback)
        {
            StartValidation(_oldPath, PathValidationPurpose.PreviousPath, _fallbackRemote!, _fallbackLocal, _fallbackCidSequence, now);
        }
    }

    /// <summary>§9.3.2, §9.3.3: the last validated path again; the connection ID used toward the abandoned address is retired.</summary>
    private void RevertToFallback()
    {
        ulong abandoned = ActivePeerCidSequence;
        RemoteAddress = _fallbackRemote!;
        _localAddress = _fallbackLocal;
        _pathValidated = true;
        _hasFallback = false;
        if (IndexOfPeerCid(_fallbackCidSequence) >= 0)
        {
            ActivatePeerCid(_fallbackCidSequence);
            RetirePeerCid(abandoned);
        }

        _newPath.Stop();
        _oldPath.Stop();
        _loss.Ecn.Restart();
        UpdatePathTimer();
    }

    /// <summary>PATH_CHALLENGE (RFC 9000 §8.2.2): one PATH_RESPONSE on the path it came in on.</summary>
    private void OnPathChallenge(ulong data)
    {
        if (_rxRemote is null)
        {
            return;
        }

        if (_responseCount == MaxPendingResponses)
        {
            // Bounded: the oldest unanswered challenge gives way (the peer sends more as needed, §8.2.2).
            Array.Copy(_responses, 1, _responses, 0, MaxPendingResponses - 1);
            _responseCount--;
        }

        _responses[_responseCount++] = new PendingPathResponse { Data = data, Remote = _rxRemote, Local = _rxLocal, ReceivedBytes = _rxLength };
        if (_rxRemote.Equals(RemoteAddress) && (_rxLocal is null || _localAddress is null || _rxLocal.Equals(_localAddress)) && _handshakeConfirmed)
        {
            // §9.3.3: a challenge on the active path gets a non-probing packet too, so that a genuine path wins back.
            _keepAlivePending = true;
        }
    }

    /// <summary>PATH_RESPONSE (RFC 9000 §8.2.3): valid from any path when it echoes one of our challenges.</summary>
    private void OnPathResponse(ulong data, Instant now)
    {
        if (_newPath.Matches(data))
        {
            OnPathValidated(now);
        }
        else if (_oldPath.Matches(data))
        {
            // The previous path still works; nothing to change (§9.3.3 only asks that it be exercised).
            PathsValidated++;
            _oldPath.Stop();
        }

        UpdatePathTimer();
    }

    private void OnPathValidated(Instant now)
    {
        PathsValidated++;
        PathValidationPurpose purpose = _newPath.Purpose;
        ulong previousCid = ActivePeerCidSequence;
        switch (purpose)
        {
            case PathValidationPurpose.PeerMigration:
                _pathValidated = true;
                if (_hasFallback && _fallbackCidSequence != previousCid)
                {
                    RetirePeerCid(_fallbackCidSequence);
                }

                _hasFallback = false;
                _oldPath.Stop();
                if (_resetCongestionOnValidation)
                {
                    ResetCongestionForNewPath(now);
                }

                QueueNewToken(now); // §9.3: a token for the new address
                break;
            case PathValidationPurpose.LocalAddress:
                // §9.6.2: the peer's address did not change, so congestion state is kept (§9.4); ECN is tested again.
                PathChanges++;
                _localAddress = _newPath.Local;
                _loss.Ecn.Restart();
                break;
            case PathValidationPurpose.ClientMigration:
            case PathValidationPurpose.PreferredAddress:
                PathChanges++;
                RemoteAddress = _newPath.Remote;
                _localAddress = _newPath.Local;
                ActivatePeerCid(_newPath.CidSequence);
                RetirePeerCid(previousCid); // §5.1.2, §9.5: the old ID is not used again
                ResetCongestionForNewPath(now);
                break;
        }

        _newPath.Stop();
        _events.Enqueue(new ConnectionEvent(ConnectionEventKind.PathMigrated));
    }

    private void OnPathValidationFailed(PathValidation validation)
    {
        PathValidationFailures++;
        PathValidationPurpose purpose = validation.Purpose;
        ulong sequence = validation.CidSequence;
        validation.Stop();
        switch (purpose)
        {
            case PathValidationPurpose.PeerMigration:
                if (!_hasFallback)
                {
                    // §9.3.2: no validated path to go back to: close silently.
                    CloseInfo ??= new ConnectionCloseInfo(CloseReason.IdleTimeout, false, 0, "no validated path");
                    SetClosed();
                    return;
                }

                RevertToFallback();
                break;
            case PathValidationPurpose.PreviousPath:
                return;
            case PathValidationPurpose.ClientMigration:
            case PathValidationPurpose.PreferredAddress:
                RetirePeerCid(sequence); // used on an abandoned path: never again (§9.5)
                break;
        }

        _events.Enqueue(new ConnectionEvent(ConnectionEventKind.PathValidationFailed));
    }

    /// <summary>RFC 9000 §9.4, RFC 9002 §9.4 (B.3): a new path starts from the initial window and RTT.</summary>
    private void ResetCongestionForNewPath(Instant now)
    {
        ResetPathMtu(); // RFC 9000 §9.4: the new path's MTU is unknown; search again from 1,200 bytes
        _loss.ResetForNewPath(CongestionControllerFactory.Create(_options.CongestionControl, _maxSendDatagramSize, _options.Pacing), now);
        _loss.Ecn.Restart(); // §13.4.2
        _streams.SmoothedRtt = _loss.Rtt.SmoothedRtt;
    }

    /// <summary>Client, handshake confirmed: take the preferred_address connection ID and move there (RFC 9000 §9.6.1).</summary>
    private void OnHandshakeConfirmedForMigration(Instant now)
    {
        if (IsServer || _peerParameters?.PreferredAddress is not PreferredAddress pa)
        {
            return;
        }

        // §5.1.1: the preferred_address connection ID has sequence number 1.
        if (IndexOfPeerCid(1) < 0 && _peerCids.Count < Math.Max(2, _options.ActiveConnectionIdLimit))
        {
            _peerCids.Add((1, new ConnectionId(pa.ConnectionId), BinaryPrimitives.ReadUInt128BigEndian(pa.StatelessResetToken), true));
        }

        IPEndPoint? target = ChoosePreferredAddress(pa);
        if (!_options.MigrateToPreferredAddress || target is null || target.Equals(RemoteAddress) || _newPath.InProgress || IndexOfPeerCid(1) < 0 || _highestUsedPeerCid >= 1)
        {
            return;
        }

        _highestUsedPeerCid = 1;
        StartValidation(_newPath, PathValidationPurpose.PreferredAddress, target, _localAddress, 1, now);
    }

    /// <summary>§9.6.3: the address of the family we use now; an all-zero address or port is not offered.</summary>
    private IPEndPoint? ChoosePreferredAddress(PreferredAddress pa)
    {
        bool v6 = RemoteAddress.AddressFamily == AddressFamily.InterNetworkV6 && !RemoteAddress.Address.IsIPv4MappedToIPv6;
        IPAddress address = v6 ? pa.IPv6Address : pa.IPv4Address;
        ushort port = v6 ? pa.IPv6Port : pa.IPv4Port;
        bool offered = port != 0 && !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any);
        return offered ? new IPEndPoint(address, port) : null;
    }

    private void StartValidation(PathValidation validation, PathValidationPurpose purpose, IPEndPoint remote, IPEndPoint? local, ulong cidSequence, Instant now)
    {
        // §8.2.4: three times the larger of the current PTO and a new path's PTO (kInitialRtt); a challenge per PTO.
        TimeSpan current = _loss.Rtt.ProbeTimeout(includeMaxAckDelay: true);
        TimeSpan initial = (_options.InitialRtt * 3) + _loss.Rtt.MaxAckDelay;
        validation.Start(purpose, remote, local, cidSequence, now, current > initial ? current : initial);
        validation.QueueChallenge(RandomChallenge(), now);
        UpdatePathTimer();
    }

    private ulong RandomChallenge()
    {
        // §8.2.1: unpredictable data in every PATH_CHALLENGE.
        Span<byte> data = stackalloc byte[8];
        _random.Fill(data);
        return BinaryPrimitives.ReadUInt64LittleEndian(data);
    }

    /// <summary>The path-validation timer fired: abandon what is overdue (§8.2.4), send fresh challenges.</summary>
    private void OnPathTimer(Instant now)
    {
        CheckValidation(_newPath, now);
        CheckValidation(_oldPath, now);
        UpdatePathTimer();
    }

    private void CheckValidation(PathValidation validation, Instant now)
    {
        if (!validation.InProgress || State != ConnectionState.Open)
        {
            return;
        }

        if (now >= validation.Deadline)
        {
            OnPathValidationFailed(validation);
        }
        else if (now >= validation.NextChallenge && !validation.ChallengePending)
        {
            validation.QueueChallenge(RandomChallenge(), now);
        }
    }

    private void UpdatePathTimer()
    {
        Instant? next = null;
        Next(_newPath, ref next);
        Next(_oldPath, ref next);
        if (next is Instant t)
        {
            SetTimer(TimerKind.PathValidation, t);
        }
        else
        {
            ClearTimer(TimerKind.PathValidation);
        }

        static void Next(PathValidation v, ref Instant? next)
        {
            if (!v.InProgress)
            {
                return;
            }

            Instant t = v.ChallengePending || v.NextChallenge > v.Deadline ? v.Deadline : v.NextChallenge;
            if (next is null || t < next.Value)
            {
                next = t;
            }
        }
    }

    /// <summary>Sets where a datagram of the active path goes, and applies the path's anti-amplification limit (§8, §9.3).</summary>
    private bool PrepareActivePathTransmit(ref int max)
    {
        LastTransmitDestination = RemoteAddress;
        LastTransmitSource = SourceFor(_localAddress);
        if (_pathValidated)
        {
            return true;
        }

        long allowance = (3 * _pathBytesReceived) - _pathBytesSent;
        if (allowance < max)
        {
            max = (int)Math.Max(0, allowance);
        }

        return max >= 64;
    }

    /// <summary>Whether the active path's address is unvalidated and its 3× allowance spent (§8, §9.3.1).</summary>
    private bool IsPathAmplificationBlocked => !_pathValidated && (3 * _pathBytesReceived) - _pathBytesSent < 64;

    private void OnPathBytesSent(int length)
    {
        if (!_pathValidated && LastTransmitDestination.Equals(RemoteAddress))
        {
            _pathBytesSent += length;
        }
    }

    /// <summary>Null for the address the connection started on (the driver's own socket), else the address itself.</summary>
    private IPEndPoint? SourceFor(IPEndPoint? local) => local is null || local.Equals(_handshakeLocal) ? null : local;
}
