using System.Security.Cryptography;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;
using SharpQuic.Cryptography;
using SharpQuic.Tls;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Handshake;

namespace SharpQuic.Core.Connection;

/// <summary>Handshake: keys per level, the TLS event pump, transport parameters, confirmation and key discard.</summary>
internal sealed partial class QuicConnection
{
    private CipherSuite _applicationSuite;
    private byte[]? _applicationReadSecret;
    private byte[]? _applicationWriteSecret;
    private CertificateChain? _pendingPeerChain;
    private NamedGroup? _negotiatedGroup;
    private System.Net.Security.SslApplicationProtocol _negotiatedAlpn;
    private ClientTlsSettings? _clientTls;
    private byte[]? _peerCertificateDer;
    private System.Security.Cryptography.X509Certificates.X509Certificate2? _peerCertificate;

    /// <summary>1-RTT CRYPTO bytes received in order (post-handshake messages; tests).</summary>
    internal ulong ApplicationCryptoReceived => _spaces[2].CryptoReceive.DeliveredOffset;

    /// <summary>The key exchange group of the handshake.</summary>
    public NamedGroup? NegotiatedGroup => _tls is null ? _negotiatedGroup : _tls.NegotiatedGroup;

    /// <summary>The negotiated cipher suite.</summary>
    public CipherSuite? NegotiatedCipherSuite => _tls is null ? _applicationSuite : _tls.NegotiatedCipherSuite;

    /// <summary>The ALPN protocol agreed on (RFC 9001 §8.1).</summary>
    public System.Net.Security.SslApplicationProtocol NegotiatedApplicationProtocol => _tls is null ? _negotiatedAlpn : _tls.NegotiatedApplicationProtocol;

    /// <summary>The peer's certificate, if it sent one.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? PeerCertificate
    {
        get
        {
            if (_tls is not null)
            {
                return _tls.PeerCertificate;
            }

            // The client released its TLS engine: the certificate is rebuilt from its bytes once, on demand.
            if (_peerCertificate is null && _peerCertificateDer is not null)
            {
                _peerCertificate = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(_peerCertificateDer);
            }

            return _peerCertificate;
        }
    }

    /// <summary>
    /// Server pause point: the options chosen after <see cref="ConnectionEventKind.ClientHelloReceived"/> (SNI, ALPN).
    /// Our transport parameters are added to them.
    /// </summary>
    public void SetServerOptions(ServerTlsSettings options, Instant now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (_tls is not TlsServerConnection server)
        {
            throw new InvalidOperationException("Only a server chooses server options.");
        }

        if (State != ConnectionState.Open)
        {
            return;
        }

        TlsAlert? alert = server.SetServerOptions(options.ToTlsOptions(_localTransportParameters), WallClock(now));
        AfterTls(alert, now);
        ReplayEarlyPackets(now);
    }

    /// <summary>
    /// Pause point: runs the configured certificate validation now (it may block on chain building, so a runtime
    /// calls it off the connection's thread and hands the result back with the other overload).
    /// </summary>
    public void ValidatePeerCertificate(Instant now)
    {
        if (_pendingPeerChain is null || _clientTls is null)
        {
            throw new InvalidOperationException("No certificate validation is pending.");
        }

        using CertificateValidationResult result = new CertificateValidator(_clientTls.ValidationOptions).Validate(_pendingPeerChain, this);
        CompleteCertificateValidation(result, now);
    }

    /// <summary>Pause point: the application's own verdict on the peer's certificate.</summary>
    public void CompleteCertificateValidation(bool accepted, Instant now)
    {
        using var result = new CertificateValidationResult(
            _pendingPeerChain?.Leaf, accepted ? CertificateValidationOutcome.Accepted : CertificateValidationOutcome.Rejected,
            accepted ? System.Net.Security.SslPolicyErrors.None : System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors,
            default, accepted ? default : TlsAlert.BadCertificate, null, null);
        CompleteCertificateValidation(result, now);
    }

    /// <summary>Pause point: the verdict on the peer's certificate, computed off the connection's thread.</summary>
    internal void CompleteCertificateValidation(CertificateValidationResult result, Instant now)
    {
        ArgumentNullException.ThrowIfNull(result);
        _pendingPeerChain = null;
        if (State != ConnectionState.Open)
        {
            return;
        }

        if (_tls is null)
        {
            throw new InvalidOperationException("No certificate validation is pending.");
        }

        TlsAlert? alert = _tls.CompleteCertificateValidation(result, WallClock(now));
        AfterTls(alert, now);
    }

    private static byte[] EncodeTransportParameters(ConnectionOptions options, bool isServer, ConnectionId scid, ConnectionId originalDcid, ConnectionId? retryScid, StatelessResetTokens? resetTokens, VersionInformation versionInformation, PreferredAddress? preferredAddress = null)
    {
        StreamManagerOptions s = options.Streams;
        var p = new TransportParameters
        {
            MaxIdleTimeout = (ulong)options.IdleTimeout.TotalMilliseconds,
            MaxUdpPayloadSize = (ulong)options.MaxReceiveUdpPayloadSize,
            InitialMaxData = s.MaxData,
            InitialMaxStreamDataBidiLocal = s.MaxStreamDataBidiLocal,
            InitialMaxStreamDataBidiRemote = s.MaxStreamDataBidiRemote,
            InitialMaxStreamDataUni = s.MaxStreamDataUni,
            InitialMaxStreamsBidi = s.MaxStreamsBidi,
            InitialMaxStreamsUni = s.MaxStreamsUni,
            AckDelayExponent = (ulong)options.AckDelayExponent,
            MaxAckDelay = (ulong)options.MaxAckDelay.TotalMilliseconds,
            ActiveConnectionIdLimit = (ulong)Math.Max(2, options.ActiveConnectionIdLimit),
            InitialSourceConnectionId = scid.Span.ToArray(),
            MaxDatagramFrameSize = (ulong)Math.Max(0, options.MaxDatagramFrameSize),
            ResetStreamAt = true, // draft-ietf-quic-reliable-stream-reset §3: we accept RESET_STREAM_AT
            VersionInformation = versionInformation, // RFC 9368 §3, RFC 9369 §4: both sides send it
        };
        if (isServer)
        {
            // RFC 9000 §7.3: the server echoes the client's first DCID, and the Retry SCID after a Retry.
            p.OriginalDestinationConnectionId = originalDcid.Span.ToArray();
            if (retryScid is ConnectionId r)
            {
                p.RetrySourceConnectionId = r.Span.ToArray();
            }

            // RFC 9000 §18.2: the token of the connection ID used during the handshake (sequence 0).
            var token = new byte[StatelessResetTokens.TokenLength];
            resetTokens!.Compute(scid.Span, token);
            p.StatelessResetToken = token;
            p.PreferredAddress = preferredAddress; // RFC 9000 §18.2, §9.6
        }

        var buffer = new byte[p.EncodedLength];
        if (!p.TryWrite(buffer, out int written))
        {
            throw new InvalidOperationException("Transport parameters did not fit.");
        }

        return buffer.AsSpan(0, written).ToArray();
    }

    /// <summary>Initial keys from the client's first Destination Connection ID (RFC 9001 §5.2).</summary>
    private void InstallInitialKeys(ConnectionId dcid)
    {
        InitialPacketKeys keys = InitialPacketKeys.Derive(dcid.Span, _version);
        _spaces[0].ReplaceKeys(keys.SealKeys(IsServer), keys.OpenKeys(IsServer));
    }

    /// <summary>Hands the in-order CRYPTO bytes of a level to TLS (RFC 9001 §4.1.3).</summary>
    private TransportErrorCode HandleCrypto(PacketNumberSpace space, ulong offset, ReadOnlySpan<byte> data, Instant now)
    {
        PacketSpaceState s = _spaces[(int)space];
        if (!s.CryptoReceive.TryInsert(offset, data, out TransportErrorCode error))
        {
            return error;
        }

        EncryptionLevel level = space switch
        {
            PacketNumberSpace.Initial => EncryptionLevel.Initial,
            PacketNumberSpace.Handshake => EncryptionLevel.Handshake,
            _ => EncryptionLevel.Application,
        };
        if (IsServer && level == EncryptionLevel.Initial && !_versionDecided)
        {
            // RFC 9368 §2.3: the Negotiated Version is chosen before TLS answers the ClientHello.
            error = DecideServerVersion(s.CryptoReceive.Readable, out bool ready);
            if (error != TransportErrorCode.NoError || !ready)
            {
                return error;
            }
        }

        while (State == ConnectionState.Open)
        {
            ReadOnlySpan<byte> ready = s.CryptoReceive.Readable;
            if (ready.IsEmpty)
            {
                break;
            }

            int count = ready.Length;
            if (_tls is null)
            {
                // The server let its TLS engine go after confirmation: nothing may follow the client's Finished
                // (RFC 9001 §6: no KeyUpdate; no post-handshake client messages in QUIC) — unexpected_message.
                // The client let it go too: only NewSessionTickets may come, checked and skipped here.
                return IsServer || level != EncryptionLevel.Application
                    ? (TransportErrorCode)TlsAlert.UnexpectedMessage.ToQuicErrorCode()
                    : SkipPostHandshakeMessages(s.CryptoReceive);
            }

            TlsAlert? alert = _tls.HandleHandshakeData(level, ready, WallClock(now));
            s.CryptoReceive.Advance(count);
            AfterTls(alert, now);
        }

        return TransportErrorCode.NoError;
    }

    private void AfterTls(TlsAlert? alert, Instant now)
    {
        DrainTls(now);
        if (alert is TlsAlert a && State == ConnectionState.Open)
        {
            // RFC 9001 §4.8: a TLS alert becomes CRYPTO_ERROR 0x100 + alert; some failures are QUIC's own.
            ulong code = _tls is { IsProtocolViolation: true } ? (ulong)TransportErrorCode.ProtocolViolation : a.ToQuicErrorCode();
            CloseWithError(code, (ulong)Wire.Frames.FrameType.Crypto, "TLS handshake failed", now);
        }
    }

    /// <summary>Processes every pending TLS event.</summary>
    private void DrainTls(Instant now)
    {
        while (_tls is not null && _tls.TryPollEvent(out TlsEvent ev))
        {
            if (TryHandleResumptionEvent(ev, now))
            {
                if (State != ConnectionState.Open)
                {
                    return;
                }

                continue;
            }

            switch (ev)
            {
                case HandshakeDataEvent data:
                    SpaceOf(data.Level)?.CryptoSend.Append(data.Data);
                    break;
                case SecretAvailableEvent secret:
                    InstallSecret(secret, now);
                    break;
                case PeerTransportParametersEvent tp:
                    ApplyPeerTransportParameters(tp.Parameters, now);
                    break;
                case ClientHelloReceivedEvent:
                    _events.Enqueue(new ConnectionEvent(ConnectionEventKind.ClientHelloReceived));
                    break;
                case PeerCertificateReceivedEvent cert:
                    _pendingPeerChain = cert.Chain;
                    _events.Enqueue(new ConnectionEvent(ConnectionEventKind.PeerCertificateReceived, PeerCertificate: cert.Chain.Leaf));
                    break;
                case HandshakeCompletedEvent:
                    OnHandshakeCompleted(now);
                    break;
            }

            if (State != ConnectionState.Open)
            {
                return;
            }
        }

        ReleaseServerTlsWhenDone();
        ReleaseClientTlsWhenDone();
    }

    /// <summary>
    /// Per-connection memory: once a server has confirmed the handshake and sent everything TLS gave it (tickets
    /// included), the engine has nothing left to do unless it holds a client certificate the application may read.
    /// </summary>
    private void ReleaseServerTlsWhenDone()
    {
        if (!IsServer || !_handshakeConfirmed || _tls is null || _tls.PeerCertificate is not null || _tls.Alert is not null)
        {
            return;
        }

        _negotiatedGroup = _tls.NegotiatedGroup;
        _negotiatedAlpn = _tls.NegotiatedApplicationProtocol;
        _tls.Dispose();
        _tls = null;
    }

    /// <summary>
    /// Per-connection memory: after the handshake a client's TLS engine would only turn NewSessionTickets into
    /// resumption tickets, and this connection offers no resumption (it ignores them), so the engine — transcript,
    /// key shares, framers, certificate chain — goes once the handshake is confirmed. The peer certificate is kept as
    /// its DER bytes for <see cref="PeerCertificate"/>.
    /// </summary>
    private void ReleaseClientTlsWhenDone()
    {
        if (IsServer || !_handshakeConfirmed || _tls is null || !_tls.IsHandshakeComplete || _tls.Alert is not null
            || _pendingPeerChain is not null || _tls.IsWaitingForCertificateValidation || KeepsTlsForTickets)
        {
            return;
        }

        _negotiatedGroup = _tls.NegotiatedGroup;
        _negotiatedAlpn = _tls.NegotiatedApplicationProtocol;
        _peerCertificateDer = _tls.PeerCertificate?.RawData;
        _tls.Dispose();
        _tls = null;
    }

    /// <summary>
    /// Client without its TLS engine: the complete post-handshake messages in <paramref name="stream"/> must be
    /// well-formed NewSessionTickets (RFC 8446bis §4.6.1), skipped; anything else — a KeyUpdate included (RFC 9001
    /// §6) — is unexpected_message. A partial message waits in the bounded receive buffer.
    /// </summary>
    private static TransportErrorCode SkipPostHandshakeMessages(CryptoReceiveStream stream)
    {
        const byte NewSessionTicket = 4;
        while (true)
        {
            ReadOnlySpan<byte> ready = stream.Readable;
            if (ready.Length < 4)
            {
                return TransportErrorCode.NoError;
            }

            if (ready[0] != NewSessionTicket)
            {
                return (TransportErrorCode)TlsAlert.UnexpectedMessage.ToQuicErrorCode();
            }

            int length = (ready[1] << 16) | (ready[2] << 8) | ready[3];
            if (ready.Length < 4 + length)
            {
                return TransportErrorCode.NoError;
            }

            if (!IsWellFormedTicket(ready.Slice(4, length)))
            {
                return (TransportErrorCode)TlsAlert.DecodeError.ToQuicErrorCode();
            }

            stream.Advance(4 + length);
        }
    }

    /// <summary>lifetime (4) ‖ age_add (4) ‖ nonce&lt;0..255&gt; ‖ ticket&lt;1..2^16-1&gt; ‖ extensions&lt;0..2^16-2&gt;, exactly.</summary>
    private static bool IsWellFormedTicket(ReadOnlySpan<byte> body)
    {
        if (body.Length < 9)
        {
            return false;
        }

        int at = 9 + body[8];
        if (body.Length < at + 2)
        {
            return false;
        }

        int ticketLength = (body[at] << 8) | body[at + 1];
        at += 2 + ticketLength;
        if (ticketLength == 0 || body.Length < at + 2)
        {
            return false;
        }

        int extensionsLength = (body[at] << 8) | body[at + 1];
        return body.Length == at + 2 + extensionsLength;
    }

    private PacketSpaceState? SpaceOf(EncryptionLevel level) => level switch
    {
        EncryptionLevel.Initial => _spaces[0],
        EncryptionLevel.Handshake => _spaces[1],
        EncryptionLevel.Application => _spaces[2],
        _ => null,
    };

    private void InstallSecret(SecretAvailableEvent ev, Instant now)
    {
        PacketSpaceState? space = SpaceOf(ev.Level);
        if (space is null || space.Discarded)
        {
            CryptographicOperations.ZeroMemory(ev.Secret);
            return;
        }

        PacketProtectionKeys keys = PacketProtectionKeys.FromSecret(ev.Suite, ev.Secret, _version.KeyLabels);
        if (ev.Direction == TrafficDirection.Write)
        {
            space.SealKeys = keys;
        }
        else
        {
            space.OpenKeys = keys;
        }

        if (ev.Level == EncryptionLevel.Application)
        {
            // Kept for key updates (RFC 9001 §6).
            _applicationSuite = ev.Suite;
            if (ev.Direction == TrafficDirection.Write)
            {
                _applicationWriteSecret = ev.Secret;
            }
            else
            {
                _applicationReadSecret = ev.Secret;
            }
        }
        else
        {
            CryptographicOperations.ZeroMemory(ev.Secret);
        }

        if (ev.Level == EncryptionLevel.Handshake && !IsServer)
        {
            _loss.OnHandshakeKeysAvailable(now);
        }
    }

    /// <summary>RFC 9000 §7.3, §7.4, §18.2: parse, authenticate the connection IDs, apply the limits.</summary>
    private void ApplyPeerTransportParameters(byte[] bytes, Instant now)
    {
        TransportErrorCode error = TransportParameters.TryParse(bytes, sentByServer: !IsServer, out TransportParameters? p, out string? reason);
        if (error != TransportErrorCode.NoError || p is null)
        {
            CloseWithError((ulong)error, (ulong)Wire.Frames.FrameType.Crypto, reason ?? "bad transport parameters", now);
            return;
        }

        // §7.3: initial_source_connection_id must match the Source Connection ID of the peer's first packet.
        if (p.InitialSourceConnectionId is null || !_peerInitialScidKnown || !p.InitialSourceConnectionId.AsSpan().SequenceEqual(_peerInitialScid.Span))
        {
            CloseWithError((ulong)TransportErrorCode.TransportParameterError, 0, "initial_source_connection_id mismatch", now);
            return;
        }

        if (!IsServer)
        {
            bool odcidOk = p.OriginalDestinationConnectionId is not null && p.OriginalDestinationConnectionId.AsSpan().SequenceEqual(_originalDcid.Span);
            bool retryOk = _retrySourceCid is ConnectionId r
                ? p.RetrySourceConnectionId is not null && p.RetrySourceConnectionId.AsSpan().SequenceEqual(r.Span)
                : p.RetrySourceConnectionId is null;
            if (!odcidOk || !retryOk)
            {
                CloseWithError((ulong)TransportErrorCode.TransportParameterError, 0, "connection ID authentication failed", now);
                return;
            }

            if (p.StatelessResetToken is { Length: StatelessResetTokens.TokenLength } token)
            {
                SetPeerResetToken(0, token);
            }
        }

        if (ValidatePeerVersionInformation(p.VersionInformation) is string versionError)
        {
            CloseWithError((ulong)VersionNegotiationError, 0, versionError, now);
            return;
        }

        _peerParameters = p;
        _streams.PeerAcceptsResetStreamAt = p.ResetStreamAt;
        _tracer?.ParametersSet(now, remote: true, p);
        _peerAckDelayExponent = (int)p.AckDelayExponent;
        _loss.SetPeerMaxAckDelay(TimeSpan.FromMilliseconds(p.MaxAckDelay), now);
        if (p.MaxUdpPayloadSize < (ulong)_maxSendDatagramSize)
        {
            _maxSendDatagramSize = (int)p.MaxUdpPayloadSize;
        }

        // §10.1: the idle timeout is the smaller of the two non-zero values.
        if (p.MaxIdleTimeout > 0)
        {
            TimeSpan peer = TimeSpan.FromMilliseconds(Math.Min(p.MaxIdleTimeout, (ulong)TimeSpan.FromDays(365).TotalMilliseconds));
            _idleTimeout = _idleTimeout == TimeSpan.Zero ? peer : (peer < _idleTimeout ? peer : _idleTimeout);
        }

        _peerActiveCidLimit = (int)Math.Min(p.ActiveConnectionIdLimit, 64);
        ApplyPeerStreamLimits(p, now);
        RestartIdleTimer(now);
    }

    private void OnHandshakeCompleted(Instant now)
    {
        // The exporter outlives the TLS engine, which is released once the handshake is confirmed.
        _exporter ??= _tls?.CopyExporterSecret() is { } copy ? new KeyingMaterialExporter(copy.Hash, copy.Secret) : null;
        OnResumptionHandshakeCompleted();
        _handshakeComplete = true;
        ClearTimer(TimerKind.Handshake);
        _events.Enqueue(new ConnectionEvent(ConnectionEventKind.HandshakeCompleted));
        if (IsServer)
        {
            // RFC 9001 §4.1.2: the server's handshake is confirmed when it completes; it says so with HANDSHAKE_DONE.
            _addressValidated = true;
            _loss.SetAmplificationLimited(false, now);
            _handshakeDonePending = true;
            ConfirmHandshake(now);
            QueueNewToken(now);
        }
    }

    /// <summary>
    /// RFC 9000 §8.1.3: one token for a future connection, bound to the client's IP address, sent in 1-RTT once the
    /// handshake is confirmed (a server's is, at completion).
    /// </summary>
    private void QueueNewToken(Instant now)
    {
        if (_tokenIssuer is null)
        {
            return;
        }

        Span<byte> token = stackalloc byte[AddressValidationTokens.MaxTokenLength];
        if (_tokenIssuer.TryWriteNewToken(token, RemoteAddress.Address, WallClock(now).ToUnixTimeMilliseconds(), out int written))
        {
            _newToken = token[..written].ToArray();
            _newTokenPending = true;
        }
    }

    /// <summary>RFC 9001 §4.1.2, §4.9.2: confirmation drops the Handshake keys and arms the 1-RTT PTO.</summary>
    private void ConfirmHandshake(Instant now)
    {
        if (_handshakeConfirmed)
        {
            return;
        }

        _handshakeConfirmed = true;
        DiscardSpace(PacketNumberSpace.Initial, now);
        DiscardSpace(PacketNumberSpace.Handshake, now);
        _loss.OnHandshakeConfirmed(now);
        _events.Enqueue(new ConnectionEvent(ConnectionEventKind.HandshakeConfirmed));
        IssueConnectionIds();
        ReleaseClientTlsWhenDone();
        OnHandshakeConfirmedForMigration(now); // RFC 9000 §9.6.1
    }

    private void DiscardSpace(PacketNumberSpace space, Instant now)
    {
        PacketSpaceState s = _spaces[(int)space];
        if (s.Discarded)
        {
            return;
        }

        _loss.OnPacketNumberSpaceDiscarded(space, now, this);
        s.Discard();
    }

    private void DisposeApplicationSecrets()
    {
        if (_applicationReadSecret is not null)
        {
            CryptographicOperations.ZeroMemory(_applicationReadSecret);
        }

        if (_applicationWriteSecret is not null)
        {
            CryptographicOperations.ZeroMemory(_applicationWriteSecret);
        }
    }
}
