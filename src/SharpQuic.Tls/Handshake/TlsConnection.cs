using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SharpQuic.Cryptography;
using SharpQuic.Tls.Certificates;
using SharpQuic.Tls.KeyLog;
using SharpQuic.Tls.KeySchedule;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Handshake;

/// <summary>
/// One side of a TLS 1.3 handshake for QUIC (RFC 9001 §4) as a sans-IO event pump: no sockets, no clock (every
/// input takes <c>now</c>), no threads, randomness injected through the options.
/// <para>
/// Inputs: <see cref="HandleHandshakeData"/> (CRYPTO frame bytes, in order, per level), the resume calls
/// (<see cref="CompleteCertificateValidation"/>, and the server's SetServerOptions). Outputs: drain
/// <see cref="TryPollEvent"/> after every input — bytes to send per level, secrets per level and direction, the
/// peer's transport parameters, completion, tickets. Getters: the negotiated parameters.
/// </para>
/// <para>
/// Failures are returned, never thrown: the first alert ends the handshake and is returned again by every later
/// input; QUIC closes with CRYPTO_ERROR 0x100 + alert (RFC 9001 §4.8), or with PROTOCOL_VIOLATION when
/// <see cref="IsProtocolViolation"/> says so.
/// </para>
/// </summary>
internal abstract class TlsConnection : IDisposable
{
    private readonly Queue<TlsEvent> _events = new();
    private readonly HandshakeFramer[] _framers = [new(), new(), new(), new()];
    private TlsAlert? _alert;
    private byte[]? _exporterSecret;
    private bool _waitingForValidation;

    protected TlsConnection(Action<string>? keyLog)
    {
        KeyLog = keyLog;
    }

    /// <summary>True once both Finished messages are verified (the client after sending its own).</summary>
    public bool IsHandshakeComplete { get; protected set; }

    /// <summary>The suite from ServerHello.</summary>
    public CipherSuite? NegotiatedCipherSuite { get; protected set; }

    /// <summary>The key exchange group used.</summary>
    public NamedGroup? NegotiatedGroup { get; protected set; }

    /// <summary>The ALPN protocol both sides agreed on (RFC 9001 §8.1).</summary>
    public SslApplicationProtocol NegotiatedApplicationProtocol { get; protected set; }

    /// <summary>The peer's end-entity certificate (null when resumed, or for a client without one).</summary>
    public X509Certificate2? PeerCertificate => PeerChain?.Leaf;

    /// <summary>True when a PSK from a ticket was accepted (no certificates were exchanged).</summary>
    public bool IsResumed { get; protected set; }

    /// <summary>True when the server accepted 0-RTT.</summary>
    public bool EarlyDataAccepted { get; protected set; }

    /// <summary>The alert that ended the handshake, if any.</summary>
    public TlsAlert? Alert => _alert;

    /// <summary>When true the failure is a QUIC PROTOCOL_VIOLATION rather than a TLS alert (RFC 9001 §8.4 for a
    /// non-empty legacy_session_id, §4.6.1 for a bad max_early_data_size); <see cref="Alert"/> is still set.</summary>
    public bool IsProtocolViolation { get; private set; }

    /// <summary>True while the handshake waits for <see cref="CompleteCertificateValidation"/>.</summary>
    public bool IsWaitingForCertificateValidation => _waitingForValidation;

    protected Action<string>? KeyLog { get; set; }

    protected TranscriptHash Transcript { get; } = new();

    protected TlsKeySchedule? Schedule { get; set; }

    /// <summary>The level CRYPTO data is accepted at now.</summary>
    protected EncryptionLevel ReadLevel { get; private set; } = EncryptionLevel.Initial;

    /// <summary>Set by the subclasses while waiting for the application (SetServerOptions, validation).</summary>
    protected bool Paused { get; set; }

    protected byte[] ClientRandom { get; set; } = [];

    protected CertificateChain? PeerChain { get; set; }

    protected HashAlgorithmName Hash => Transcript.Hash ?? throw new InvalidOperationException("No suite yet.");

    /// <summary>
    /// Feeds CRYPTO frame bytes received at <paramref name="level"/>, in stream order. Data at a level other than the
    /// one expected now (RFC 9001 §4.1.3, §4.1.4) is unexpected_message. Returns the alert that ends the handshake,
    /// or null.
    /// </summary>
    public TlsAlert? HandleHandshakeData(EncryptionLevel level, ReadOnlySpan<byte> data, DateTimeOffset now)
    {
        if (_alert is not null)
        {
            return _alert;
        }

        if (level != ReadLevel || level == EncryptionLevel.EarlyData)
        {
            return Fail(TlsAlert.UnexpectedMessage);
        }

        if (!_framers[(int)level].TryAppend(data, out TlsAlert alert))
        {
            return Fail(alert);
        }

        return Pump(now);
    }

    /// <summary>Takes the next event, if any. Drain after every input.</summary>
    public bool TryPollEvent(out TlsEvent ev) => _events.TryDequeue(out ev!);

    /// <summary>
    /// Resumes after <see cref="PeerCertificateReceivedEvent"/> with the validator's verdict (computed off-thread by
    /// the runtime). A rejection ends the handshake with the result's alert. The caller keeps owning
    /// <paramref name="result"/>.
    /// </summary>
    public TlsAlert? CompleteCertificateValidation(CertificateValidationResult result, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (_alert is not null)
        {
            return _alert;
        }

        if (!_waitingForValidation)
        {
            throw new InvalidOperationException("No certificate validation is pending.");
        }

        _waitingForValidation = false;
        Paused = false;
        if (!result.IsAccepted)
        {
            return Fail(result.Alert == default ? TlsAlert.BadCertificate : result.Alert);
        }

        return Pump(now);
    }

    /// <summary>TLS-Exporter(label, context, length) (RFC 8446bis §7.5); only after the handshake completes.</summary>
    public byte[] ExportKeyingMaterial(string label, ReadOnlySpan<byte> context, int length)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 255 * TlsKeySchedule.HashSizeOf(Hash));
        if (!IsHandshakeComplete || _exporterSecret is null)
        {
            throw new InvalidOperationException("The exporter is available after the handshake completes.");
        }

        var output = new byte[length];
        TlsKeySchedule.Export(Hash, _exporterSecret, Encoding.ASCII.GetBytes(label), context, output);
        return output;
    }

    /// <summary>
    /// A copy of the exporter secret and its hash, for an exporter that outlives this object's thread affinity
    /// (the caller zeroes the copy); null before the handshake completes.
    /// </summary>
    public (HashAlgorithmName Hash, byte[] Secret)? CopyExporterSecret() =>
        IsHandshakeComplete && _exporterSecret is not null ? (Hash, (byte[])_exporterSecret.Clone()) : null;

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            Transcript.Dispose();
            PeerChain?.Dispose();
            if (_exporterSecret is not null)
            {
                CryptographicOperations.ZeroMemory(_exporterSecret);
            }
        }
    }

    /// <summary>Handles one complete message received at <see cref="ReadLevel"/>; returns an alert to fail.</summary>
    protected abstract TlsAlert? HandleMessage(HandshakeMessage message, DateTimeOffset now);

    /// <summary>Processes queued messages until none is left, the handshake pauses or fails.</summary>
    protected TlsAlert? Pump(DateTimeOffset now)
    {
        while (_alert is null && !Paused && _framers[(int)ReadLevel].TryDequeue(out HandshakeMessage message))
        {
            TlsAlert? alert;
            try
            {
                alert = HandleMessage(message, now);
            }
            catch (CryptographicException)
            {
                // A platform primitive refused our own inputs: our fault, not the peer's.
                alert = TlsAlert.InternalError;
            }

            if (alert is TlsAlert a)
            {
                return Fail(a);
            }
        }

        return _alert;
    }

    protected TlsAlert Fail(TlsAlert alert)
    {
        _alert ??= alert;
        return _alert.Value;
    }

    /// <summary>Fails with PROTOCOL_VIOLATION semantics (see <see cref="IsProtocolViolation"/>).</summary>
    protected TlsAlert FailProtocolViolation(TlsAlert alert)
    {
        if (_alert is null)
        {
            IsProtocolViolation = true;
        }

        return Fail(alert);
    }

    protected void Emit(TlsEvent ev) => _events.Enqueue(ev);

    /// <summary>Adds our message to the transcript and queues it for sending at <paramref name="level"/>.</summary>
    protected void Send(EncryptionLevel level, byte[] message)
    {
        Transcript.Append(message);
        Emit(new HandshakeDataEvent(level, message));
    }

    /// <summary>RFC 9001 §4.1.3: a handshake message must not span a key change, and nothing may follow the last
    /// message of a level; leftovers at the old level are unexpected_message.</summary>
    protected bool TryChangeReadLevel(EncryptionLevel next)
    {
        HandshakeFramer old = _framers[(int)ReadLevel];
        if (old.HasPartialMessage || old.Count > 0)
        {
            return false;
        }

        ReadLevel = next;
        return true;
    }

    protected void EmitSecret(EncryptionLevel level, TrafficDirection direction, CipherSuite suite, byte[] secret, string keyLogLabel)
    {
        KeyLogFormatter.Write(KeyLog, keyLogLabel, ClientRandom, secret);
        // A copy: the engine zeroes its own secrets when done with them.
        Emit(new SecretAvailableEvent(level, direction, suite, secret.ToArray()));
    }

    protected void SetExporterSecret(byte[] secret) => _exporterSecret = secret;

    /// <summary>
    /// After the peer's CertificateVerify: validate inline (blocking, when configured) or emit
    /// <see cref="PeerCertificateReceivedEvent"/> and pause until <see cref="CompleteCertificateValidation"/>.
    /// </summary>
    protected TlsAlert? ValidatePeerCertificate(CertificateChain chain, CertificateValidationOptions? options, bool inline)
    {
        if (inline)
        {
            if (options is null)
            {
                return TlsAlert.InternalError;
            }

            using CertificateValidationResult result = new CertificateValidator(options).Validate(chain, this);
            return result.IsAccepted ? null : (result.Alert == default ? TlsAlert.BadCertificate : result.Alert);
        }

        _waitingForValidation = true;
        Paused = true;
        Emit(new PeerCertificateReceivedEvent(chain));
        return null;
    }

    /// <summary>Hash(prefix ‖ message) with the given hash, for PSK binders (RFC 8446bis §4.2.11.2).</summary>
    protected static byte[] HashOf(HashAlgorithmName hash, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> message)
    {
        using var h = IncrementalHash.CreateHash(hash);
        h.AppendData(prefix);
        h.AppendData(message);
        return h.GetHashAndReset();
    }

    /// <summary>RFC 8446bis §4.2: an extension in a server message must be one allowed there; one we sent but that
    /// does not belong there is illegal_parameter, one we never sent is unsupported_extension.</summary>
    protected static TlsAlert? CheckResponseExtensions(Extensions.ExtensionList extensions, HashSet<ushort> sent, ReadOnlySpan<ExtensionType> allowed)
    {
        foreach (Extensions.RawExtension e in extensions.Items)
        {
            if (!sent.Contains(e.Type))
            {
                return TlsAlert.UnsupportedExtension;
            }

            if (!allowed.Contains((ExtensionType)e.Type))
            {
                return TlsAlert.IllegalParameter;
            }
        }

        return null;
    }
}
