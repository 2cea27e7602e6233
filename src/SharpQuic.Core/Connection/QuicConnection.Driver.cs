using SharpQuic.Core.Wire;
using SharpQuic.Tls.Handshake;

namespace SharpQuic.Core.Connection;

/// <summary>What the runtime driver reads of a connection beyond the sans-IO calls.</summary>
internal sealed partial class QuicConnection
{
    private KeyingMaterialExporter? _exporter;

    /// <summary>
    /// Takes the exporter over this connection's TLS session (RFC 8446 §7.5), made when the handshake completed (the
    /// TLS engine itself may be released soon after): any thread may use it and the taker disposes it. Null before
    /// the handshake completes or once taken.
    /// </summary>
    public KeyingMaterialExporter? TakeKeyingMaterialExporter() => Interlocked.Exchange(ref _exporter, null);

    /// <summary>Server: the SNI of the client's ClientHello (null before it arrived, or when absent).</summary>
    public string? RequestedServerName => (_tls as TlsServerConnection)?.ServerName;

    /// <summary>The largest datagram we send now (grows with path MTU discovery).</summary>
    public int MaxSendDatagramSize => _maxSendDatagramSize;

    /// <summary>Packets sent (statistics).</summary>
    public long PacketsSent { get; private set; }

    /// <summary>Packets declared lost (statistics, RFC 9002 §6.1).</summary>
    public long PacketsLost { get; private set; }

    /// <summary>
    /// Server: the application's settings for this connection, chosen after the ClientHello (System.Net.Quic's
    /// ConnectionOptionsCallback). Our transport parameters are re-encoded before they leave in EncryptedExtensions
    /// (RFC 9001 §8.2), so the peer sees these limits and not the listener's defaults. Call before
    /// <see cref="SetServerOptions"/>.
    /// </summary>
    public void ApplyServerTransportOptions(ConnectionOptions options, Instant now)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!IsServer || _handshakeComplete || _streams.StreamCount > 0)
        {
            throw new InvalidOperationException("Transport options can be replaced only by a server before its handshake completes.");
        }

        _options = options;
        // The preferred address (and its connection ID, already issued) stays as the listener advertised it.
        PreferredAddress? preferred = TransportParameters.TryParse(_localTransportParameters, true, out TransportParameters? current, out _) == TransportErrorCode.NoError
            ? current?.PreferredAddress : null;
        _localTransportParameters = EncodeTransportParameters(options, isServer: true, InitialSourceConnectionId, _originalDcid, _retrySourceCid, _resetTokens, BuildVersionInformation(_version, _availableVersions), preferred);
        _streams.ReplaceLocalOptions(options.Streams);

        // RFC 9000 §10.1: the smaller of the two non-zero idle timeouts, now with our new value.
        _idleTimeout = options.IdleTimeout;
        if (_peerParameters is { MaxIdleTimeout: > 0 } p)
        {
            TimeSpan peer = TimeSpan.FromMilliseconds(Math.Min(p.MaxIdleTimeout, (ulong)TimeSpan.FromDays(365).TotalMilliseconds));
            _idleTimeout = _idleTimeout == TimeSpan.Zero || peer < _idleTimeout ? peer : _idleTimeout;
        }

        RestartIdleTimer(now);
    }
}
