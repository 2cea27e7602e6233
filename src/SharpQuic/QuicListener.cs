using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Cryptography;
using SharpQuic.Runtime;
using SharpQuic.Udp;
using CoreConnectionOptions = SharpQuic.Core.Connection.ConnectionOptions;

namespace SharpQuic;

/// <summary>
/// Accepts QUIC connections, shaped like System.Net.Quic's: one worker thread per core, each with its own socket on
/// the port (SO_REUSEPORT), handshakes done on the workers, connections handed out once their handshake completed.
/// </summary>
public sealed class QuicListener : IAsyncDisposable
{
    private readonly QuicWorker[] _workers;
    private readonly Channel<object> _accepted;
    private int _disposed;

    private QuicListener(QuicListenerOptions options, IPEndPoint bound, QuicWorker[] workers, int backlog, bool ecn)
    {
        Options = options;
        LocalEndPoint = bound;
        _workers = workers;
        _accepted = Channel.CreateBounded<object>(new BoundedChannelOptions(backlog) { FullMode = BoundedChannelFullMode.DropWrite });
        PreferredAddress = options.PreferredAddress is IPEndPoint preferred
            ? ToServerPreferredAddress(new IPEndPoint(preferred.Address, preferred.Port == 0 ? bound.Port : preferred.Port))
            : null;
        TransportOptions = RuntimeOptions.ToTransport(new QuicServerConnectionOptions(), options.QlogDirectory, ecn, PreferredAddress);
    }

    /// <summary>True: SharpQuic needs nothing native.</summary>
    public static bool IsSupported => true;

    /// <summary>The bound address (with the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    internal QuicListenerOptions Options { get; }

    /// <summary>The session ticket key and used-ticket set of this listener's connections (RFC 8446bis §4.6.1, §8.1).</summary>
    internal SharpQuic.Core.Connection.ServerResumption Resumption { get; } = SharpQuic.Core.Connection.ServerResumption.CreateRandom(SystemRandomSource.Instance);

    /// <summary>The preferred address advertised to every client (RFC 9000 §9.6), if any.</summary>
    internal SharpQuic.Core.Connection.ServerPreferredAddress? PreferredAddress { get; }

    /// <summary>The transport settings of accepted connections (System.Net.Quic's server defaults).</summary>
    internal CoreConnectionOptions TransportOptions { get; private set; }

    /// <summary>Beyond System.Net.Quic: which socket implementation carries the traffic ("Linux" fast path or "Portable").</summary>
    public string SocketKind => _workers[0].SocketKind.ToString();

    /// <summary>Binds and starts listening.</summary>
    public static ValueTask<QuicListener> ListenAsync(QuicListenerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        int count = options.WorkerCount > 0 ? options.WorkerCount : Math.Clamp(Environment.ProcessorCount, 1, WorkerConnectionIdGenerator.MaxWorkers);
        count = Math.Min(count, WorkerConnectionIdGenerator.MaxWorkers);
        var sockets = new List<IUdpSocket>(count);
        try
        {
            bool dualStack = options.ListenEndPoint.AddressFamily == AddressFamily.InterNetworkV6 && options.ListenEndPoint.Address.Equals(IPAddress.IPv6Any);
            var socketOptions = new UdpSocketOptions { ReusePort = count > 1, DualStack = dualStack };
            IUdpSocket first = UdpSocketFactory.Open(options.ListenEndPoint, socketOptions);
            sockets.Add(first);
            var bound = new IPEndPoint(options.ListenEndPoint.Address, first.LocalEndPoint.Port);

            // Extra workers only where the kernel spreads one port over several sockets (SO_REUSEPORT on the fast path).
            if (first.Kind == UdpSocketKind.Linux)
            {
                for (int i = 1; i < count; i++)
                {
                    sockets.Add(UdpSocketFactory.Open(bound, socketOptions));
                }
            }

            using var resetKey = new SecretBytes(StatelessResetTokens.MinimumKeyLength * 2);
            using var tokenKey = new SecretBytes(AddressValidationTokens.KeyLength);
            var workers = new QuicWorker[sockets.Count];
            int backlog = options.ListenBacklog == 0 ? 512 : options.ListenBacklog;
            var listener = new QuicListener(options, bound, workers, backlog, first.SupportsEcn);
            DateTimeOffset origin = RuntimeClock.WallClockOrigin;
            for (int i = 0; i < workers.Length; i++)
            {
                // Every worker signs resets and tokens with the same keys: a client's packets may reach any of them.
                var endpoint = new EndpointOptions
                {
                    AcceptConnections = true,
                    ServerOptions = null,
                    Connection = listener.TransportOptions,
                    ConnectionIdGenerator = new WorkerConnectionIdGenerator(i, SystemRandomSource.Instance),
                    StatelessResetTokens = new StatelessResetTokens(resetKey.Span),
                    AddressValidation = new AddressValidationTokens(1, tokenKey.Span, SystemRandomSource.Instance),
                    RequireRetry = options.RequireRetry,
                    WallClockOrigin = origin,

                    // RFC 9368 §2.3: with a preference, compatible clients are moved to it; else each keeps its own.
                    Versions = options.PreferredQuicVersion == 2 ? [QuicVersion.V2, QuicVersion.V1] : [QuicVersion.V1, QuicVersion.V2],
                    PreferServerVersionOrder = options.PreferredQuicVersion != 0,
                };
                workers[i] = new QuicWorker(sockets[i], endpoint, i, listener, stopWhenEmpty: false);
            }

            foreach (QuicWorker w in workers)
            {
                w.Start(workers);
            }

            return ValueTask.FromResult(listener);
        }
        catch
        {
            foreach (IUdpSocket s in sockets)
            {
                s.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Waits for the next connection whose handshake completed. A handshake that failed after the options callback
    /// ran comes out as a <see cref="QuicException"/> or <see cref="System.Security.Authentication.AuthenticationException"/>: callers loop.
    /// </summary>
    public async ValueTask<QuicConnection> AcceptConnectionAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        object item;
        try
        {
            item = await _accepted.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw new QuicException(QuicError.OperationAborted, null, null, "The listener was disposed.", e);
        }

        return item switch
        {
            QuicConnection c => c,
            Exception e => throw e,
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>Stops accepting. Connections already accepted go on; handshakes in progress and unaccepted connections are closed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _accepted.Writer.TryComplete();
        foreach (QuicWorker w in _workers)
        {
            w.Post(new WorkerCommand(WorkerCommandKind.Stop, null));
        }

        while (_accepted.Reader.TryRead(out object? item))
        {
            if (item is QuicConnection unaccepted)
            {
                await unaccepted.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Worker thread: a handshake completed; false when the backlog is full or the listener is gone.</summary>
    internal bool OnHandshakeCompleted(QuicConnection connection) => Volatile.Read(ref _disposed) == 0 && _accepted.Writer.TryWrite(connection);

    /// <summary>Worker thread: a handshake failed after the application saw it (its options callback ran).</summary>
    internal void OnHandshakeFailed(Exception error)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _accepted.Writer.TryWrite(error);
        }
    }

    private static SharpQuic.Core.Connection.ServerPreferredAddress ToServerPreferredAddress(IPEndPoint address) =>
        address.AddressFamily == AddressFamily.InterNetwork ? new(address, null) : new(null, address);

    /// <summary>Random key material wiped after use.</summary>
    private sealed class SecretBytes : IDisposable
    {
        private readonly byte[] _bytes;

        public SecretBytes(int length)
        {
            _bytes = new byte[length];
            System.Security.Cryptography.RandomNumberGenerator.Fill(_bytes);
        }

        public ReadOnlySpan<byte> Span => _bytes;

        public void Dispose() => System.Security.Cryptography.CryptographicOperations.ZeroMemory(_bytes);
    }
}
