using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using SharpQuic.Cryptography;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.KeyExchange;
using SharpQuic.Tls.KeyLog;
using SharpQuic.Tls.KeySchedule;
using SharpQuic.Tls.Messages;
using SharpQuic.Tls.Tickets;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Handshake;

/// <summary>
/// The client state machine (RFC 8446bis §2, Appendix A.1): ClientHello → [HelloRetryRequest → ClientHello] →
/// ServerHello → EncryptedExtensions → [CertificateRequest] → Certificate → CertificateVerify (or neither when a PSK
/// is accepted) → Finished → our [Certificate, CertificateVerify] Finished; then NewSessionTickets at 1-RTT.
/// Secrets (RFC 9001 §4.1.4): early write after ClientHello when 0-RTT is offered; handshake read/write after
/// ServerHello; application read after the server's Finished; application write after our Finished.
/// </summary>
internal sealed partial class TlsClientConnection : TlsConnection
{
    private readonly TlsClientOptions _options;
    private readonly KeyShareFactory _keyShares;
    private readonly Dictionary<NamedGroup, IKeyShareProvider> _providers = [];
    private readonly HashSet<ushort> _sentExtensions = [];
    private State _state = State.Start;
    private bool _retried;
    private byte[] _transcriptPrefix = [];
    private SessionTicket? _ticket;
    private TlsKeySchedule? _pskSchedule;
    private bool _earlyDataOffered;
    private bool _earlyDataRejectedSent;
    private byte[]? _clientHandshakeSecret;
    private byte[]? _serverHandshakeSecret;
    private byte[]? _resumptionSecret;
    private CertificateRequest? _certificateRequest;
    private List<SignatureScheme>? _certificateRequestSchemes;
    private byte[] _peerTransportParameters = [];
    private byte[] _cookie = [];
    private byte[] _firstHello = [];
    private CipherSuite? _hrrSuite;

    public TlsClientConnection(TlsClientOptions options)
        : base(options?.KeyLog)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ApplicationProtocols.Count == 0)
        {
            // RFC 9001 §8.1: QUIC requires ALPN.
            throw new ArgumentException("At least one application protocol is required.", nameof(options));
        }

        foreach (NamedGroup g in options.KeyShareGroups)
        {
            if (!options.SupportedGroups.Contains(g) || !KeyShareFactory.IsImplemented(g))
            {
                throw new ArgumentException($"Key share group {g} is not a supported group.", nameof(options));
            }
        }

        _options = options;
        _keyShares = new KeyShareFactory(options.RandomSource);
    }

    private enum State
    {
        Start,
        WaitServerHello,
        WaitEncryptedExtensions,
        WaitCertificateOrRequest,
        WaitCertificate,
        WaitCertificateVerify,
        WaitFinished,
        Connected,
    }

    /// <summary>Produces the ClientHello (and, when 0-RTT is offered, the early write secret).</summary>
    public void Start(DateTimeOffset now)
    {
        if (_state != State.Start)
        {
            throw new InvalidOperationException("Start was already called.");
        }

        var random = new byte[ClientHello.RandomSize];
        _options.RandomSource.Fill(random);
        ClientRandom = random;
        ChooseTicket(now);

        var shares = new List<KeyShareEntry>();
        foreach (NamedGroup g in _options.KeyShareGroups)
        {
            IKeyShareProvider provider = _keyShares.Create(g);
            _providers[g] = provider;
            shares.Add(new KeyShareEntry(g, provider.CreateClientShare()));
        }

        byte[] hello = BuildClientHello(now, shares);
        _firstHello = hello;
        Send(EncryptionLevel.Initial, hello);
        if (_earlyDataOffered)
        {
            // §7.1: client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello).
            byte[] hash = HashOf(_pskSchedule!.Hash, default, hello);
            byte[] early = _pskSchedule.ClientEarlyTrafficSecret(hash);
            EmitSecret(EncryptionLevel.EarlyData, TrafficDirection.Write, _ticket!.Suite, early, KeyLogFormatter.ClientEarlyTrafficSecret);
        }

        _state = State.WaitServerHello;
    }

    protected override TlsAlert? HandleMessage(HandshakeMessage message, DateTimeOffset now)
    {
        return (_state, message.Type) switch
        {
            (State.WaitServerHello, HandshakeType.ServerHello) => HandleServerHello(message, now),
            (State.WaitEncryptedExtensions, HandshakeType.EncryptedExtensions) => HandleEncryptedExtensions(message),
            (State.WaitCertificateOrRequest, HandshakeType.CertificateRequest) => HandleCertificateRequest(message),
            (State.WaitCertificateOrRequest or State.WaitCertificate, HandshakeType.Certificate) => HandleCertificate(message),
            (State.WaitCertificateVerify, HandshakeType.CertificateVerify) => HandleCertificateVerify(message),
            (State.WaitFinished, HandshakeType.Finished) => HandleFinished(message),
            (State.Connected, HandshakeType.NewSessionTicket) => HandleNewSessionTicket(message, now),

            // Anything else, KeyUpdate and EndOfEarlyData included (RFC 9001 §6, §8.3; the framer refuses those
            // already), is out of order.
            _ => TlsAlert.UnexpectedMessage,
        };
    }

    private void ChooseTicket(DateTimeOffset now)
    {
        SessionTicket? t = _options.SessionTicket;
        if (t is null || !t.IsValidAt(now) || !_options.CipherSuites.Contains(t.Suite)
            || !string.Equals(t.ServerName, SniName(), StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        _ticket = t;
        _pskSchedule = new TlsKeySchedule(t.Suite);
        _pskSchedule.DeriveEarlySecret(t.Psk);

        // §4.2.10: 0-RTT only with the ticket's ALPN (which we must still offer) and when the ticket allows it.
        _earlyDataOffered = _options.EnableEarlyData && t.AllowsEarlyData && OffersAlpn(t.ApplicationProtocol);
    }

    private string? SniName()
    {
        string? name = _options.ServerName;
        return string.IsNullOrEmpty(name) || IPAddress.TryParse(name, out _) ? null : name;
    }

    private bool OffersAlpn(ReadOnlySpan<byte> protocol)
    {
        foreach (SslApplicationProtocol p in _options.ApplicationProtocols)
        {
            if (p.Protocol.Span.SequenceEqual(protocol))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// ClientHello (§4.1.2) with an empty legacy_session_id (RFC 9001 §8.4) and, when resuming, the PSK binder
    /// computed over the hello truncated before the binders (§4.2.11.2); after a HelloRetryRequest the binder
    /// transcript starts with message_hash and the HelloRetryRequest (<see cref="_transcriptPrefix"/>).
    /// </summary>
    private byte[] BuildClientHello(DateTimeOffset now, List<KeyShareEntry> shares)
    {
        var ext = new ExtensionList();
        if (SniName() is string sni)
        {
            ext.Add(ExtensionType.ServerName, ServerNameExtension.Encode(sni));
        }

        ext.Add(ExtensionType.SupportedVersions, SupportedVersionsExtension.EncodeClient([SupportedVersionsExtension.Tls13]));
        ext.Add(ExtensionType.SupportedGroups, SupportedGroupsExtension.Encode(_options.SupportedGroups));
        ext.Add(ExtensionType.SignatureAlgorithms, SignatureAlgorithmsExtension.Encode(_options.SignatureAlgorithms));
        ext.Add(ExtensionType.KeyShare, KeyShareExtension.EncodeClient(shares));
        var protocols = new List<byte[]>(_options.ApplicationProtocols.Count);
        foreach (SslApplicationProtocol p in _options.ApplicationProtocols)
        {
            protocols.Add(p.Protocol.ToArray());
        }

        ext.Add(ExtensionType.ApplicationLayerProtocolNegotiation, AlpnExtension.Encode(protocols));
        ext.Add(ExtensionType.QuicTransportParameters, QuicTransportParametersExtension.Encode(_options.LocalTransportParameters));
        if (_cookie.Length > 0)
        {
            ext.Add(ExtensionType.Cookie, CookieExtension.Encode(_cookie));
        }

        // §4.2.9: psk_dhe_ke only; psk_ke would give up forward secrecy.
        ext.Add(ExtensionType.PskKeyExchangeModes, PskKeyExchangeModesExtension.Encode([PskKeyExchangeMode.PskDheKe]));

        // §4.2.10: never early_data in the second ClientHello.
        if (_earlyDataOffered && !_retried)
        {
            ext.Add(ExtensionType.EarlyData, []);
        }

        var suites = new List<ushort>(_options.CipherSuites.Count);
        foreach (CipherSuite s in _options.CipherSuites)
        {
            suites.Add((ushort)s);
        }

        OfferedPsks? offered = null;
        if (_ticket is not null)
        {
            int hashSize = _pskSchedule!.HashSize;
            offered = new OfferedPsks([new PskIdentity(_ticket.Ticket, _ticket.ObfuscatedAge(now))], [new byte[hashSize]]);
            ext.Add(ExtensionType.PreSharedKey, PreSharedKeyExtension.EncodeClient(offered));
        }

        foreach (RawExtension e in ext.Items)
        {
            _sentExtensions.Add(e.Type);
        }

        byte[] bytes = new ClientHello(ClientRandom, [], suites, ext).Encode();
        if (offered is not null)
        {
            int truncated = bytes.Length - offered.BindersEncodedLength;
            byte[] hash = HashOf(_pskSchedule!.Hash, _transcriptPrefix, bytes.AsSpan(0, truncated));
            byte[] binderKey = _pskSchedule.BinderKey(resumption: true);
            byte[] binder = TlsKeySchedule.ComputeVerifyData(_pskSchedule.Hash, binderKey, hash);
            CryptographicOperations.ZeroMemory(binderKey);

            // One identity, so its binder is the last bytes of the message.
            binder.CopyTo(bytes.AsSpan(bytes.Length - binder.Length));
        }

        return bytes;
    }

    private TlsAlert? HandleServerHello(HandshakeMessage message, DateTimeOffset now)
    {
        if (!ServerHello.TryParse(message.Body, out ServerHello? hello, out TlsAlert alert))
        {
            return alert;
        }

        ServerHello sh = hello!;
        if (CheckVersion(sh) is TlsAlert versionAlert)
        {
            return versionAlert;
        }

        // §4.1.3: legacy_session_id_echo must echo ours (empty); the suite must be one we offered.
        if (sh.LegacySessionIdEcho.Length != 0 || !_options.CipherSuites.Contains((CipherSuite)sh.CipherSuite))
        {
            return TlsAlert.IllegalParameter;
        }

        return sh.IsHelloRetryRequest ? HandleHelloRetryRequest(sh, message, now) : HandleRealServerHello(sh, message);
    }

    /// <summary>§4.1.3 / §4.2.1: TLS 1.3 only. A hello without supported_versions negotiates TLS 1.2 or below: the
    /// downgrade sentinel then means an attack (illegal_parameter), otherwise protocol_version.</summary>
    private static TlsAlert? CheckVersion(ServerHello sh)
    {
        ushort selected = 0;
        if (sh.Extensions.TryGet(ExtensionType.SupportedVersions, out byte[] data)
            && !SupportedVersionsExtension.TryParseServer(data, out selected, out TlsAlert alert))
        {
            return alert;
        }

        if (selected == SupportedVersionsExtension.Tls13)
        {
            return null;
        }

        ReadOnlySpan<byte> tail = sh.Random.AsSpan(ClientHello.RandomSize - 8);
        bool sentinel = tail[..7].SequenceEqual("DOWNGRD"u8) && (tail[7] is 0x00 or 0x01);
        return sentinel ? TlsAlert.IllegalParameter : TlsAlert.ProtocolVersion;
    }

    private TlsAlert? HandleHelloRetryRequest(ServerHello hrr, HandshakeMessage message, DateTimeOffset now)
    {
        // §4.1.4: at most one HelloRetryRequest.
        if (_retried)
        {
            return TlsAlert.UnexpectedMessage;
        }

        var allowed = new HashSet<ushort>(_sentExtensions) { (ushort)ExtensionType.Cookie };
        if (CheckResponseExtensions(hrr.Extensions, allowed, [ExtensionType.SupportedVersions, ExtensionType.KeyShare, ExtensionType.Cookie]) is TlsAlert extAlert)
        {
            return extAlert;
        }

        bool hasKeyShare = hrr.Extensions.TryGet(ExtensionType.KeyShare, out byte[] ks);
        bool hasCookie = hrr.Extensions.TryGet(ExtensionType.Cookie, out byte[] cookieData);
        NamedGroup selected = default;
        if (hasKeyShare && !KeyShareExtension.TryParseHelloRetryRequest(ks, out selected, out TlsAlert alert))
        {
            return alert;
        }

        if (hasCookie && !CookieExtension.TryParse(cookieData, out _cookie, out TlsAlert cookieAlert))
        {
            return cookieAlert;
        }

        // §4.1.4: the group must be one we support and not one we already sent a share for; a retry that would
        // change nothing is illegal_parameter.
        if ((hasKeyShare && (!_options.SupportedGroups.Contains(selected) || !KeyShareFactory.IsImplemented(selected) || _providers.ContainsKey(selected)))
            || (!hasKeyShare && !hasCookie))
        {
            return TlsAlert.IllegalParameter;
        }

        var suite = (CipherSuite)hrr.CipherSuite;
        HashAlgorithmName hash = CipherSuiteInfo.Hash(suite);
        Transcript.SetHash(hash);
        Transcript.ReplaceWithMessageHash();
        Transcript.Append(message.Bytes);
        _retried = true;
        _hrrSuite = suite;

        // The binder of the second hello covers message_hash ‖ HelloRetryRequest ‖ truncated ClientHello2.
        _transcriptPrefix = [.. TranscriptHash.MessageHashMessage(HashOf(hash, default, _firstHello)), .. message.Bytes];

        // §4.2.11: a PSK whose hash differs from the retry's suite cannot be used any more.
        if (_ticket is not null && CipherSuiteInfo.Hash(_ticket.Suite) != hash)
        {
            _ticket = null;
            _pskSchedule = null;
        }

        if (_earlyDataOffered)
        {
            // §4.2.10: a HelloRetryRequest rejects 0-RTT.
            SignalEarlyDataRejected();
        }

        var shares = new List<KeyShareEntry>();
        if (hasKeyShare)
        {
            _providers.Clear();
            IKeyShareProvider provider = _keyShares.Create(selected);
            _providers[selected] = provider;
            shares.Add(new KeyShareEntry(selected, provider.CreateClientShare()));
        }
        else
        {
            foreach (KeyValuePair<NamedGroup, IKeyShareProvider> p in _providers)
            {
                shares.Add(new KeyShareEntry(p.Key, p.Value.CreateClientShare()));
            }
        }

        _sentExtensions.Clear();
        Send(EncryptionLevel.Initial, BuildClientHello(now, shares));
        return null;
    }
}
