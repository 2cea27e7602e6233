using System.Security.Cryptography;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;
using SharpQuic.Cryptography;
using SharpQuic.Tls.Handshake;
using SharpQuic.Tls.Tickets;

namespace SharpQuic.Core.Connection;

/// <summary>
/// Session resumption and 0-RTT (RFC 9001 §4.6, RFC 9000 §7.4.1, §17.2.3). Client: tickets become
/// <see cref="ResumptionTicket"/> with the server's remembered transport parameters; a resumed connection with early
/// data sends stream frames in 0-RTT packets under the remembered limits, and resends them in 1-RTT when the server
/// refuses. Server: 0-RTT packets are opened with the early keys TLS gives when it accepts, a few that arrive before
/// those keys are kept, and the keys go once the handshake completes.
/// </summary>
internal sealed partial class QuicConnection
{
    /// <summary>0-RTT packets a server keeps while its TLS options are still being chosen (RFC 9001 §4.6.1).</summary>
    private const int MaxBufferedEarlyPackets = 8;

    private PacketProtectionKeys? _zeroRttKeys;
    private RememberedParameters? _remembered;
    private PeerStreamLimits? _deferredPeerLimits;
    private bool _earlyDataOffered;
    private bool? _earlyDataAccepted;
    private bool _resumed;
    private bool _ticketReceived;
    private bool _zeroRttDecided;
    private byte[]? _resumptionTicket;
    private SessionTicket? _latestTicket;
    private List<byte[]>? _earlyPackets;

    /// <summary>
    /// Client: the latest session ticket the server sent, serialized (<see cref="SessionTicket.Serialize"/>: the TLS
    /// ticket and PSK, suite, ALPN, server name and the transport parameters RFC 9000 §7.4.1 remembers); null until
    /// one arrived. Pass it back through <see cref="ClientTlsSettings.ResumptionTicket"/> to resume.
    /// </summary>
    public byte[]? ResumptionTicket => _resumptionTicket;

    /// <summary>Client: the latest ticket as an object.</summary>
    internal SessionTicket? LatestTicket => _latestTicket;

    /// <summary>True when the handshake resumed a session from a ticket (no certificates were exchanged).</summary>
    public bool IsResumed => _tls?.IsResumed ?? _resumed;

    /// <summary>Null when no 0-RTT was attempted (or offered, on the server); else whether the server accepted it.</summary>
    public bool? EarlyDataAccepted => _earlyDataAccepted;

    /// <summary>Client: 0-RTT keys are ready and 1-RTT ones are not yet: stream data now leaves in 0-RTT packets.</summary>
    public bool CanSendEarlyData => !IsServer && _zeroRttKeys is not null && State == ConnectionState.Open;

    /// <summary>0-RTT packets opened (server) or sent (client).</summary>
    public long ZeroRttPackets { get; private set; }

    /// <summary>Parses a serialized ticket from <see cref="ResumptionTicket"/> (a file: hostile); null when invalid.</summary>
    public static SessionTicket? ParseTicket(ReadOnlySpan<byte> serialized)
        => SessionTicket.TryDeserialize(serialized, out SessionTicket? t) && RememberedParameters.TryDecode(t!.TransportParameters, out _) ? t : null;

    /// <summary>What a serialized ticket says (for tools and tests); null when it does not parse.</summary>
    public static ResumptionTicketInfo? DescribeTicket(ReadOnlySpan<byte> serialized)
    {
        if (ParseTicket(serialized) is not SessionTicket t || !RememberedParameters.TryDecode(t.TransportParameters, out RememberedParameters p))
        {
            return null;
        }

        return new ResumptionTicketInfo(t.ServerName, System.Text.Encoding.ASCII.GetString(t.ApplicationProtocol), t.AllowsEarlyData,
            t.ReceivedAt + TimeSpan.FromSeconds(t.LifetimeSeconds), p);
    }

    /// <summary>The server's TLS early-data context: the remembered subset of its own transport parameters (empty when
    /// they do not parse, which turns 0-RTT off).</summary>
    internal static byte[] EarlyDataContext(byte[] transportParameters)
    {
        TransportErrorCode error = TransportParameters.TryParse(transportParameters, sentByServer: true, out TransportParameters? p, out _);
        return error == TransportErrorCode.NoError && p is not null ? RememberedParameters.From(p).Encode() : [];
    }

    /// <summary>Client, at creation: a ticket with usable remembered parameters and early data allowed means 0-RTT.</summary>
    private void PrepareEarlyData(ClientTlsSettings tls)
    {
        if (tls.EnableEarlyData && tls.ParsedTicket is { AllowsEarlyData: true } ticket
            && RememberedParameters.TryDecode(ticket.TransportParameters, out RememberedParameters remembered))
        {
            _remembered = remembered;
        }
    }

    /// <summary>
    /// The TLS events of resumption and 0-RTT keys. Returns true when <paramref name="ev"/> was one of them. Installing
    /// 1-RTT write keys ends 0-RTT on the client (RFC 9001 §4.6.1: no 0-RTT once 1-RTT keys are installed).
    /// </summary>
    private bool TryHandleResumptionEvent(TlsEvent ev, Instant now)
    {
        switch (ev)
        {
            case SecretAvailableEvent { Level: EncryptionLevel.EarlyData } secret:
                InstallZeroRttSecret(secret);
                return true;
            case SecretAvailableEvent { Level: EncryptionLevel.Handshake }:
                // Server: TLS has decided on 0-RTT (the early secret comes before the Handshake ones, or never).
                _zeroRttDecided = true;
                if (IsServer && _zeroRttKeys is null)
                {
                    _earlyPackets = null;
                }

                return false;
            case SecretAvailableEvent { Level: EncryptionLevel.Application, Direction: TrafficDirection.Write } when !IsServer:
                EndClientZeroRtt();
                return false;
            case NewSessionTicketReceivedEvent ticket:
                OnTicketReceived(ticket.Ticket);
                return true;
            case EarlyDataRejectedEvent:
                OnEarlyDataRejected(now);
                return true;
            default:
                return false;
        }
    }

    private void InstallZeroRttSecret(SecretAvailableEvent ev)
    {
        bool wanted = IsServer ? ev.Direction == TrafficDirection.Read : ev.Direction == TrafficDirection.Write && _remembered is not null;
        if (!wanted || _handshakeComplete)
        {
            CryptographicOperations.ZeroMemory(ev.Secret);
            return;
        }

        _zeroRttKeys?.Dispose();
        _zeroRttKeys = PacketProtectionKeys.FromSecret(ev.Suite, ev.Secret, _version.KeyLabels);
        CryptographicOperations.ZeroMemory(ev.Secret);
        if (!IsServer)
        {
            // RFC 9000 §7.4.1: until the handshake completes, 0-RTT data obeys the remembered limits only.
            _earlyDataOffered = true;
            _streams.SetPeerLimits(_remembered!.Value.StreamLimits);
        }
    }

    /// <summary>
    /// Client: 1-RTT keys are installed; 0-RTT ends and the server's new limits apply (RFC 9000 §7.4.1). After a
    /// rejection they replace the remembered ones even where lower (RFC 9001 §4.6.2), and the 0-RTT data becomes new
    /// data under them; after an acceptance they can only be higher (a reduction closed the connection already).
    /// </summary>
    private void EndClientZeroRtt()
    {
        _zeroRttKeys?.Dispose();
        _zeroRttKeys = null;
        if (_deferredPeerLimits is PeerStreamLimits limits)
        {
            _deferredPeerLimits = null;
            if (_earlyDataAccepted == false)
            {
                _streams.ReplacePeerLimitsAfterRejectedEarlyData(limits);
            }
            else
            {
                _streams.SetPeerLimits(limits);
            }
        }
    }

    /// <summary>
    /// The peer's stream limits from its transport parameters. A client that sent 0-RTT keeps the remembered limits
    /// until its 1-RTT keys (RFC 9000 §7.4.1); if the server accepted 0-RTT yet lowered a remembered value, that is a
    /// PROTOCOL_VIOLATION (RFC 9000 §7.4.1 forbids it; the client may treat it as an error).
    /// </summary>
    private void ApplyPeerStreamLimits(TransportParameters p, Instant now)
    {
        if (IsServer || !_earlyDataOffered)
        {
            _streams.SetPeerLimits(PeerStreamLimits.From(p));
            return;
        }

        if (_tls is { EarlyDataAccepted: true } && _remembered!.Value.FirstReducedIn(RememberedParameters.From(p)) is string reduced)
        {
            CloseWithError((ulong)TransportErrorCode.ProtocolViolation, (ulong)Wire.Frames.FrameType.Crypto, "0-RTT accepted but " + reduced + " was reduced", now);
            return;
        }

        _deferredPeerLimits = PeerStreamLimits.From(p);
    }

    /// <summary>
    /// Client: RFC 9001 §4.6.2 — every 0-RTT packet counts as lost; the stream layer sends the same ranges again in
    /// 1-RTT (stream IDs and offsets do not change). The rejection is not a congestion signal (RFC 9002 §6.4).
    /// </summary>
    private void OnEarlyDataRejected(Instant now)
    {
        _earlyDataAccepted = false;
        _zeroRttKeys?.Dispose();
        _zeroRttKeys = null;
        if (_earlyDataOffered)
        {
            _loss.OnZeroRttRejected(now, this);
            _events.Enqueue(new ConnectionEvent(ConnectionEventKind.EarlyDataRejected));
        }
    }

    /// <summary>Client: a NewSessionTicket becomes a stored ticket carrying the §7.4.1 subset of the server's parameters.</summary>
    private void OnTicketReceived(SessionTicket ticket)
    {
        if (_peerParameters is null)
        {
            return;
        }

        _latestTicket = new SessionTicket
        {
            Ticket = ticket.Ticket,
            Psk = ticket.Psk,
            Suite = ticket.Suite,
            ApplicationProtocol = ticket.ApplicationProtocol,
            ServerName = ticket.ServerName,
            LifetimeSeconds = ticket.LifetimeSeconds,
            AgeAdd = ticket.AgeAdd,
            MaxEarlyDataSize = ticket.MaxEarlyDataSize,
            TransportParameters = RememberedParameters.From(_peerParameters).Encode(),
            ReceivedAt = ticket.ReceivedAt,
        };
        _resumptionTicket = _latestTicket.Serialize();
        _ticketReceived = true;
        _events.Enqueue(new ConnectionEvent(ConnectionEventKind.ResumptionTicketReceived));
    }

    /// <summary>Client: the TLS engine stays until the first ticket when the application wants tickets.</summary>
    private bool KeepsTlsForTickets => _clientTls is { ReceiveTickets: true } && !_ticketReceived;

    /// <summary>At handshake completion: the resumption facts are kept, and a server's 0-RTT keys go (RFC 9001 §4.9.3).</summary>
    private void OnResumptionHandshakeCompleted()
    {
        if (_tls is null)
        {
            return;
        }

        _resumed = _tls.IsResumed;
        if (IsServer)
        {
            _earlyDataAccepted = _zeroRttKeys is not null ? true : null;
            _zeroRttKeys?.Dispose();
            _zeroRttKeys = null;
            _earlyPackets = null;
        }
        else if (_earlyDataOffered)
        {
            _earlyDataAccepted = _tls.EarlyDataAccepted;
        }
    }

    /// <summary>Server: a 0-RTT packet (RFC 9000 §17.2.3) in the ApplicationData space, opened with the early keys.</summary>
    private bool HandleZeroRttPacket(Instant now, in PacketHeader header, Span<byte> packet, EcnCodepoint ecn)
    {
        if (!IsServer || header.Version != _version || _handshakeComplete)
        {
            DroppedPackets++;
            return false;
        }

        PacketSpaceState s = _spaces[(int)PacketNumberSpace.ApplicationData];
        if (_zeroRttKeys is null)
        {
            // Keys may still come (the server's options are being chosen after the ClientHello): keep a few copies.
            if (!_zeroRttDecided && (_earlyPackets ??= []).Count < MaxBufferedEarlyPackets)
            {
                _earlyPackets.Add(packet.ToArray());
            }

            DroppedPackets++;
            return false;
        }

        PacketProtectionResult result = PacketProtection.Unprotect(packet, header.PacketNumberOffset, s.ExpectedPacketNumber, _zeroRttKeys, out ulong pn, out int payloadOffset, out int payloadLength);
        if (result == PacketProtectionResult.ReservedBitsSet)
        {
            CloseWithError((ulong)TransportErrorCode.ProtocolViolation, 0, "reserved bits set", now);
            return true;
        }

        if (result != PacketProtectionResult.Success || s.Tracker.IsDuplicate(pn))
        {
            DroppedPackets++;
            return result == PacketProtectionResult.Success;
        }

        ZeroRttPackets++;
        ReadOnlySpan<byte> payload = packet.Slice(payloadOffset, payloadLength);
        _tracer?.PacketReceived(now, PacketType.ZeroRtt, pn, packet.Length, payload);
        bool ackEliciting = ProcessFrames(now, PacketNumberSpace.ApplicationData, PacketType.ZeroRtt, payload, header.DestinationConnectionId);
        if (State == ConnectionState.Closed)
        {
            return true;
        }

        // RFC 9000 §12.3: 0-RTT and 1-RTT share a packet number space; the ACK goes in a 1-RTT packet.
        s.Tracker.OnPacketReceived(pn, ackEliciting, ecn, now);
        if (State == ConnectionState.Open)
        {
            RestartIdleTimer(now);
        }

        return true;
    }

    /// <summary>Server: after the options were set, the 0-RTT packets kept meanwhile are opened (or dropped).</summary>
    private void ReplayEarlyPackets(Instant now)
    {
        List<byte[]>? packets = _earlyPackets;
        _earlyPackets = null;
        if (packets is null || _zeroRttKeys is null)
        {
            return;
        }

        foreach (byte[] bytes in packets)
        {
            if (State != ConnectionState.Open)
            {
                return;
            }

            if (PacketHeader.TryParse(bytes, _cidGenerator.Length, out PacketHeader header) == PacketParseStatus.Success && header.Type == PacketType.ZeroRtt)
            {
                DroppedPackets--;
                HandleZeroRttPacket(now, header, bytes.AsSpan(0, header.PacketLength), EcnCodepoint.NotEct);
            }
        }
    }

    private void DisposeZeroRtt()
    {
        _zeroRttKeys?.Dispose();
        _zeroRttKeys = null;
    }
}

/// <summary>The readable facts of a stored resumption ticket.</summary>
internal sealed record ResumptionTicketInfo(string? ServerName, string ApplicationProtocol, bool AllowsEarlyData, DateTimeOffset ExpiresAt, RememberedParameters Parameters);
