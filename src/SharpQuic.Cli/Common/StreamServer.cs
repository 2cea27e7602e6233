using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace SharpQuic.Cli.Common;

/// <summary>
/// A listener that accepts connections and hands every stream the client opens to <see cref="ServeStreamAsync"/>;
/// disposing it closes each open connection with application code 0. The echo and perf servers build on it.
/// </summary>
internal abstract class StreamServer : IAsyncDisposable
{
    /// <summary>The buffer size of stream reads and writes.</summary>
    protected const int BufferSize = 64 * 1024;

    private readonly QuicListener _listener;
    private readonly TextWriter _log;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<QuicConnection, Task> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;
    private long _connectionCount;
    private int _disposed;

    private protected StreamServer(QuicListener listener, X509Certificate2 certificate, TextWriter log)
    {
        _listener = listener;
        Certificate = certificate;
        _log = log;
    }

    /// <summary>The bound address (the real port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

    /// <summary>The certificate presented to clients.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The socket implementation in use ("Linux" or "Portable").</summary>
    public string SocketKind => _listener.SocketKind;

    /// <summary>Connections accepted so far.</summary>
    public long ConnectionCount => Interlocked.Read(ref _connectionCount);

    /// <summary>When false, only failures and summaries of busy connections are logged (perf: thousands of handshakes).</summary>
    protected bool LogEveryConnection { get; init; } = true;

    /// <summary>Stops accepting and closes every open connection with application code 0 (a graceful close).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _acceptLoop.ConfigureAwait(false);
        foreach (QuicConnection connection in _connections.Keys)
        {
            try
            {
                await connection.CloseAsync(0).ConfigureAwait(false);
            }
            catch (Exception e) when (e is QuicException or ObjectDisposedException)
            {
                // Already closed by the peer: nothing to say.
            }
        }

        foreach (Task served in _connections.Values)
        {
            await served.ConfigureAwait(false);
        }

        _stopping.Dispose();
        Certificate.Dispose();
    }

    /// <summary>Binds a listener for <paramref name="alpn"/> whose connections all use the same options.</summary>
    protected static ValueTask<QuicListener> ListenAsync(IPEndPoint listen, SslApplicationProtocol alpn, X509Certificate2 certificate, bool requireRetry, string? qlogDirectory, int maxStreams, int maxDatagramReceiveSize = 0, Action<QuicServerConnectionOptions>? configure = null)
    {
        var serverOptions = new QuicServerConnectionOptions
        {
            DefaultStreamErrorCode = 0,
            DefaultCloseErrorCode = 0,
            MaxInboundBidirectionalStreams = maxStreams,
            MaxInboundUnidirectionalStreams = maxStreams,
            QlogDirectory = qlogDirectory,
            MaxDatagramReceiveSize = maxDatagramReceiveSize,
            ServerAuthenticationOptions = new SslServerAuthenticationOptions
            {
                ServerCertificate = certificate,
                ApplicationProtocols = [alpn],
            },
        };
        configure?.Invoke(serverOptions);
        return QuicListener.ListenAsync(new QuicListenerOptions
        {
            ListenEndPoint = listen,
            ApplicationProtocols = [alpn],
            RequireRetry = requireRetry,
            QlogDirectory = qlogDirectory,
            ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(serverOptions),
        });
    }

    /// <summary>Starts the accept loop; called once by the derived class's factory.</summary>
    protected void Start() => _acceptLoop = AcceptLoopAsync();

    /// <summary>Serves one stream the client opened; exceptions other than <see cref="QuicException"/> are bugs.</summary>
    protected abstract Task ServeStreamAsync(QuicStream stream, StreamCounters counters);

    /// <summary>Serves the connection's datagrams (RFC 9221) until it closes; by default none.</summary>
    protected virtual Task ServeDatagramsAsync(QuicConnection connection, StreamCounters counters) => Task.CompletedTask;

    /// <summary>Writes one line to the log (thread-safe).</summary>
    protected void Log(string line)
    {
        lock (_log)
        {
            _log.WriteLine(line);
        }
    }

    private async Task AcceptLoopAsync()
    {
        await Task.Yield();
        while (true)
        {
            QuicConnection connection;
            try
            {
                connection = await _listener.AcceptConnectionAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException) when (_stopping.IsCancellationRequested)
            {
                // Disposed before the loop's first accept: the listener is already gone.
                return;
            }
            catch (QuicException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is QuicException or AuthenticationException)
            {
                // A failed handshake comes out of accept; the listener goes on (System.Net.Quic's contract).
                Log($"handshake failed: {e.Message}");
                continue;
            }

            long number = Interlocked.Increment(ref _connectionCount);
            var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _connections[connection] = ServeConnectionAsync(connection, number, registered.Task);
            registered.SetResult();
        }
    }

    private async Task ServeConnectionAsync(QuicConnection connection, long number, Task registered)
    {
        // Wait until the connection is in the table, so the removal below cannot run first.
        await registered.ConfigureAwait(false);
        if (LogEveryConnection)
        {
            Log($"connection {number} from {connection.RemoteEndPoint}: {connection.NegotiatedApplicationProtocol}, {connection.NegotiatedKeyExchangeGroup}, {ClientSecurity.Describe(connection.NegotiatedCipherSuite)}, QUIC {ClientSecurity.DescribeVersion(connection.NegotiatedQuicVersion)}");
        }

        var streams = new List<Task>();
        var counters = new StreamCounters();
        string reason = "closed";
        Task datagrams = ServeDatagramsAsync(connection, counters);
        try
        {
            while (true)
            {
                QuicStream stream = await connection.AcceptInboundStreamAsync().ConfigureAwait(false);
                streams.Add(ServeStreamAsync(stream, counters));
                if (streams.Count > 64)
                {
                    streams.RemoveAll(static t => t.IsCompleted);
                }
            }
        }
        catch (QuicException e)
        {
            reason = e.QuicError == QuicError.ConnectionAborted && e.ApplicationErrorCode == 0 ? "closed by the client"
                : e.QuicError == QuicError.OperationAborted ? "closed by the server"
                : e.Message;
        }

        foreach (Task t in streams)
        {
            await t.ConfigureAwait(false);
        }

        await datagrams.ConfigureAwait(false);

        await connection.DisposeAsync().ConfigureAwait(false);
        _connections.TryRemove(connection, out _);
        if (LogEveryConnection || counters.Streams > 0 || counters.Datagrams > 0)
        {
            Log($"connection {number} {reason}: {counters.Describe()}");
        }
    }
}

/// <summary>What one connection's streams did, for the server's log.</summary>
internal sealed class StreamCounters
{
    public long Streams;
    public long BidirectionalStreams;
    public long UnidirectionalStreams;
    public long BytesReceived;
    public long BytesSent;
    public long Failed;
    public long Datagrams;

    public string Describe() =>
        $"{Interlocked.Read(ref BidirectionalStreams)} bidirectional and {Interlocked.Read(ref UnidirectionalStreams)} unidirectional stream(s) completed, " +
        $"{Interlocked.Read(ref BytesReceived)} bytes received, {Interlocked.Read(ref BytesSent)} bytes sent" +
        (Interlocked.Read(ref Failed) > 0 ? $", {Failed} stream(s) reset" : "") +
        (Interlocked.Read(ref Datagrams) > 0 ? $", {Datagrams} datagram(s) echoed" : "");
}
