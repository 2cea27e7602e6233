using System.Net.Security;
using System.Security.Cryptography;
using SharpQuic.Cryptography;
using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.KeyExchange;
using SharpQuic.Tls.KeyLog;
using SharpQuic.Tls.KeySchedule;
using SharpQuic.Tls.Messages;
using SharpQuic.Tls.Tickets;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Handshake;

/// <summary>
/// The server state machine (RFC 8446bis §2, Appendix A.2): ClientHello → (pause for options) → [HelloRetryRequest
/// → ClientHello] → ServerHello, EncryptedExtensions, [CertificateRequest, Certificate, CertificateVerify], Finished
/// → client [Certificate, CertificateVerify] Finished → NewSessionTickets at 1-RTT. Secrets (RFC 9001 §4.1.4):
/// early read when 0-RTT is accepted; handshake read/write with ServerHello; application write after our Finished
/// (0.5-RTT); application read after the client's Finished.
/// </summary>
internal sealed partial class TlsServerConnection : TlsConnection
{
    private TlsServerOptions? _options;
    private KeyShareFactory? _keyShares;
    private State _state = State.WaitClientHello;
    private ClientHelloInfo? _hello;
    private ClientHelloInfo? _firstHello;
    private NamedGroup? _retryGroup;
    private CipherSuite? _retrySuite;
    private byte[] _transcriptPrefix = [];
    private byte[]? _clientHandshakeSecret;
    private byte[]? _clientApplicationSecret;
    private byte[]? _resumptionSecret;
    private bool _certificateRequested;

    /// <summary>A server; with <paramref name="options"/> null it pauses after the ClientHello until
    /// <see cref="SetServerOptions"/>.</summary>
    public TlsServerConnection(TlsServerOptions? options = null)
        : base(options?.KeyLog)
    {
        if (options is not null)
        {
            UseOptions(options);
        }
    }

    private enum State
    {
        WaitClientHello,
        WaitOptions,
        WaitClientHello2,
        WaitClientCertificate,
        WaitClientCertificateVerify,
        WaitClientFinished,
        Connected,
    }

    /// <summary>The SNI of the ClientHello (null before it, or when absent).</summary>
    public string? ServerName => _hello?.ServerName;

    /// <summary>Nothing to send first: the client speaks first.</summary>
    public static void Start(DateTimeOffset now) => _ = now;

    /// <summary>Resumes after <see cref="ClientHelloReceivedEvent"/> with this connection's options (chosen from SNI
    /// and ALPN by the application).</summary>
    public TlsAlert? SetServerOptions(TlsServerOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Alert is TlsAlert failed)
        {
            return failed;
        }

        if (_state != State.WaitOptions)
        {
            throw new InvalidOperationException("The handshake is not waiting for server options.");
        }

        UseOptions(options);
        Paused = false;
        if (ContinueHello(now) is TlsAlert alert)
        {
            return Fail(alert);
        }

        return Pump(now);
    }

    protected override TlsAlert? HandleMessage(HandshakeMessage message, DateTimeOffset now)
    {
        return (_state, message.Type) switch
        {
            (State.WaitClientHello or State.WaitClientHello2, HandshakeType.ClientHello) => HandleClientHello(message, now),
            (State.WaitClientCertificate, HandshakeType.Certificate) => HandleClientCertificate(message),
            (State.WaitClientCertificateVerify, HandshakeType.CertificateVerify) => HandleClientCertificateVerify(message),
            (State.WaitClientFinished, HandshakeType.Finished) => HandleClientFinished(message, now),
            _ => TlsAlert.UnexpectedMessage,
        };
    }

    private void UseOptions(TlsServerOptions options)
    {
        _options = options;
        _keyShares = new KeyShareFactory(options.RandomSource);
        KeyLog = options.KeyLog;
    }

    private TlsAlert? HandleClientHello(HandshakeMessage message, DateTimeOffset now)
    {
        if (!ClientHello.TryParse(message.Body, out ClientHello? hello, out TlsAlert alert))
        {
            return alert;
        }

        // RFC 9001 §8.4: QUIC forbids middlebox compatibility mode; a non-empty legacy_session_id is a
        // PROTOCOL_VIOLATION.
        if (hello!.LegacySessionId.Length != 0)
        {
            return FailProtocolViolation(TlsAlert.IllegalParameter);
        }

        if (!ClientHelloInfo.TryCreate(hello, message.Bytes, out ClientHelloInfo info, out alert))
        {
            return alert;
        }

        if (_state == State.WaitClientHello2)
        {
            // §4.1.2 / §4.1.4: the retry must change only what the HelloRetryRequest asked for, and carry exactly
            // one share, for the selected group.
            if (!info.MatchesRetryOf(_firstHello!) || info.KeyShares.Count != 1 || info.KeyShares[0].Group != _retryGroup)
            {
                return TlsAlert.IllegalParameter;
            }

            _hello = info;
            return ContinueHello(now);
        }

        _hello = info;
        ClientRandom = hello.Random;
        Emit(new ClientHelloReceivedEvent(info.ServerName, info.ApplicationProtocols));
        if (_options is null)
        {
            _state = State.WaitOptions;
            Paused = true;
            return null;
        }

        return ContinueHello(now);
    }

    /// <summary>Picks suite, ALPN and group; answers with a HelloRetryRequest or the whole first flight.</summary>
    private TlsAlert? ContinueHello(DateTimeOffset now)
    {
        TlsServerOptions options = _options!;
        ClientHelloInfo hello = _hello!;
        CipherSuite? suite = null;
        foreach (CipherSuite s in options.CipherSuites)
        {
            if (hello.Hello.CipherSuites.Contains((ushort)s))
            {
                suite = s;
                break;
            }
        }

        if (suite is null || (_retrySuite is CipherSuite retry && retry != suite))
        {
            return TlsAlert.HandshakeFailure;
        }

        // RFC 9001 §8.1: no common protocol is no_application_protocol. Our preference order decides.
        byte[]? protocol = null;
        foreach (SslApplicationProtocol p in options.EffectiveApplicationProtocols)
        {
            foreach (byte[] offered in hello.ApplicationProtocols)
            {
                if (p.Protocol.Span.SequenceEqual(offered))
                {
                    protocol = offered;
                    break;
                }
            }

            if (protocol is not null)
            {
                break;
            }
        }

        if (protocol is null)
        {
            return TlsAlert.NoApplicationProtocol;
        }

        // §4.2.8: the group is our preference among the client's supported_groups; without a share for it, ask for
        // one with a HelloRetryRequest (§4.1.4).
        NamedGroup? group = null;
        foreach (NamedGroup g in options.Groups)
        {
            if (KeyShareFactory.IsImplemented(g) && hello.SupportedGroups.Contains(g))
            {
                group = g;
                break;
            }
        }

        if (group is null)
        {
            return TlsAlert.HandshakeFailure;
        }

        KeyShareEntry? share = null;
        foreach (KeyShareEntry e in hello.KeyShares)
        {
            if (e.Group == group)
            {
                share = e;
            }
        }

        if (share is null)
        {
            // A second ClientHello always carries the requested share (checked before).
            return SendHelloRetryRequest(suite.Value, group.Value);
        }

        NegotiatedApplicationProtocol = new SslApplicationProtocol(protocol);
        return SendFirstFlight(suite.Value, share, protocol, now);
    }

    private TlsAlert? SendHelloRetryRequest(CipherSuite suite, NamedGroup group)
    {
        var ext = new ExtensionList();
        ext.Add(ExtensionType.SupportedVersions, SupportedVersionsExtension.EncodeServer(SupportedVersionsExtension.Tls13));
        ext.Add(ExtensionType.KeyShare, KeyShareExtension.EncodeHelloRetryRequest(group));
        byte[] hrr = ServerHello.CreateHelloRetryRequest([], (ushort)suite, ext).Encode();
        HashAlgorithmName hash = CipherSuiteInfo.Hash(suite);

        // §4.4.1: ClientHello1 is replaced by message_hash in the transcript; PSK binders of the second hello cover
        // message_hash ‖ HelloRetryRequest ‖ truncated ClientHello2 (§4.2.11.2).
        Transcript.SetHash(hash);
        Transcript.Append(_hello!.Bytes);
        Transcript.ReplaceWithMessageHash();
        _transcriptPrefix = [.. TranscriptHash.MessageHashMessage(HashOf(hash, default, _hello.Bytes)), .. hrr];
        Send(EncryptionLevel.Initial, hrr);
        _firstHello = _hello;
        _retryGroup = group;
        _retrySuite = suite;
        _state = State.WaitClientHello2;
        return null;
    }

    private TlsAlert? SendFirstFlight(CipherSuite suite, KeyShareEntry clientShare, byte[] protocol, DateTimeOffset now)
    {
        TlsServerOptions options = _options!;
        ClientHelloInfo hello = _hello!;
        HashAlgorithmName hash = CipherSuiteInfo.Hash(suite);
        PskDecision psk = TryAcceptPsk(suite, protocol, now);
        if (psk.Alert is TlsAlert pskAlert)
        {
            return pskAlert;
        }

        bool resumed = psk.Schedule is not null;
        if (!resumed && hello.SignatureAlgorithms is null)
        {
            // §9.2: without a PSK the client must send signature_algorithms.
            return TlsAlert.MissingExtension;
        }

        IKeyShareProvider provider = _keyShares!.Create(clientShare.Group);
        if (!provider.TryRespond(clientShare.KeyExchange, out byte[] serverShare, out byte[] sharedSecret))
        {
            return TlsAlert.IllegalParameter;
        }

        NegotiatedCipherSuite = suite;
        NegotiatedGroup = clientShare.Group;
        IsResumed = resumed;
        EarlyDataAccepted = psk.AcceptEarlyData;

        var ext = new ExtensionList();
        ext.Add(ExtensionType.SupportedVersions, SupportedVersionsExtension.EncodeServer(SupportedVersionsExtension.Tls13));
        ext.Add(ExtensionType.KeyShare, KeyShareExtension.EncodeServer(new KeyShareEntry(clientShare.Group, serverShare)));
        if (resumed)
        {
            ext.Add(ExtensionType.PreSharedKey, PreSharedKeyExtension.EncodeServer(psk.SelectedIdentity));
        }

        var random = new byte[ClientHello.RandomSize];
        options.RandomSource.Fill(random);
        byte[] serverHello = new ServerHello(random, [], (ushort)suite, ext).Encode();

        if (_retrySuite is null)
        {
            Transcript.SetHash(hash);
        }

        Transcript.Append(hello.Bytes);
        TlsKeySchedule schedule = psk.Schedule ?? new TlsKeySchedule(hash);
        if (!resumed)
        {
            schedule.DeriveEarlySecret(default);
        }

        if (psk.AcceptEarlyData)
        {
            byte[] early = schedule.ClientEarlyTrafficSecret(Transcript.GetCurrentHash());
            EmitSecret(EncryptionLevel.EarlyData, TrafficDirection.Read, suite, early, KeyLogFormatter.ClientEarlyTrafficSecret);
        }

        Send(EncryptionLevel.Initial, serverHello);
        Schedule = schedule;
        schedule.DeriveHandshakeSecret(sharedSecret);
        CryptographicOperations.ZeroMemory(sharedSecret);
        byte[] helloHash = Transcript.GetCurrentHash();
        _clientHandshakeSecret = schedule.ClientHandshakeTrafficSecret(helloHash);
        byte[] serverHandshakeSecret = schedule.ServerHandshakeTrafficSecret(helloHash);
        EmitSecret(EncryptionLevel.Handshake, TrafficDirection.Read, suite, _clientHandshakeSecret, KeyLogFormatter.ClientHandshakeTrafficSecret);
        EmitSecret(EncryptionLevel.Handshake, TrafficDirection.Write, suite, serverHandshakeSecret, KeyLogFormatter.ServerHandshakeTrafficSecret);

        var ee = new ExtensionList();
        ee.Add(ExtensionType.ApplicationLayerProtocolNegotiation, AlpnExtension.Encode([protocol]));
        ee.Add(ExtensionType.QuicTransportParameters, QuicTransportParametersExtension.Encode(options.LocalTransportParameters));
        if (psk.AcceptEarlyData)
        {
            ee.Add(ExtensionType.EarlyData, []);
        }

        Send(EncryptionLevel.Handshake, new EncryptedExtensions(ee).Encode());
        if (!resumed && SendCertificateFlight() is TlsAlert certAlert)
        {
            return certAlert;
        }

        byte[] verifyData = TlsKeySchedule.ComputeVerifyData(hash, serverHandshakeSecret, Transcript.GetCurrentHash());
        Send(EncryptionLevel.Handshake, new Finished(verifyData).Encode());
        byte[] serverFinishedHash = Transcript.GetCurrentHash();
        schedule.DeriveMainSecret();
        _clientApplicationSecret = schedule.ClientApplicationTrafficSecret(serverFinishedHash);
        byte[] serverApplicationSecret = schedule.ServerApplicationTrafficSecret(serverFinishedHash);
        SetExporterSecret(schedule.ExporterSecret(serverFinishedHash));
        EmitSecret(EncryptionLevel.Application, TrafficDirection.Write, suite, serverApplicationSecret, KeyLogFormatter.ServerTrafficSecret0);
        CryptographicOperations.ZeroMemory(serverHandshakeSecret);

        Emit(new PeerTransportParametersEvent(hello.TransportParameters));
        if (!TryChangeReadLevel(EncryptionLevel.Handshake))
        {
            return TlsAlert.UnexpectedMessage;
        }

        _state = _certificateRequested ? State.WaitClientCertificate : State.WaitClientFinished;
        return null;
    }
}
