using System.Net;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Cryptography;

namespace SharpQuic.Core.Connection;

/// <summary>Receive: datagram → packets → keys → frames (RFC 9000 §12, §17; RFC 9001 §5).</summary>
internal sealed partial class QuicConnection
{
    private bool _receivedFromServer;
    private bool _retryReceived;

    /// <summary>Packets dropped for want of keys, failed authentication or duplicates (diagnostics).</summary>
    public long DroppedPackets { get; private set; }

    /// <summary>
    /// A datagram for this connection (routed by Destination Connection ID). <paramref name="datagram"/> is
    /// unprotected in place. Returns false when no packet in it could be authenticated.
    /// </summary>
    public bool HandleDatagram(Instant now, IPEndPoint remote, Span<byte> datagram, EcnCodepoint ecn)
        => HandleDatagram(now, remote, null, datagram, ecn);

    /// <summary>
    /// A datagram for this connection that arrived at <paramref name="local"/> (null when the driver does not know):
    /// the path it came in on matters for migration (RFC 9000 §9).
    /// </summary>
    public bool HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint? local, Span<byte> datagram, EcnCodepoint ecn)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (State is ConnectionState.Closed or ConnectionState.Draining)
        {
            return true;
        }

        if (!OnDatagramPath(remote, local, datagram.Length))
        {
            return false;
        }

        _bytesReceived += datagram.Length;
        if (IsServer && !_addressValidated)
        {
            _loss.SetAmplificationLimited(false, now);
        }

        bool any = false;
        var reader = new CoalescedPacketReader(datagram, _cidGenerator.Length);
        while (reader.MoveNext() && State != ConnectionState.Closed)
        {
            if (reader.Status == PacketParseStatus.UnsupportedVersion)
            {
                continue;
            }

            PacketHeader header = reader.Current;
            any |= HandlePacket(now, header, reader.CurrentPacket, ecn);
        }

        if (any && State == ConnectionState.Closing)
        {
            // §10.2.1: answer packets in the closing period with CONNECTION_CLOSE again, at a limited rate.
            OnDatagramWhileClosing();
        }

        return any;
    }

    private bool HandlePacket(Instant now, in PacketHeader header, Span<byte> packet, EcnCodepoint ecn)
    {
        switch (header.Type)
        {
            case PacketType.VersionNegotiation:
                HandleVersionNegotiation(header, now);
                return false;
            case PacketType.Retry:
                HandleRetry(header, packet, now);
                return false;
            case PacketType.ZeroRtt:
                return HandleZeroRttPacket(now, header, packet, ecn);
        }

        // RFC 9369 §4.1: another version only in Initials of a compatible version negotiation.
        PacketProtectionKeys? otherVersionKeys = null;
        if (header.IsLongHeader && header.Version != _version && !TryGetOtherVersionKeys(header, out otherVersionKeys))
        {
            DroppedPackets++;
            return false;
        }

        PacketNumberSpace space = header.Type switch
        {
            PacketType.Initial => PacketNumberSpace.Initial,
            PacketType.Handshake => PacketNumberSpace.Handshake,
            _ => PacketNumberSpace.ApplicationData,
        };
        PacketSpaceState s = _spaces[(int)space];
        if (s.OpenKeys is null || s.Discarded)
        {
            DroppedPackets++;
            return false;
        }

        PacketProtectionResult result = otherVersionKeys is null
            ? UnprotectPacket(s, packet, header.PacketNumberOffset, now, out ulong pn, out int payloadOffset, out int payloadLength)
            : PacketProtection.Unprotect(packet, header.PacketNumberOffset, s.ExpectedPacketNumber, otherVersionKeys, out pn, out payloadOffset, out payloadLength);
        if (otherVersionKeys is not null)
        {
            AfterOtherVersionPacket(header.Version, result == PacketProtectionResult.Success);
        }

        if (result == PacketProtectionResult.ReservedBitsSet)
        {
            CloseWithError((ulong)TransportErrorCode.ProtocolViolation, 0, "reserved bits set", now);
            return true;
        }

        if (result != PacketProtectionResult.Success)
        {
            DroppedPackets++;
            if (result == PacketProtectionResult.DecryptionFailed && State == ConnectionState.Open)
            {
                OnAuthenticationFailed(now); // RFC 9001 §6.6
            }

            // A key update violation (KEY_UPDATE_ERROR) or the integrity limit closed the connection.
            return State != ConnectionState.Open;
        }

        if (s.Tracker.IsDuplicate(pn))
        {
            DroppedPackets++;
            return true;
        }

        if (!IsServer && header.IsLongHeader && !_receivedFromServer)
        {
            // RFC 9000 §7.2: the client switches to the Source Connection ID of the server's first packet.
            _receivedFromServer = true;
            var scid = new ConnectionId(header.SourceConnectionId);
            SetInitialPeerCid(scid);
            _peerInitialScid = scid;
            _peerInitialScidKnown = true;
        }

        if (IsServer && space == PacketNumberSpace.Handshake)
        {
            // RFC 9000 §8.1: a Handshake packet proves the client's address; RFC 9001 §4.9.1 drops Initial keys.
            _addressValidated = true;
            _loss.SetAmplificationLimited(false, now);
            DiscardSpace(PacketNumberSpace.Initial, now);
        }

        ReadOnlySpan<byte> payload = packet.Slice(payloadOffset, payloadLength);
        _tracer?.PacketReceived(now, header.Type, pn, packet.Length, payload);
        bool ackEliciting = ProcessFrames(now, space, header.Type, payload, header.DestinationConnectionId);
        if (State == ConnectionState.Closed || s.Discarded)
        {
            return true;
        }

        if (space == PacketNumberSpace.ApplicationData)
        {
            OnApplicationPacketPath(now, pn); // RFC 9000 §9.3
        }

        s.Tracker.OnPacketReceived(pn, ackEliciting, ecn, now);
        _ackElicitingSentSinceReceive = false;
        if (State == ConnectionState.Open)
        {
            RestartIdleTimer(now);
        }

        return true;
    }

    private PacketProtectionResult UnprotectPacket(PacketSpaceState s, Span<byte> packet, int pnOffset, Instant now, out ulong pn, out int payloadOffset, out int payloadLength)
    {
        if (s.Space != PacketNumberSpace.ApplicationData)
        {
            return PacketProtection.Unprotect(packet, pnOffset, s.ExpectedPacketNumber, s.OpenKeys!, out pn, out payloadOffset, out payloadLength);
        }

        // RFC 9001 §6: header protection keys never change; the Key Phase bit picks the packet keys.
        payloadOffset = 0;
        payloadLength = 0;
        PacketProtectionResult r = PacketProtection.RemoveHeaderProtection(packet, pnOffset, s.ExpectedPacketNumber, s.OpenKeys!.HeaderProtection, out pn, out int pnLength);
        if (r != PacketProtectionResult.Success)
        {
            return r;
        }

        return DecryptApplicationPayload(s, packet, pnOffset, pnLength, pn, now, out payloadOffset, out payloadLength);
    }

    /// <summary>Frames of one packet; returns whether it was ack-eliciting. Errors close the connection (§12.4).</summary>
    private bool ProcessFrames(Instant now, PacketNumberSpace space, PacketType packetType, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> packetDcid)
    {
        bool ackEliciting = false;
        _packetNonProbing = false;
        var frames = new FrameReader(payload, packetType);
        TransportErrorCode error = TransportErrorCode.NoError;
        while (frames.TryReadNext(out FrameType type, out error))
        {
            ackEliciting |= FrameTypeRules.IsAckEliciting(type);
            _packetNonProbing |= !FrameTypeRules.IsProbing(type); // RFC 9000 §9.1
            switch (type)
            {
                case FrameType.Ack or FrameType.AckEcn:
                    error = frames.ReadAck(out AckFrame ack);
                    if (error == TransportErrorCode.NoError)
                    {
                        error = HandleAck(space, ack, now);
                    }

                    break;
                case FrameType.Crypto:
                    error = frames.ReadCrypto(out CryptoFrame crypto);
                    if (error == TransportErrorCode.NoError)
                    {
                        error = HandleCrypto(space, crypto.Offset, crypto.Data, now);
                    }

                    break;
                case FrameType.ConnectionClose or FrameType.ConnectionCloseApplication:
                    error = frames.ReadConnectionClose(out ConnectionCloseFrame close);
                    if (error == TransportErrorCode.NoError)
                    {
                        HandleConnectionClose(close, now);
                        return ackEliciting;
                    }

                    break;
                case FrameType.HandshakeDone:
                    error = frames.Skip();
                    if (error == TransportErrorCode.NoError)
                    {
                        // §19.20: only servers send it.
                        if (IsServer)
                        {
                            error = TransportErrorCode.ProtocolViolation;
                        }
                        else
                        {
                            ConfirmHandshake(now);
                        }
                    }

                    break;
                case FrameType.NewToken:
                    // §19.7: only servers send it; an empty token is FRAME_ENCODING_ERROR (checked by the parser).
                    if (IsServer)
                    {
                        error = TransportErrorCode.ProtocolViolation;
                        break;
                    }

                    error = frames.ReadNewToken(out NewTokenFrame newToken);
                    if (error == TransportErrorCode.NoError)
                    {
                        ReceivedToken = newToken.Token.ToArray();
                        _events.Enqueue(new ConnectionEvent(ConnectionEventKind.NewTokenReceived));
                    }

                    break;
                case FrameType.NewConnectionId:
                    error = frames.ReadNewConnectionId(out NewConnectionIdFrame ncid);
                    if (error == TransportErrorCode.NoError)
                    {
                        error = HandleNewConnectionId(ncid);
                    }

                    break;
                case FrameType.RetireConnectionId:
                    error = frames.ReadRetireConnectionId(out RetireConnectionIdFrame retire);
                    if (error == TransportErrorCode.NoError)
                    {
                        error = HandleRetireConnectionId(retire, packetDcid);
                    }

                    break;
                case FrameType.PathChallenge:
                    error = frames.ReadPathChallenge(out PathChallengeFrame challenge);
                    if (error == TransportErrorCode.NoError)
                    {
                        OnPathChallenge(challenge.Data); // RFC 9000 §8.2.2
                    }

                    break;
                case FrameType.PathResponse:
                    error = frames.ReadPathResponse(out PathResponseFrame response);
                    if (error == TransportErrorCode.NoError)
                    {
                        OnPathResponse(response.Data, now); // RFC 9000 §8.2.3
                    }

                    break;
                case FrameType.Datagram or FrameType.DatagramLen:
                    error = HandleDatagramFrame(ref frames);
                    break;
                default:
                    if (!_streams.TryHandleFrame(ref frames, type, now, out error))
                    {
                        error = frames.Skip();
                    }

                    break;
            }

            if (error != TransportErrorCode.NoError || State != ConnectionState.Open)
            {
                break;
            }
        }

        if (error != TransportErrorCode.NoError)
        {
            CloseWithError((ulong)error, frames.RawFrameType, "frame error", now);
        }

        return ackEliciting;
    }

    private TransportErrorCode HandleAck(PacketNumberSpace space, in AckFrame ack, Instant now)
    {
        // RFC 9000 §19.3: ACK Delay × 2^ack_delay_exponent microseconds; capped so that hostile values cannot overflow.
        ulong micros = ack.AckDelay > (ulong.MaxValue >> 21) ? ulong.MaxValue >> 21 : ack.AckDelay << _peerAckDelayExponent;
        TimeSpan delay = TimeSpan.FromMicroseconds(Math.Min(micros, (ulong)TimeSpan.FromDays(1).TotalMicroseconds));
        AckResult result = _loss.OnAckReceived(space, ack, delay, now, this);
        if (result.AcknowledgesUnsentPacket)
        {
            return TransportErrorCode.ProtocolViolation;
        }

        if (space == PacketNumberSpace.ApplicationData && OnApplicationAckForKeys(ack.LargestAcknowledged, now) is var keyError and not TransportErrorCode.NoError)
        {
            return keyError; // RFC 9001 §6.2
        }

        _tracer?.RecoveryUpdated(now, TraceRecovery());
        if (result.RttUpdated)
        {
            _streams.SmoothedRtt = _loss.Rtt.SmoothedRtt;
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>Client: a Retry (RFC 9000 §17.2.5.2): at most one, before any other server packet, with a valid tag.</summary>
    private void HandleRetry(in PacketHeader header, ReadOnlySpan<byte> packet, Instant now)
    {
        // RFC 9369 §4.1: a Retry uses the original version; others are ignored.
        if (IsServer || _retryReceived || _receivedFromServer || State != ConnectionState.Open || header.Version != _version)
        {
            return;
        }

        if (!RetryPacket.IsIntegrityTagValid(packet, header.Version, _originalDcid.Span) || header.Token.IsEmpty)
        {
            DroppedPackets++;
            return;
        }

        _retryReceived = true;
        var retryScid = new ConnectionId(header.SourceConnectionId);
        _retrySourceCid = retryScid;
        _token = header.Token.ToArray();
        SetInitialPeerCid(retryScid);

        // RFC 9001 §5.2: new Initial keys from the Retry's Source Connection ID; the ClientHello goes again.
        InstallInitialKeys(retryScid);
        _spaces[0].CryptoSend.ResendAll();
        _ = now;
    }
}
