using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Packets;
using SharpQuic.Runtime;
using CoreConnectionOptions = SharpQuic.Core.Connection.ConnectionOptions;

namespace SharpQuic;

/// <summary>
/// A QUIC connection, shaped like System.Net.Quic's: connect, open and accept streams, close. Every call is posted
/// to the worker thread that owns the connection; nothing here takes a lock shared with the protocol state.
/// </summary>
public sealed partial class QuicConnection : IAsyncDisposable
{
    private readonly QuicWorker _worker;
    private readonly QuicListener? _listener;
    private readonly TaskCompletionSource? _connected;
    private readonly Channel<QuicStream> _inbound = Channel.CreateUnbounded<QuicStream>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private QuicConnectionOptions? _options;
    private volatile QuicException? _closeException;
    private int _disposed;
    private KeyingMaterialExporter? _exporter;

    /// <summary>A client connection about to be started by its worker.</summary>
    private QuicConnection(QuicWorker worker, QuicClientConnectionOptions options, IPEndPoint remote, string targetHost, CoreConnectionOptions transport, QuicVersion version)
    {
        _worker = worker;
        _options = options;
        _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        RemoteEndPoint = remote;
        LocalEndPoint = worker.LocalEndPoint;
        TargetHostName = targetHost;
        TransportOptions = transport;
        Version = version;
        Timer = new TimerEntry<QuicConnection>(this);
        ClientTls = RuntimeOptions.ToClientTls(options, targetHost);
    }

    /// <summary>True: SharpQuic needs nothing native.</summary>
    public static bool IsSupported => true;

    /// <summary>The peer's address.</summary>
    public IPEndPoint RemoteEndPoint { get; private set; }

    /// <summary>Our address (the worker's socket, or the address the connection migrated to).</summary>
    public IPEndPoint LocalEndPoint { get; private set; }

    /// <summary>The ALPN both sides agreed on.</summary>
    public SslApplicationProtocol NegotiatedApplicationProtocol { get; private set; }

    /// <summary>The peer's certificate (the server's, or a client certificate when one was sent).</summary>
    public X509Certificate? RemoteCertificate { get; private set; }

    /// <summary>The name the client asked for (SNI): the target host on a client, the ClientHello's on a server.</summary>
    public string TargetHostName { get; private set; }

    /// <summary>The TLS 1.3 cipher suite in use.</summary>
    public TlsCipherSuite NegotiatedCipherSuite { get; private set; }

    /// <summary>Always TLS 1.3 (RFC 9001).</summary>
    public SslProtocols SslProtocol => SslProtocols.Tls13;

    /// <summary>Beyond System.Net.Quic: the key-exchange group of the handshake ("X25519MLKEM768", "x25519", …).</summary>
    public string? NegotiatedKeyExchangeGroup { get; private set; }

    /// <summary>Beyond System.Net.Quic: the QUIC version in use, 1 (RFC 9000) or 2 (RFC 9369), as in <see cref="QuicClientConnectionOptions.QuicVersion"/>.</summary>
    public int NegotiatedQuicVersion { get; private set; }

    /// <summary>
    /// Whether the peer accepts RESET_STREAM_AT (its reset_stream_at transport parameter,
    /// draft-ietf-quic-reliable-stream-reset), so <see cref="QuicStream.AbortWrite"/> delivers its reliable prefix.
    /// Known once the connection is established.
    /// </summary>
    public bool PeerSupportsResetStreamAt { get; private set; }

    /// <summary>
    /// Derives keying material from the connection's TLS session with the TLS exporter (RFC 8446 §7.5):
    /// TLS-Exporter(<paramref name="label"/>, <paramref name="context"/>, <paramref name="length"/>). Both endpoints
    /// get the same bytes for the same label and context. Callable from any thread once the connection is established.
    /// </summary>
    /// <param name="label">1 to 249 ASCII characters.</param>
    /// <param name="context">The context value (may be empty; RFC 8446 §7.5 hashes it).</param>
    /// <param name="length">1 to 255 hash lengths (8,160 bytes with SHA-256).</param>
    /// <exception cref="InvalidOperationException">The handshake has not completed.</exception>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    public byte[] ExportKeyingMaterial(string label, ReadOnlySpan<byte> context, int length)
    {
        ThrowIfDisposed();
        KeyingMaterialExporter exporter = Volatile.Read(ref _exporter)
            ?? throw new InvalidOperationException("Keying material can be exported once the handshake has completed.");
        return exporter.Export(label, context, length);
    }

    /// <summary>
    /// Connects to a server: resolves the name, starts the handshake on a worker, and completes once the handshake
    /// is done (RFC 9001 §4.1.1). Fails with <see cref="QuicException"/>, or <see cref="AuthenticationException"/>
    /// when the server's certificate is refused.
    /// </summary>
    public static async ValueTask<QuicConnection> ConnectAsync(QuicClientConnectionOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateClientOptions(options);
        IPEndPoint remote = await ResolveAsync(options.RemoteEndPoint, cancellationToken).ConfigureAwait(false);
        string host = options.ClientAuthenticationOptions.TargetHost
            ?? (options.RemoteEndPoint is DnsEndPoint dns ? dns.Host : remote.Address.ToString());
        QuicVersion version = options.QuicVersion switch
        {
            1 => QuicVersion.V1,
            2 => QuicVersion.V2,
            _ => throw new ArgumentOutOfRangeException(nameof(options), "QuicVersion must be 1 or 2."),
        };
        QuicWorker worker = ClientWorkers.Pick(remote, options.LocalEndPoint);
        var connection = new QuicConnection(worker, options, remote, host, RuntimeOptions.ToTransport(options, ecn: worker.SupportsEcn), version);
        if (!worker.Post(new WorkerCommand(WorkerCommandKind.Connect, connection)))
        {
            throw new QuicException(QuicError.OperationAborted, null, "The client worker is not running.");
        }

        try
        {
            using CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(
                static state => ((QuicConnection)state!).Post(new WorkerCommand(WorkerCommandKind.Close, state, Value: 0, Flags: 1)), connection);
            await connection._connected!.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return connection;
    }

    /// <summary>Opens a stream; waits while the peer's stream limit is reached (RFC 9000 §4.6).</summary>
    public async ValueTask<QuicStream> OpenOutboundStreamAsync(QuicStreamType type, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfClosed();
        var open = new PendingOpen(type);
        if (!Post(new WorkerCommand(WorkerCommandKind.OpenStream, this, Extra: open)))
        {
            throw _closeException ?? new QuicException(QuicError.OperationAborted, null, "The connection's worker has stopped.");
        }

        using CancellationTokenRegistration registration = cancellationToken.UnsafeRegister(
            static (state, token) => ((PendingOpen)state!).Completion.TrySetCanceled(token), open);
        return await open.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Waits for the next stream the peer opened.</summary>
    public async ValueTask<QuicStream> AcceptInboundStreamAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        try
        {
            return await _inbound.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e) when (e.InnerException is QuicException inner)
        {
            throw new QuicException(inner.QuicError, inner.ApplicationErrorCode, inner.TransportErrorCode, inner.Message, inner);
        }
        catch (ChannelClosedException e)
        {
            throw new QuicException(QuicError.OperationAborted, null, null, "The connection was closed.", e);
        }
    }

    /// <summary>
    /// Closes the connection with an application error code (CONNECTION_CLOSE of type 0x1d, RFC 9000 §19.19) and
    /// completes once the close has been sent. Pending operations fail with <see cref="QuicError.OperationAborted"/>.
    /// </summary>
    public async ValueTask CloseAsync(long errorCode, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(errorCode);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(errorCode, (1L << 62) - 1);
        ThrowIfDisposed();
        if (Post(new WorkerCommand(WorkerCommandKind.Close, this, Value: errorCode)))
        {
            await _closed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Beyond System.Net.Quic: RTT, congestion window, bytes and packets, read on the worker.</summary>
    public async ValueTask<QuicConnectionStatistics> GetStatisticsAsync(CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<QuicConnectionStatistics>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Post(new WorkerCommand(WorkerCommandKind.Statistics, this, Extra: completion)))
        {
            throw _closeException ?? new QuicException(QuicError.OperationAborted, null, "The connection's worker has stopped.");
        }

        return await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Closes with <see cref="QuicConnectionOptions.DefaultCloseErrorCode"/> if still open, fails pending
    /// operations, and waits (briefly) for the close to be sent. Streams still in use fail.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        long code = _options?.DefaultCloseErrorCode ?? 0;
        if (Post(new WorkerCommand(WorkerCommandKind.Close, this, Value: Math.Max(0, code), Flags: 1)))
        {
            try
            {
                await _closed.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The worker is stuck or gone: nothing more to wait for.
            }
        }

        _inbound.Writer.TryComplete(new QuicException(QuicError.OperationAborted, null, "The connection was disposed."));
        _exporter?.Dispose(); // zeroes its copy of the exporter secret
    }

    /// <inheritdoc/>
    public override string ToString() => $"QuicConnection {LocalEndPoint} -> {RemoteEndPoint} ({NegotiatedApplicationProtocol})";

    internal bool Post(in WorkerCommand command) => _worker.Post(command);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void ThrowIfClosed()
    {
        if (_closeException is QuicException e)
        {
            throw new QuicException(e.QuicError, e.ApplicationErrorCode, e.TransportErrorCode, e.Message, e);
        }
    }

    private static void ValidateClientOptions(QuicClientConnectionOptions options)
    {
        if (options.RemoteEndPoint is null)
        {
            throw new ArgumentNullException(nameof(options), "QuicClientConnectionOptions.RemoteEndPoint must be set.");
        }

        if (options.ClientAuthenticationOptions is null)
        {
            throw new ArgumentNullException(nameof(options), "QuicClientConnectionOptions.ClientAuthenticationOptions must be set.");
        }

        if (options.ClientAuthenticationOptions.ApplicationProtocols is not { Count: > 0 })
        {
            throw new ArgumentException("ClientAuthenticationOptions.ApplicationProtocols must name at least one protocol (RFC 9001 §8.1).", nameof(options));
        }

        options.Validate(nameof(QuicClientConnectionOptions));
    }

    private static async ValueTask<IPEndPoint> ResolveAsync(EndPoint endPoint, CancellationToken cancellationToken)
    {
        switch (endPoint)
        {
            case IPEndPoint ip:
                return ip;
            case DnsEndPoint dns:
                IPAddress[] addresses = await Dns.GetHostAddressesAsync(dns.Host, cancellationToken).ConfigureAwait(false);
                if (addresses.Length == 0)
                {
                    throw new QuicException(QuicError.InternalError, null, $"'{dns.Host}' has no address.");
                }

                // Prefer IPv4 for localhost-style names that resolve to both (the usual test setup listens on 127.0.0.1).
                IPAddress chosen = Array.Find(addresses, a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? addresses[0];
                return new IPEndPoint(chosen, dns.Port);
            default:
                throw new ArgumentException("RemoteEndPoint must be an IPEndPoint or a DnsEndPoint.", nameof(endPoint));
        }
    }

    /// <summary>An OpenOutboundStreamAsync waiting for the worker (and perhaps for MAX_STREAMS).</summary>
    internal sealed class PendingOpen(QuicStreamType type)
    {
        public QuicStreamType Type { get; } = type;

        public TaskCompletionSource<QuicStream> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
