using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Wire;
using SharpQuic.Cryptography;
using SharpQuic.Tls;
using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Handshake;
using SharpQuic.Tls.Messages;

namespace SharpQuic.Core.Connection;

/// <summary>
/// Version negotiation: the version_information transport parameter both ways (RFC 9368 §3, §4), compatible
/// negotiation between QUIC v1 and v2 in one connection (RFC 9368 §2.3, RFC 9369 §4), and the client's reaction to a
/// Version Negotiation packet with its downgrade checks (RFC 9368 §2.1, §4).
/// </summary>
/// <remarks>
/// Server: the client's first flight arrives in its Chosen Version. Before TLS sees the ClientHello, the server reads
/// the client's version_information from it, picks the Negotiated Version, re-derives Initial keys for it from the
/// same connection ID and answers in it; it keeps the Chosen Version's Initial read keys until a Handshake packet
/// arrives (RFC 9369 §4.1). Client: the first server Initial in another offered version, authenticated with that
/// version's Initial keys, before any Handshake keys exist, switches the connection to it (RFC 9369 §4.1).
/// </remarks>
internal sealed partial class QuicConnection
{
    /// <summary>VERSION_NEGOTIATION_ERROR (RFC 9368 §4, §10.2).</summary>
    internal const TransportErrorCode VersionNegotiationError = TransportErrorCode.VersionNegotiationError;

    // Client: the Chosen Version of this attempt; server: the version of the client's first packets (RFC 9368 §1.2).
    private QuicVersion _chosenVersion;

    // Client: our Available Versions as sent (Chosen first); server: the versions it accepts, best first.
    private QuicVersion[] _availableVersions = [];

    // Client: every version it supports, best first (the choice after a Version Negotiation packet, RFC 9368 §4).
    private QuicVersion[] _versionPreference = [];

    // Server: pick the first of its own versions the client offers (true) or follow the client's order (false).
    private bool _serverPrefersOwnVersionOrder;

    // Server: the Negotiated Version is fixed (the ClientHello was read).
    private bool _versionDecided;

    // Server: the Chosen Version's Initial read keys, kept after a switch until a Handshake packet (RFC 9369 §4.1).
    private PacketProtectionKeys? _chosenVersionInitialOpenKeys;

    // Client: the other version's Initial keys while its first packet is authenticated.
    private InitialPacketKeys? _candidateInitialKeys;

    // Server: the TLS options given up front (the engine is rebuilt with new transport parameters on a switch).
    private ServerTlsSettings? _serverTlsSettings;

    // Client: this attempt follows a Version Negotiation packet (RFC 9368 §4: stricter checks, no second reaction).
    private bool _reactedToVersionNegotiation;

    /// <summary>The Chosen Version of the client's first flight (of this attempt, after a Version Negotiation).</summary>
    public QuicVersion ChosenVersion => _chosenVersion;

    /// <summary>Client: whether this connection started over after a Version Negotiation packet (RFC 9368 §2.1).</summary>
    public bool ReactedToVersionNegotiation => _reactedToVersionNegotiation;

    /// <summary>
    /// The client's Available Versions (RFC 9368 §3): its Chosen Version first (it is what the client prefers), then
    /// the other versions it supports that the Chosen Version's first flight is compatible with (v1 and v2 are
    /// compatible both ways, RFC 9369 §4).
    /// </summary>
    internal static QuicVersion[] ClientAvailableVersions(QuicVersion chosen, IReadOnlyList<QuicVersion>? preference)
    {
        var list = new List<QuicVersion>(3) { chosen };
        if (preference is not null)
        {
            foreach (QuicVersion v in preference)
            {
                if (v != chosen && !list.Contains(v) && AreCompatible(chosen, v))
                {
                    list.Add(v);
                }
            }
        }

        return [.. list];
    }

    /// <summary>RFC 9369 §4: v1 and v2 are compatible with each other; nothing else is assumed (RFC 9368 §2.2).</summary>
    internal static bool AreCompatible(QuicVersion from, QuicVersion to) => from.IsSupported && to.IsSupported;

    /// <summary>Records the versions of a new connection (called by the factories before the first packet).</summary>
    private void InitVersions(QuicVersion chosen, QuicVersion[] available, QuicVersion[] preference, bool serverPrefersOwnOrder)
    {
        _chosenVersion = chosen;
        _availableVersions = available;
        _versionPreference = preference;
        _serverPrefersOwnVersionOrder = serverPrefersOwnOrder;
    }

    private static VersionInformation BuildVersionInformation(QuicVersion chosen, QuicVersion[] available)
    {
        var values = new uint[available.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = available[i].Value;
        }

        return new VersionInformation(chosen.Value, values);
    }

    /// <summary>Our transport parameters again, with version_information naming <paramref name="chosen"/>.</summary>
    private byte[] ReencodeTransportParameters(QuicVersion chosen)
    {
        if (TransportParameters.TryParse(_localTransportParameters, IsServer, out TransportParameters? p, out _) != TransportErrorCode.NoError || p is null)
        {
            throw new InvalidOperationException("Our own transport parameters did not parse.");
        }

        p.VersionInformation = BuildVersionInformation(chosen, _availableVersions);
        var buffer = new byte[p.EncodedLength];
        if (!p.TryWrite(buffer, out int written))
        {
            throw new InvalidOperationException("Transport parameters did not fit.");
        }

        return buffer.AsSpan(0, written).ToArray();
    }

    /// <summary>
    /// Server, before TLS reads the first ClientHello: picks the Negotiated Version from the client's
    /// version_information (RFC 9368 §2.3) and switches to it. <paramref name="ready"/> is false while the ClientHello
    /// is incomplete (it may span several Initial packets); the bytes then wait in the CRYPTO receive buffer.
    /// </summary>
    private TransportErrorCode DecideServerVersion(ReadOnlySpan<byte> initialCrypto, out bool ready)
    {
        ready = true;
        if (!TryReadClientVersionInformation(initialCrypto, out bool complete, out VersionInformation? vi))
        {
            ready = complete;
            if (complete)
            {
                _versionDecided = true; // TLS reports whatever is wrong with the ClientHello
            }

            return TransportErrorCode.NoError;
        }

        _versionDecided = true;
        if (vi is null)
        {
            return TransportErrorCode.NoError; // RFC 9368 §4: a server may complete without it
        }

        // RFC 9368 §4: the client's Chosen Version must be the version its first packets used.
        if (vi.ChosenVersion != _chosenVersion.Value)
        {
            return VersionNegotiationError;
        }

        QuicVersion negotiated = SelectServerVersion(vi.AvailableVersions);
        if (negotiated != _version)
        {
            SwitchServerVersion(negotiated);
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// Reads the client's version_information from a complete ClientHello at the start of the Initial CRYPTO stream.
    /// False when there is none to read: the message is incomplete (<paramref name="complete"/> false) or is not a
    /// ClientHello with well-formed transport parameters (left for TLS and the transport parameter check).
    /// </summary>
    private bool TryReadClientVersionInformation(ReadOnlySpan<byte> data, out bool complete, out VersionInformation? vi)
    {
        const byte ClientHelloType = 1;
        vi = null;
        complete = true;
        if (data.Length < 4)
        {
            complete = false;
            return false;
        }

        int length = (data[1] << 16) | (data[2] << 8) | data[3];
        if (data[0] != ClientHelloType || length > _options.MaxCryptoBuffer)
        {
            return false;
        }

        if (data.Length < 4 + length)
        {
            complete = false;
            return false;
        }

        if (!ClientHello.TryParse(data.Slice(4, length), out ClientHello? hello, out _) || hello is null
            || !hello.Extensions.TryGet(ExtensionType.QuicTransportParameters, out byte[] tp)
            || TransportParameters.TryParse(tp, sentByServer: false, out TransportParameters? p, out _) != TransportErrorCode.NoError || p is null)
        {
            return false;
        }

        vi = p.VersionInformation;
        return true;
    }

    /// <summary>
    /// RFC 9368 §2.3: a version the server accepts, the client offers, and the client's Chosen Version is compatible
    /// with — by the server's order when it prefers its own, else by the client's.
    /// </summary>
    private QuicVersion SelectServerVersion(uint[] clientAvailable)
    {
        if (_serverPrefersOwnVersionOrder)
        {
            foreach (QuicVersion v in _availableVersions)
            {
                if (Array.IndexOf(clientAvailable, v.Value) >= 0 && AreCompatible(_chosenVersion, v))
                {
                    return v;
                }
            }

            return _version;
        }

        foreach (uint value in clientAvailable)
        {
            var v = new QuicVersion(value);
            if (Array.IndexOf(_availableVersions, v) >= 0 && AreCompatible(_chosenVersion, v))
            {
                return v;
            }
        }

        return _version;
    }

    /// <summary>
    /// Server: answers in <paramref name="negotiated"/>: Initial keys of that version from the same connection ID
    /// (RFC 9369 §4.1), our transport parameters naming it, and the TLS engine (not yet fed) rebuilt with them.
    /// </summary>
    private void SwitchServerVersion(QuicVersion negotiated)
    {
        PacketSpaceState initial = _spaces[0];
        _chosenVersionInitialOpenKeys = initial.OpenKeys;
        initial.OpenKeys = null; // kept: ReplaceKeys disposes only what the space still holds
        InitialPacketKeys keys = InitialPacketKeys.Derive(InitialKeysConnectionId.Span, negotiated);
        initial.ReplaceKeys(keys.SealKeys(IsServer), keys.OpenKeys(IsServer));
        _version = negotiated;
        _localTransportParameters = ReencodeTransportParameters(negotiated);
        if (_serverTlsSettings is not null)
        {
            _tls?.Dispose();
            _tls = new TlsServerConnection(_serverTlsSettings.ToTlsOptions(_localTransportParameters));
        }
    }

    /// <summary>The connection ID Initial keys come from: the client's first DCID, or the Retry's SCID (RFC 9001 §5.2).</summary>
    private ConnectionId InitialKeysConnectionId => _retrySourceCid ?? _originalDcid;

    /// <summary>
    /// A long header packet whose version is not the connection's: the keys to try it with, or false to drop it.
    /// Server: Initials still in the client's Chosen Version. Client: the server's first Initial in another version
    /// it offered, before Handshake keys exist (RFC 9369 §4.1: "the first long header Version field that differs").
    /// </summary>
    private bool TryGetOtherVersionKeys(in PacketHeader header, out PacketProtectionKeys? keys)
    {
        keys = null;
        if (_spaces[0].Discarded)
        {
            // RFC 9369 §4.1: the Chosen Version's keys go once a Handshake packet arrived.
            _chosenVersionInitialOpenKeys?.Dispose();
            _chosenVersionInitialOpenKeys = null;
            return false;
        }

        if (header.Type != PacketType.Initial)
        {
            return false;
        }

        if (IsServer)
        {
            keys = header.Version == _chosenVersion ? _chosenVersionInitialOpenKeys : null;
            return keys is not null;
        }

        if (_version != _chosenVersion || _spaces[1].OpenKeys is not null || _spaces[1].Discarded
            || !header.Version.IsSupported || Array.IndexOf(_availableVersions, header.Version) < 0)
        {
            return false;
        }

        _candidateInitialKeys?.Dispose();
        _candidateInitialKeys = InitialPacketKeys.Derive(InitialKeysConnectionId.Span, header.Version);
        keys = _candidateInitialKeys.OpenKeys(IsServer);
        return true;
    }

    /// <summary>Client: the other version's Initial authenticated, the connection switches to it; else forgets it.</summary>
    private void AfterOtherVersionPacket(QuicVersion version, bool authenticated)
    {
        if (_candidateInitialKeys is not InitialPacketKeys candidate)
        {
            return;
        }

        _candidateInitialKeys = null;
        if (!authenticated)
        {
            candidate.Dispose();
            return;
        }

        _spaces[0].ReplaceKeys(candidate.SealKeys(IsServer), candidate.OpenKeys(IsServer));
        _version = version;
    }

    /// <summary>
    /// RFC 9368 §4 (and RFC 9369 §4: a v2 endpoint must validate): the peer's version_information. Returns the reason
    /// to close with VERSION_NEGOTIATION_ERROR, or null.
    /// </summary>
    private string? ValidatePeerVersionInformation(VersionInformation? vi)
    {
        if (IsServer)
        {
            return vi is not null && vi.ChosenVersion != _chosenVersion.Value ? "client's chosen version differs from its first packets" : null;
        }

        if (vi is null)
        {
            if (_reactedToVersionNegotiation && _version == QuicVersion.V1)
            {
                // RFC 9368 §8: a v1-only server: as if it sent Chosen 1, Available (1).
                vi = new VersionInformation(QuicVersion.V1.Value, [QuicVersion.V1.Value]);
            }
            else if (_reactedToVersionNegotiation || _version != _chosenVersion || _version == QuicVersion.V2)
            {
                return "server's version_information is missing";
            }
            else
            {
                return null;
            }
        }

        var chosen = new QuicVersion(vi.ChosenVersion);
        if (Array.IndexOf(_availableVersions, chosen) < 0)
        {
            return "server chose a version the client did not offer";
        }

        if (chosen != _version)
        {
            return "server's chosen version differs from the negotiated version";
        }

        if (_reactedToVersionNegotiation)
        {
            // The client must have picked the same version from a Version Negotiation packet listing the server's
            // Available Versions plus the Negotiated Version; an empty list fails.
            if (vi.AvailableVersions.Length == 0)
            {
                return "version downgrade: server lists no available versions";
            }

            QuicVersion? wouldPick = null;
            foreach (QuicVersion v in _versionPreference)
            {
                if (v.IsSupported && (v == _version || Array.IndexOf(vi.AvailableVersions, v.Value) >= 0))
                {
                    wouldPick = v;
                    break;
                }
            }

            if (wouldPick != _chosenVersion)
            {
                return "version downgrade detected";
            }
        }

        return null;
    }

    /// <summary>
    /// Client: Version Negotiation (RFC 9000 §6.2, RFC 9368 §2.1, §4): only before any other server packet, ignored
    /// when it lists the Original Version or after a first reaction; otherwise the client starts over in the best
    /// version the server lists, or abandons the attempt when there is none.
    /// </summary>
    private void HandleVersionNegotiation(in PacketHeader header, Instant now)
    {
        if (IsServer || _receivedFromServer || _retryReceived || _reactedToVersionNegotiation || State != ConnectionState.Open)
        {
            return;
        }

        VersionNegotiationOutcome outcome = VersionNegotiationPacket.Evaluate(header, _chosenVersion, _originalDcid.Span, InitialSourceConnectionId.Span);
        if (outcome != VersionNegotiationOutcome.Valid)
        {
            DroppedPackets++;
            return;
        }

        QuicVersion? next = null;
        foreach (QuicVersion v in _versionPreference)
        {
            if (v.IsSupported && v != _chosenVersion && VersionNegotiationPacket.Lists(header, v))
            {
                next = v;
                break;
            }
        }

        if (next is not QuicVersion version || _clientTls is null || _tls is null)
        {
            CloseInfo = new ConnectionCloseInfo(CloseReason.VersionNegotiation, false, 0, "no common QUIC version");
            _events.Enqueue(new ConnectionEvent(ConnectionEventKind.ConnectionClosed, Close: CloseInfo));
            TraceClosed(now);
            SetClosedSilently();
            return;
        }

        RestartInVersion(version, now);
    }

    /// <summary>
    /// Client: the new attempt after a Version Negotiation packet (RFC 9368 §2.1) — a new first flight in
    /// <paramref name="version"/> with its own Initial keys and a fresh ClientHello whose version_information names
    /// it. The two attempts share this object (RFC 9368 §2.4); the first attempt's packets are abandoned to loss
    /// detection and their CRYPTO ranges, if declared lost, are resent from the new stream (same offsets, new bytes).
    /// </summary>
    private void RestartInVersion(QuicVersion version, Instant now)
    {
        _reactedToVersionNegotiation = true;
        _chosenVersion = version;
        _version = version;
        _availableVersions = ClientAvailableVersions(version, _versionPreference);
        _localTransportParameters = ReencodeTransportParameters(version);

        // RFC 9369 §5: a token belongs to the version of the connection that issued it.
        _token = [];

        // A new Destination Connection ID: a server that did create state for the first attempt does not mix them.
        Span<byte> dcid = stackalloc byte[8];
        _random.Fill(dcid);
        _originalDcid = new ConnectionId(dcid);
        SetInitialPeerCid(_originalDcid);
        InstallInitialKeys(_originalDcid);
        _spaces[0].CryptoSend.Clear();
        _tls!.Dispose();
        var tls = new TlsClientConnection(_clientTls!.ToTlsOptions(_localTransportParameters));
        _tls = tls;
        tls.Start(WallClock(now));
        DrainTls(now);
    }

    private void DisposeVersionState()
    {
        _chosenVersionInitialOpenKeys?.Dispose();
        _chosenVersionInitialOpenKeys = null;
        _candidateInitialKeys?.Dispose();
        _candidateInitialKeys = null;
    }
}
