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

/// <summary>The server's PSK decision, certificates, the client's second flight, and tickets.</summary>
internal sealed partial class TlsServerConnection
{
    /// <summary>Identities looked at per ClientHello: bounds the work a client can ask for.</summary>
    private const int MaxPskIdentities = 4;

    private readonly record struct PskDecision(TlsAlert? Alert, TlsKeySchedule? Schedule, ushort SelectedIdentity, bool AcceptEarlyData);

    /// <summary>
    /// §4.2.11: the first identity whose ticket opens, is unexpired, was issued for this SNI, and whose suite hash
    /// is the chosen suite's; its binder must verify (else decrypt_error, §4.2.11.2). With single-use tickets a
    /// reused one is skipped (full handshake, §8.1). 0-RTT (§4.2.10, RFC 9001 §4.6) additionally needs the first
    /// identity, our policy, a ticket that allows it, the same suite and ALPN, the same 0-RTT context, no
    /// HelloRetryRequest, and a ticket age within <see cref="TlsServerOptions.MaxTicketAgeSkew"/> (§8.3).
    /// </summary>
    private PskDecision TryAcceptPsk(CipherSuite suite, byte[] protocol, DateTimeOffset now)
    {
        TlsServerOptions options = _options!;
        ClientHelloInfo hello = _hello!;
        OfferedPsks? offered = hello.OfferedPsks;
        if (offered is null || options.TicketProtector is null || !hello.PskModes.Contains(PskKeyExchangeMode.PskDheKe))
        {
            return default;
        }

        HashAlgorithmName hash = CipherSuiteInfo.Hash(suite);
        int count = Math.Min(offered.Identities.Count, MaxPskIdentities);
        for (int i = 0; i < count; i++)
        {
            PskIdentity identity = offered.Identities[i];
            if (!options.TicketProtector.TryOpen(identity.Identity, out byte[] plain)
                || !ServerTicketState.TryDecode(plain, out ServerTicketState? state))
            {
                continue;
            }

            CryptographicOperations.ZeroMemory(plain);
            DateTimeOffset issued = DateTimeOffset.FromUnixTimeMilliseconds(state!.IssuedAtUnixMilliseconds);
            TimeSpan age = now - issued;
            if (age < -options.MaxTicketAgeSkew || age > TimeSpan.FromSeconds(state.LifetimeSeconds)
                || CipherSuiteInfo.Hash(state.Suite) != hash
                || !string.Equals(state.ServerName, hello.ServerName ?? string.Empty, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var schedule = new TlsKeySchedule(hash);
            schedule.DeriveEarlySecret(state.Psk);
            byte[] binderKey = schedule.BinderKey(resumption: true);
            int truncated = hello.Bytes.Length - offered.BindersEncodedLength;
            byte[] binderHash = HashOf(hash, _transcriptPrefix, hello.Bytes.AsSpan(0, truncated));
            bool binderOk = TlsKeySchedule.VerifyFinished(hash, binderKey, binderHash, offered.Binders[i]);
            CryptographicOperations.ZeroMemory(binderKey);
            if (!binderOk)
            {
                return new PskDecision(TlsAlert.DecryptError, null, 0, false);
            }

            if (options.SingleUseTickets is UsedTicketSet used
                && !used.TryMarkUsed(identity.Identity.AsSpan(0, TicketProtector.NonceSize), issued.AddSeconds(state.LifetimeSeconds), now))
            {
                continue;
            }

            // §4.2.11.1: the client's view of the age, de-obfuscated, against ours.
            long clientAgeMs = unchecked((uint)(identity.ObfuscatedTicketAge - state.AgeAdd));
            double skewMs = Math.Abs(clientAgeMs - age.TotalMilliseconds);
            bool early = i == 0 && hello.EarlyData && _retrySuite is null && options.EnableEarlyData
                && state.MaxEarlyDataSize != 0 && state.Suite == suite
                && protocol.AsSpan().SequenceEqual(state.ApplicationProtocol)
                && options.EarlyDataContext.AsSpan().SequenceEqual(state.EarlyDataContext)
                && skewMs <= options.MaxTicketAgeSkew.TotalMilliseconds;
            return new PskDecision(null, schedule, (ushort)i, early);
        }

        return default;
    }

    /// <summary>[CertificateRequest], Certificate and CertificateVerify (§4.3.2, §4.4.2, §4.4.3).</summary>
    private TlsAlert? SendCertificateFlight()
    {
        TlsServerOptions options = _options!;
        if (options.RequestClientCertificate || options.ServerAuthentication.ClientCertificateRequired)
        {
            var ext = new ExtensionList();
            ext.Add(ExtensionType.SignatureAlgorithms, SignatureAlgorithmsExtension.Encode(options.SignatureAlgorithms));

            // RFC 9001 §4.4: the context is empty (no post-handshake authentication).
            Send(EncryptionLevel.Handshake, new CertificateRequest([], ext).Encode());
            _certificateRequested = true;
        }

        ServerCertificateSelection selection = ServerCertificateSelector.Select(options.ServerAuthentication, _hello!.ServerName, this);
        if (!selection.IsSuccess)
        {
            return selection.Alert;
        }

        if (!CertificateSigner.TryCreate(selection.Certificate!, out CertificateSigner? signer))
        {
            return TlsAlert.InternalError;
        }

        using (signer)
        {
            Send(EncryptionLevel.Handshake, selection.ToCertificateMessage().Encode());
            if (!signer!.TryCreateCertificateVerify(_hello.SignatureAlgorithms!.ToArray(), CertificateRole.Server, Transcript.GetCurrentHash(), out CertificateVerify? verify, out TlsAlert alert))
            {
                return alert;
            }

            Send(EncryptionLevel.Handshake, verify!.Encode());
        }

        return null;
    }

    private TlsAlert? HandleClientCertificate(HandshakeMessage message)
    {
        if (!Certificate.TryParse(message.Body, out Certificate? certificate, out TlsAlert alert))
        {
            return alert;
        }

        if (certificate!.Context.Length != 0)
        {
            return TlsAlert.IllegalParameter;
        }

        foreach (CertificateEntry entry in certificate.Entries)
        {
            if (entry.Extensions.Count != 0)
            {
                return TlsAlert.UnsupportedExtension;
            }
        }

        // §4.4.2.4: an empty Certificate when one is required is certificate_required.
        bool required = _options!.ServerAuthentication.ClientCertificateRequired;
        if (!CertificateChain.TryCreate(certificate, CertificateRole.Client, required, _options.CertificateLimits, out CertificateChain? chain, out alert))
        {
            return alert;
        }

        Transcript.Append(message.Bytes);
        if (chain!.IsEmpty)
        {
            chain.Dispose();
            _state = State.WaitClientFinished;
            return null;
        }

        PeerChain = chain;
        _state = State.WaitClientCertificateVerify;
        return null;
    }

    private TlsAlert? HandleClientCertificateVerify(HandshakeMessage message)
    {
        if (!CertificateVerify.TryParse(message.Body, out CertificateVerify? verify, out TlsAlert alert))
        {
            return alert;
        }

        if (!CertificateVerifier.TryVerify(PeerChain!.Leaf!, verify!, _options!.SignatureAlgorithms.ToArray(), CertificateRole.Client, Transcript.GetCurrentHash(), out alert))
        {
            return alert;
        }

        Transcript.Append(message.Bytes);
        _state = State.WaitClientFinished;
        CertificateValidationOptions validation = _options.ClientCertificateValidation
            ?? CertificateValidationOptions.ForClientCertificate(_options.ServerAuthentication);
        return ValidatePeerCertificate(PeerChain, validation, _options.ValidateCertificateInline);
    }

    private TlsAlert? HandleClientFinished(HandshakeMessage message, DateTimeOffset now)
    {
        if (!Finished.TryParse(message.Body, Schedule!.HashSize, out Finished? finished, out TlsAlert alert))
        {
            return alert;
        }

        if (!TlsKeySchedule.VerifyFinished(Hash, _clientHandshakeSecret, Transcript.GetCurrentHash(), finished!.VerifyData))
        {
            return TlsAlert.DecryptError;
        }

        Transcript.Append(message.Bytes);
        _resumptionSecret = Schedule.ResumptionSecret(Transcript.GetCurrentHash());
        if (!TryChangeReadLevel(EncryptionLevel.Application))
        {
            return TlsAlert.UnexpectedMessage;
        }

        EmitSecret(EncryptionLevel.Application, TrafficDirection.Read, NegotiatedCipherSuite!.Value, _clientApplicationSecret!, KeyLogFormatter.ClientTrafficSecret0);
        CryptographicOperations.ZeroMemory(_clientHandshakeSecret);
        _state = State.Connected;
        IsHandshakeComplete = true;
        Emit(new HandshakeCompletedEvent());
        IssueTickets(now);
        return null;
    }

    /// <summary>§4.6.1: NewSessionTickets at the application level once the client's Finished is verified. Each
    /// ticket seals its own PSK (from a distinct nonce) and a fresh ticket_age_add.</summary>
    private void IssueTickets(DateTimeOffset now)
    {
        TlsServerOptions options = _options!;
        if (options.TicketProtector is null || options.TicketsPerConnection <= 0)
        {
            return;
        }

        uint lifetime = (uint)Math.Clamp(options.TicketLifetime.TotalSeconds, 1, NewSessionTicket.MaxLifetimeSeconds);
        uint maxEarly = options.EnableEarlyData ? EarlyDataExtension.QuicMaxEarlyDataSize : 0;
        Span<byte> ageAddBytes = stackalloc byte[4];
        for (int i = 0; i < options.TicketsPerConnection; i++)
        {
            byte[] nonce = [(byte)(i >> 8), (byte)i];
            options.RandomSource.Fill(ageAddBytes);
            uint ageAdd = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(ageAddBytes);
            byte[] psk = TlsKeySchedule.ResumptionPsk(Hash, _resumptionSecret, nonce);
            var state = new ServerTicketState
            {
                Suite = NegotiatedCipherSuite!.Value,
                IssuedAtUnixMilliseconds = now.ToUnixTimeMilliseconds(),
                LifetimeSeconds = lifetime,
                AgeAdd = ageAdd,
                MaxEarlyDataSize = maxEarly,
                Psk = psk,
                ApplicationProtocol = NegotiatedApplicationProtocol.Protocol.ToArray(),
                ServerName = _hello!.ServerName ?? string.Empty,
                EarlyDataContext = options.EarlyDataContext,
            };
            byte[] plain = state.Encode();
            byte[] ticket = options.TicketProtector.Seal(plain, options.RandomSource);
            CryptographicOperations.ZeroMemory(plain);
            CryptographicOperations.ZeroMemory(psk);
            var ext = new ExtensionList();
            if (maxEarly != 0)
            {
                ext.Add(ExtensionType.EarlyData, EarlyDataExtension.EncodeTicket(maxEarly));
            }

            // Post-handshake messages are not part of the transcript.
            Emit(new HandshakeDataEvent(EncryptionLevel.Application, new NewSessionTicket(lifetime, ageAdd, nonce, ticket, ext).Encode()));
        }
    }
}
