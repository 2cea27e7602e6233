using System.Net.Security;
using System.Security.Cryptography;
using SharpQuic.Cryptography;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.KeyLog;
using SharpQuic.Tls.KeySchedule;
using SharpQuic.Tls.Messages;
using SharpQuic.Tls.Tickets;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Handshake;

/// <summary>The client's handling of the server's flight after ServerHello, and of tickets.</summary>
internal sealed partial class TlsClientConnection
{
    private TlsAlert? HandleRealServerHello(ServerHello sh, HandshakeMessage message)
    {
        if (CheckResponseExtensions(sh.Extensions, _sentExtensions, [ExtensionType.SupportedVersions, ExtensionType.KeyShare, ExtensionType.PreSharedKey]) is TlsAlert extAlert)
        {
            return extAlert;
        }

        var suite = (CipherSuite)sh.CipherSuite;

        // §4.1.4: the ServerHello after a retry must keep the retry's suite.
        if (_hrrSuite is CipherSuite retrySuite && retrySuite != suite)
        {
            return TlsAlert.IllegalParameter;
        }

        HashAlgorithmName hash = CipherSuiteInfo.Hash(suite);
        bool pskAccepted = false;
        if (sh.Extensions.TryGet(ExtensionType.PreSharedKey, out byte[] pskData))
        {
            if (!PreSharedKeyExtension.TryParseServer(pskData, out ushort selected, out TlsAlert alert))
            {
                return alert;
            }

            // §4.2.11: the identity must be one we offered, and the suite's hash must be the PSK's.
            if (_ticket is null || selected != 0 || CipherSuiteInfo.Hash(_ticket.Suite) != hash)
            {
                return TlsAlert.IllegalParameter;
            }

            pskAccepted = true;
        }

        // We offer psk_dhe_ke only, so a key share is always required (§4.2.8, §9.2).
        if (!sh.Extensions.TryGet(ExtensionType.KeyShare, out byte[] keyShareData))
        {
            return TlsAlert.MissingExtension;
        }

        if (!KeyShareExtension.TryParseServer(keyShareData, out KeyShareEntry share, out TlsAlert ksAlert))
        {
            return ksAlert;
        }

        // §4.2.8: the group must be one we sent a share for.
        if (!_providers.TryGetValue(share.Group, out IKeyShareProvider? provider))
        {
            return TlsAlert.IllegalParameter;
        }

        if (!provider.TryComputeSharedSecret(share.KeyExchange, out byte[] sharedSecret))
        {
            return TlsAlert.IllegalParameter;
        }

        NegotiatedCipherSuite = suite;
        NegotiatedGroup = share.Group;
        IsResumed = pskAccepted;
        if (!_retried)
        {
            Transcript.SetHash(hash);
        }

        Transcript.Append(message.Bytes);
        if (pskAccepted)
        {
            Schedule = _pskSchedule;
        }
        else
        {
            Schedule = new TlsKeySchedule(hash);
            Schedule.DeriveEarlySecret(default);
        }

        Schedule!.DeriveHandshakeSecret(sharedSecret);
        CryptographicOperations.ZeroMemory(sharedSecret);
        byte[] helloHash = Transcript.GetCurrentHash();
        _clientHandshakeSecret = Schedule.ClientHandshakeTrafficSecret(helloHash);
        _serverHandshakeSecret = Schedule.ServerHandshakeTrafficSecret(helloHash);
        if (!TryChangeReadLevel(EncryptionLevel.Handshake))
        {
            return TlsAlert.UnexpectedMessage;
        }

        EmitSecret(EncryptionLevel.Handshake, TrafficDirection.Read, suite, _serverHandshakeSecret, KeyLogFormatter.ServerHandshakeTrafficSecret);
        EmitSecret(EncryptionLevel.Handshake, TrafficDirection.Write, suite, _clientHandshakeSecret, KeyLogFormatter.ClientHandshakeTrafficSecret);
        _state = State.WaitEncryptedExtensions;
        return null;
    }

    private TlsAlert? HandleEncryptedExtensions(HandshakeMessage message)
    {
        if (!EncryptedExtensions.TryParse(message.Body, out EncryptedExtensions? ee, out TlsAlert alert))
        {
            return alert;
        }

        ExtensionList ext = ee!.Extensions;

        // §4.2 table: what may appear in EncryptedExtensions among what we send.
        if (CheckResponseExtensions(ext, _sentExtensions, [ExtensionType.ServerName, ExtensionType.SupportedGroups,
                ExtensionType.ApplicationLayerProtocolNegotiation, ExtensionType.EarlyData, ExtensionType.QuicTransportParameters]) is TlsAlert extAlert)
        {
            return extAlert;
        }

        if (ext.TryGet(ExtensionType.ServerName, out byte[] sniAck) && sniAck.Length != 0)
        {
            return TlsAlert.DecodeError;
        }

        // RFC 9001 §8.1: ALPN is mandatory; the server names exactly one protocol, one we offered (RFC 7301 §3.2).
        if (!ext.TryGet(ExtensionType.ApplicationLayerProtocolNegotiation, out byte[] alpnData))
        {
            return TlsAlert.NoApplicationProtocol;
        }

        if (!AlpnExtension.TryParseSelected(alpnData, out byte[] protocol, out alert))
        {
            return alert;
        }

        if (!OffersAlpn(protocol))
        {
            return TlsAlert.IllegalParameter;
        }

        NegotiatedApplicationProtocol = new SslApplicationProtocol(protocol);

        // RFC 9001 §8.2: the peer's transport parameters are mandatory.
        if (!ext.TryGet(ExtensionType.QuicTransportParameters, out byte[] tp))
        {
            return TlsAlert.MissingExtension;
        }

        _peerTransportParameters = QuicTransportParametersExtension.Parse(tp);

        if (ext.TryGet(ExtensionType.EarlyData, out byte[] earlyData))
        {
            if (!EarlyDataExtension.TryParseEmpty(earlyData, out alert))
            {
                return alert;
            }

            // §4.2.10: acceptance needs our PSK (identity 0) and the ticket's ALPN.
            if (!IsResumed || _retried || !protocol.AsSpan().SequenceEqual(_ticket!.ApplicationProtocol))
            {
                return TlsAlert.IllegalParameter;
            }

            EarlyDataAccepted = true;
        }
        else if (_earlyDataOffered)
        {
            SignalEarlyDataRejected();
        }

        Transcript.Append(message.Bytes);
        Emit(new PeerTransportParametersEvent(_peerTransportParameters));
        _state = IsResumed ? State.WaitFinished : State.WaitCertificateOrRequest;
        return null;
    }

    private TlsAlert? HandleCertificateRequest(HandshakeMessage message)
    {
        if (!CertificateRequest.TryParse(message.Body, out CertificateRequest? request, out TlsAlert alert))
        {
            return alert;
        }

        // RFC 9001 §4.4: no post-handshake authentication, so the context of the in-handshake request is empty
        // (§4.3.2).
        if (request!.Context.Length != 0)
        {
            return TlsAlert.IllegalParameter;
        }

        request.Extensions.TryGet(ExtensionType.SignatureAlgorithms, out byte[] schemes);
        if (!SignatureAlgorithmsExtension.TryParse(schemes, out List<SignatureScheme> list, out alert))
        {
            return alert;
        }

        _certificateRequest = request;
        _certificateRequestSchemes = list;
        Transcript.Append(message.Bytes);
        _state = State.WaitCertificate;
        return null;
    }

    private TlsAlert? HandleCertificate(HandshakeMessage message)
    {
        if (!Certificate.TryParse(message.Body, out Certificate? certificate, out TlsAlert alert))
        {
            return alert;
        }

        if (certificate!.Context.Length != 0)
        {
            return TlsAlert.IllegalParameter;
        }

        // §4.4.2: entry extensions must answer ClientHello extensions; we send none that apply (no status_request,
        // no signed_certificate_timestamp).
        foreach (CertificateEntry entry in certificate.Entries)
        {
            if (entry.Extensions.Count != 0)
            {
                return TlsAlert.UnsupportedExtension;
            }
        }

        if (!CertificateChain.TryCreate(certificate, CertificateRole.Server, certificateRequired: true, _options.CertificateLimits, out CertificateChain? chain, out alert))
        {
            return alert;
        }

        PeerChain = chain;
        Transcript.Append(message.Bytes);
        _state = State.WaitCertificateVerify;
        return null;
    }

    private TlsAlert? HandleCertificateVerify(HandshakeMessage message)
    {
        if (!CertificateVerify.TryParse(message.Body, out CertificateVerify? verify, out TlsAlert alert))
        {
            return alert;
        }

        var offered = new SignatureScheme[_options.SignatureAlgorithms.Count];
        for (int i = 0; i < offered.Length; i++)
        {
            offered[i] = _options.SignatureAlgorithms[i];
        }

        if (!CertificateVerifier.TryVerify(PeerChain!.Leaf!, verify!, offered, CertificateRole.Server, Transcript.GetCurrentHash(), out alert))
        {
            return alert;
        }

        Transcript.Append(message.Bytes);
        _state = State.WaitFinished;
        return ValidatePeerCertificate(PeerChain, _options.CertificateValidation, _options.ValidateCertificateInline);
    }

    private TlsAlert? HandleFinished(HandshakeMessage message)
    {
        if (!Finished.TryParse(message.Body, Schedule!.HashSize, out Finished? finished, out TlsAlert alert))
        {
            return alert;
        }

        // §4.4.4: a wrong verify_data is decrypt_error; compared in constant time.
        if (!TlsKeySchedule.VerifyFinished(Hash, _serverHandshakeSecret, Transcript.GetCurrentHash(), finished!.VerifyData))
        {
            return TlsAlert.DecryptError;
        }

        Transcript.Append(message.Bytes);
        CipherSuite suite = NegotiatedCipherSuite!.Value;
        byte[] serverFinishedHash = Transcript.GetCurrentHash();
        Schedule.DeriveMainSecret();
        byte[] clientApp = Schedule.ClientApplicationTrafficSecret(serverFinishedHash);
        byte[] serverApp = Schedule.ServerApplicationTrafficSecret(serverFinishedHash);
        SetExporterSecret(Schedule.ExporterSecret(serverFinishedHash));
        EmitSecret(EncryptionLevel.Application, TrafficDirection.Read, suite, serverApp, KeyLogFormatter.ServerTrafficSecret0);

        if (_certificateRequest is not null && SendClientCertificate() is TlsAlert certAlert)
        {
            return certAlert;
        }

        byte[] verifyData = TlsKeySchedule.ComputeVerifyData(Hash, _clientHandshakeSecret, Transcript.GetCurrentHash());
        Send(EncryptionLevel.Handshake, new Finished(verifyData).Encode());
        EmitSecret(EncryptionLevel.Application, TrafficDirection.Write, suite, clientApp, KeyLogFormatter.ClientTrafficSecret0);
        _resumptionSecret = Schedule.ResumptionSecret(Transcript.GetCurrentHash());
        if (!TryChangeReadLevel(EncryptionLevel.Application))
        {
            return TlsAlert.UnexpectedMessage;
        }

        CryptographicOperations.ZeroMemory(_clientHandshakeSecret);
        CryptographicOperations.ZeroMemory(_serverHandshakeSecret);
        _state = State.Connected;
        IsHandshakeComplete = true;
        Emit(new HandshakeCompletedEvent());
        return null;
    }

    /// <summary>§4.4.2: our Certificate (empty when we have none) and, with a certificate, CertificateVerify signed
    /// with a scheme from the CertificateRequest.</summary>
    private TlsAlert? SendClientCertificate()
    {
        CertificateSigner? signer = null;
        if (_options.ClientCertificate is { } cert && !CertificateSigner.TryCreate(cert, out signer))
        {
            return TlsAlert.InternalError;
        }

        using (signer)
        {
            var entries = new List<CertificateEntry>();
            if (signer is not null)
            {
                entries.Add(new CertificateEntry(signer.Certificate.RawData, new ExtensionList()));
                foreach (System.Security.Cryptography.X509Certificates.X509Certificate2 c in _options.ClientCertificateIntermediates)
                {
                    entries.Add(new CertificateEntry(c.RawData, new ExtensionList()));
                }
            }

            Send(EncryptionLevel.Handshake, new Certificate([], entries).Encode());
            if (signer is null)
            {
                return null;
            }

            if (!signer.TryCreateCertificateVerify(_certificateRequestSchemes!.ToArray(), CertificateRole.Client, Transcript.GetCurrentHash(), out CertificateVerify? verify, out TlsAlert alert))
            {
                return alert;
            }

            Send(EncryptionLevel.Handshake, verify!.Encode());
            return null;
        }
    }

    /// <summary>§4.6.1: a ticket becomes a <see cref="SessionTicket"/> with PSK = HKDF-Expand-Label(resumption
    /// secret, "resumption", nonce). A lifetime of zero means "do not use".</summary>
    private TlsAlert? HandleNewSessionTicket(HandshakeMessage message, DateTimeOffset now)
    {
        if (!NewSessionTicket.TryParse(message.Body, out NewSessionTicket? nst, out TlsAlert alert))
        {
            // RFC 9001 §4.6.1: a max_early_data_size other than 0xffffffff is a PROTOCOL_VIOLATION.
            if (alert == TlsAlert.IllegalParameter && HasBadEarlyDataSize(message.Body))
            {
                return FailProtocolViolation(alert);
            }

            return alert;
        }

        if (nst!.LifetimeSeconds == 0)
        {
            return null;
        }

        var ticket = new SessionTicket
        {
            Ticket = nst.Ticket,
            Psk = TlsKeySchedule.ResumptionPsk(Hash, _resumptionSecret, nst.Nonce),
            Suite = NegotiatedCipherSuite!.Value,
            ApplicationProtocol = NegotiatedApplicationProtocol.Protocol.ToArray(),
            ServerName = SniName(),
            LifetimeSeconds = nst.LifetimeSeconds,
            AgeAdd = nst.AgeAdd,
            MaxEarlyDataSize = nst.MaxEarlyDataSize ?? 0,
            TransportParameters = _peerTransportParameters,
            ReceivedAt = now,
        };
        Emit(new NewSessionTicketReceivedEvent(ticket));
        return null;
    }

    private static bool HasBadEarlyDataSize(ReadOnlySpan<byte> body)
    {
        var r = new TlsReader(body);
        if (!r.TryReadUInt32(out uint lifetime) || !r.TryReadUInt32(out _) || !r.TryReadVector8(out _) || !r.TryReadVector16(out _))
        {
            return false;
        }

        if (lifetime > NewSessionTicket.MaxLifetimeSeconds || !ExtensionList.TryRead(ref r, false, out ExtensionList ext, out _))
        {
            return false;
        }

        return ext.TryGet(ExtensionType.EarlyData, out byte[] d)
            && EarlyDataExtension.TryParseTicket(d, out uint size, out _) && size != EarlyDataExtension.QuicMaxEarlyDataSize;
    }

    private void SignalEarlyDataRejected()
    {
        if (!_earlyDataRejectedSent)
        {
            _earlyDataRejectedSent = true;
            Emit(new EarlyDataRejectedEvent());
        }
    }
}
