using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Security;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// An HTTP/3 server: a QUIC listener with ALPN "h3", one <see cref="Http3ServerConnection"/> per
/// client, and a handler called for every request. <see cref="ShutdownAsync"/> is graceful: GOAWAY
/// on every connection, in-flight requests finish, new ones are refused with
/// H3_REQUEST_REJECTED so clients retry them elsewhere (RFC 9114 §5.2).
/// </summary>
public sealed class Http3Server : IAsyncDisposable
{
    private readonly QuicListener _listener;
    private readonly Http3ServerOptions _options;
    private readonly Http3RequestHandler _handler;
    private readonly ConcurrentDictionary<Http3ServerConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Http3ConnectionSettings _settings;
    private Task? _acceptLoop;
    private int _shutdown;

    private Http3Server(QuicListener listener, Http3ServerOptions options, Http3RequestHandler handler)
    {
        _listener = listener;
        _options = options;
        _handler = handler;
        WebTransportLimits? webTransport = options.WebTransport?.ToLimits();
        _settings = new Http3ConnectionSettings
        {
            MaxFieldSectionSize = options.MaxFieldSectionSize,
            QPackMaxTableCapacity = options.QPackMaxTableCapacity,
            // RFC 9220 §3 and RFC 9297 §2.1.1: what WebTransport sessions need of HTTP/3.
            EnableConnectProtocol = webTransport is not null,
            H3Datagram = webTransport is not null,
            WebTransport = webTransport,
        };
    }

    /// <summary>Where the server listens (with the actual port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint => _listener.LocalEndPoint;

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Starts listening and serving requests with <paramref name="handler"/>.</summary>
    public static async Task<Http3Server> StartAsync(Http3ServerOptions options, Http3RequestHandler handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        if (options.ServerCertificate is null && options.ServerAuthenticationOptions is null)
        {
            throw new ArgumentException("A server certificate (or server authentication options) is required.", nameof(options));
        }

        var listenerOptions = new QuicListenerOptions
        {
            ListenEndPoint = options.ListenEndPoint,
            ApplicationProtocols = [Http3ClientConnection.Alpn],
            RequireRetry = options.RequireRetry,
            QlogDirectory = options.QlogDirectory,
            WorkerCount = options.WorkerCount,
            ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(CreateConnectionOptions(options)),
        };

        QuicListener listener = await QuicListener.ListenAsync(listenerOptions, cancellationToken).ConfigureAwait(false);
        var server = new Http3Server(listener, options, handler);
        server._acceptLoop = server.AcceptLoopAsync();
        return server;
    }

    /// <summary>Starts listening and serving requests through <paramref name="routes"/> (404/405 for the rest).</summary>
    public static Task<Http3Server> StartAsync(Http3ServerOptions options, Http3RouteTable routes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(routes);
        return StartAsync(options, routes.DispatchAsync, cancellationToken);
    }

    /// <summary>
    /// Stops accepting connections, sends GOAWAY on every connection, waits for in-flight requests
    /// (at most <see cref="Http3ServerOptions.ShutdownTimeout"/>, or <paramref name="timeout"/>), then closes.
    /// </summary>
    public async Task ShutdownAsync(TimeSpan? timeout = null)
    {
        if (Interlocked.Exchange(ref _shutdown, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        TimeSpan wait = timeout ?? _options.ShutdownTimeout;
        var closing = new List<Task>();
        foreach (Http3ServerConnection connection in _connections.Keys)
        {
            closing.Add(connection.ShutdownAsync(wait));
        }

        await Task.WhenAll(closing).ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }
    }

    /// <summary>Shuts down without waiting for in-flight requests.</summary>
    public async ValueTask DisposeAsync()
    {
        await ShutdownAsync(TimeSpan.Zero).ConfigureAwait(false);
        foreach (Http3ServerConnection connection in _connections.Keys)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private static QuicServerConnectionOptions CreateConnectionOptions(Http3ServerOptions options)
    {
        SslServerAuthenticationOptions tls = options.ServerAuthenticationOptions ?? new SslServerAuthenticationOptions
        {
            ServerCertificate = options.ServerCertificate,
        };
        tls.ApplicationProtocols = [Http3ClientConnection.Alpn];
        var quic = new QuicServerConnectionOptions
        {
            ServerAuthenticationOptions = tls,
            MaxInboundBidirectionalStreams = options.MaxConcurrentRequestsPerConnection,
            // RFC 9114 §6.2: the client's control and QPACK streams, plus room for GREASE streams.
            MaxInboundUnidirectionalStreams = 16,
            IdleTimeout = options.IdleTimeout,
            DefaultStreamErrorCode = (long)Http3ErrorCode.RequestCancelled,
            DefaultCloseErrorCode = (long)Http3ErrorCode.NoError,
            AcceptEarlyData = options.AcceptEarlyData,
        };
        if (options.WebTransport is WebTransportServerOptions webTransport)
        {
            // draft-ietf-webtrans-http3 §3.1: QUIC datagrams (RFC 9221 §3); room for the sessions' unidirectional streams.
            quic.MaxDatagramReceiveSize = webTransport.MaxDatagramReceiveSize;
            quic.MaxInboundUnidirectionalStreams = (int)Math.Min(16L + ((long)webTransport.MaxSessionsPerConnection * webTransport.MaxStreamsPerSession), 10_000);
            quic.MaxInboundBidirectionalStreams = (int)Math.Min((long)options.MaxConcurrentRequestsPerConnection + ((long)webTransport.MaxSessionsPerConnection * webTransport.MaxStreamsPerSession), 10_000);
        }

        options.ConfigureConnection?.Invoke(quic);
        return quic;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            QuicConnection quic;
            try
            {
                quic = await _listener.AcceptConnectionAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (Exception ex) when (ex is QuicException or System.Security.Authentication.AuthenticationException)
            {
                // A failed handshake ends that connection only (the System.Net.Quic contract: callers loop).
                _options.Log?.WriteLine($"handshake failed: {ex.Message}");
                continue;
            }

            _ = RunConnectionAsync(quic);
        }
    }

    private async Task RunConnectionAsync(QuicConnection quic)
    {
        var connection = new Http3ServerConnection(quic, _settings, ServeRequestAsync);
        _connections.TryAdd(connection, 0);
        try
        {
            _options.Log?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{quic.RemoteEndPoint} connected: h3, {quic.NegotiatedCipherSuite}, group {quic.NegotiatedKeyExchangeGroup}, QUIC v{quic.NegotiatedQuicVersion}, resumed {quic.IsResumed}, 0-RTT {EarlyData(quic.EarlyDataAccepted)}"));
            await connection.StartAsync().ConfigureAwait(false);
            if (_stopping.IsCancellationRequested)
            {
                await connection.ShutdownAsync(TimeSpan.Zero).ConfigureAwait(false);
            }

            await Task.Delay(Timeout.Infinite, connection.Closing).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex) when (ex is QuicException or InvalidOperationException or ObjectDisposedException)
        {
            _options.Log?.WriteLine($"{quic.RemoteEndPoint} failed: {ex.Message}");
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            // Let the closing period run in the worker; release the application side.
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task ServeRequestAsync(Http3ServerConnection connection, Http3RequestStream stream)
    {
        Http3HeaderSection head;
        try
        {
            Http3HeaderSection? section = await stream.ReadHeadersOrWebTransportAsync(connection.Closing).ConfigureAwait(false);
            if (section is null)
            {
                // draft-ietf-webtrans-http3 §4.3: a WebTransport stream; it stays ours (and counted) until it is over.
                await connection.WebTransport!.OnPeerBidirectionalStream(stream.QuicStream, (ulong)stream.WebTransportSessionId!.Value, stream.TakeBufferedBytes())
                    .ConfigureAwait(false);
                return;
            }

            if (stream.ArrivedAfterGoAway)
            {
                // RFC 9114 §5.2: a request newer than our GOAWAY is refused unprocessed.
                stream.Abort(Http3ErrorCode.RequestRejected);
                return;
            }

            head = section.Value;
        }
        catch (Http3Exception ex)
        {
            // Malformed requests were already reset with H3_MESSAGE_ERROR; an empty stream is H3_REQUEST_INCOMPLETE (§4.1.2).
            if (ex.ErrorCode == Http3ErrorCode.RequestIncomplete)
            {
                stream.Abort(Http3ErrorCode.RequestIncomplete);
            }

            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        connection.ApplyRequestPriority(stream, head.Fields["priority"]);

        Http3Headers pseudo = head.PseudoHeaders;
        var request = new Http3Request(pseudo[":method"]!, pseudo[":scheme"] ?? "https", pseudo[":authority"] ?? head.Fields["host"] ?? string.Empty,
            pseudo[":path"] ?? string.Empty, pseudo[":protocol"], head.Fields, stream)
        {
            RemoteEndPoint = connection.Quic.RemoteEndPoint,
        };
        var response = new Http3Response(stream);
        using var aborted = new RequestAbortSource(stream.QuicStream, connection.Closing);
        var context = new Http3Context(request, response, aborted);
        try
        {
            await _handler(context).ConfigureAwait(false);
            await response.CompleteAsync(connection.Closing).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or Http3Exception or QuicException)
        {
            // The client went away, or the message broke the rules: the stream is already reset.
            if (!response.HasCompleted)
            {
                response.Abort((long)Http3ErrorCode.RequestCancelled);
            }
        }
#pragma warning disable CA1031 // A handler's failure must not take the connection down: it becomes a 500 or a reset.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _options.Log?.WriteLine($"{request.Method} {request.Path}: handler failed: {ex}");
            await FailAsync(response).ConfigureAwait(false);
        }

        if (_options.Log is TextWriter log)
        {
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{request.RemoteEndPoint} \"{request.Method} {request.Path}{request.QueryString} HTTP/3\" {response.StatusCode} {response.BodyBytesSent}"));
        }
    }

    private static async Task FailAsync(Http3Response response)
    {
        if (response.HasStarted)
        {
            response.Abort((long)Http3ErrorCode.InternalError);
            return;
        }

        try
        {
            response.StatusCode = 500;
            response.Headers.Clear();
            await response.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Http3Exception or QuicException or InvalidOperationException)
        {
            response.Abort((long)Http3ErrorCode.InternalError);
        }
    }

    private static string EarlyData(bool? accepted) => accepted switch
    {
        true => "accepted",
        false => "rejected",
        null => "none",
    };
}
