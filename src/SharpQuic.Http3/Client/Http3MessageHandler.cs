using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// An <see cref="HttpMessageHandler"/> that sends every request over HTTP/3 (RFC 9114): <c>new HttpClient(new
/// Http3MessageHandler())</c>. Requests to one origin are multiplexed on one QUIC connection; request content is
/// uploaded while the response is read; response content is streamed. Only https URIs; requests for HTTP/1.1 or
/// HTTP/2 are sent only when their <see cref="HttpRequestMessage.VersionPolicy"/> allows a higher version.
/// </summary>
/// <remarks>
/// Errors: an HTTP/3 stream or connection error becomes an <see cref="HttpRequestException"/> (with
/// <see cref="HttpRequestError.HttpProtocolError"/> and the <see cref="Http3Exception"/> inside); cancellation
/// becomes a <see cref="TaskCanceledException"/> and resets the request stream with H3_REQUEST_CANCELLED. A request
/// the server refused unprocessed (H3_REQUEST_REJECTED, RFC 9114 §4.1.1, §5.2) is sent once more on a new connection
/// when its content can be sent again.
/// </remarks>
public sealed class Http3MessageHandler : HttpMessageHandler
{
    private readonly Http3ConnectionPool _pool;
    private int _disposed;

    /// <summary>Creates a handler that connects with <paramref name="options"/> (defaults when null).</summary>
    public Http3MessageHandler(Http3ClientOptions? options = null)
        : this(CreateDefaultFactory(options ?? new Http3ClientOptions()), options)
    {
    }

    /// <summary>Creates a handler whose connections come from <paramref name="connectionFactory"/> (tests, the lead's wiring).</summary>
    internal Http3MessageHandler(Func<Http3Origin, CancellationToken, ValueTask<IHttp3ClientConnection>> connectionFactory, Http3ClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connectionFactory);
        options ??= new Http3ClientOptions();
        options.Validate();
        _pool = new Http3ConnectionPool(connectionFactory, options.ConnectTimeout, options.MaxConnectionsPerOrigin);
    }

    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!Http3Origin.TryCreate(request.RequestUri, out Http3Origin origin))
        {
            throw new HttpRequestException(HttpRequestError.Unknown, $"The HTTP/3 handler sends only absolute https URIs, not '{request.RequestUri}'.");
        }

        Http3MessageMapping.CheckVersion(request);
        (Http3Headers pseudoHeaders, Http3Headers fields) = Http3MessageMapping.BuildRequestHeaders(request, origin);
        bool replayable = IsReplayable(request.Content);
        for (int attempt = 0; ; attempt++)
        {
            Http3PooledConnection? pooled = null;
            Http3RequestExchange? exchange = null;
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                pooled = await _pool.AcquireAsync(origin, cancellationToken).ConfigureAwait(false);
                IHttp3MessageStream stream;
                try
                {
                    stream = await pooled.Connection.OpenRequestStreamAsync(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _pool.Release(pooled);
                    throw;
                }

                exchange = new Http3RequestExchange(_pool, pooled, stream, request, cancellationToken);
                return await exchange.SendAsync(pseudoHeaders, fields).ConfigureAwait(false);
            }
            catch (Exception e) when (IsRejected(e) && attempt == 0
                && (replayable || exchange is null || !exchange.ContentStarted) && !cancellationToken.IsCancellationRequested)
            {
                // RFC 9114 §4.1.1, §5.2: the server did not process the request; it may be sent again, on a new connection.
                _pool.Retire(pooled!);
                if (exchange is not null)
                {
                    // The content must not be read by two attempts at once.
                    await exchange.UploadCompletion.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not HttpRequestException)
            {
                throw Translate(e, cancellationToken);
            }
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Closing sends CONNECTION_CLOSE; the pool never resumes on the caller's context, so waiting is safe.
            _pool.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Whether the content can be sent a second time: none, or a type that serializes from memory each time.
    /// Anything else (a <see cref="StreamContent"/>, a custom content) is read once.
    /// </summary>
    private static bool IsReplayable(HttpContent? content) => content switch
    {
        null => true,
        ByteArrayContent or ReadOnlyMemoryContent => true, // includes StringContent and FormUrlEncodedContent
        MultipartContent multipart => AllReplayable(multipart),
        _ => false,
    };

    private static bool AllReplayable(MultipartContent multipart)
    {
        foreach (HttpContent part in multipart)
        {
            if (!IsReplayable(part))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>H3_REQUEST_REJECTED, from the HTTP/3 layer or as a raw stream reset from QUIC (RFC 9114 §4.1.1, §8.1).</summary>
    private static bool IsRejected(Exception e) => e switch
    {
        Http3Exception h3 => h3.ErrorCode == Http3ErrorCode.RequestRejected,
        QuicException { QuicError: QuicError.StreamAborted, ApplicationErrorCode: (long)Http3ErrorCode.RequestRejected } => true,
        _ => false,
    };

    private static Exception Translate(Exception e, CancellationToken cancellationToken) => e switch
    {
        TaskCanceledException { InnerException: TimeoutException } => e, // the connect timeout, as SocketsHttpHandler reports it
        OperationCanceledException when cancellationToken.IsCancellationRequested =>
            new TaskCanceledException("The HTTP/3 request was cancelled.", e, cancellationToken),
        Http3Exception h3 => new HttpRequestException(
            HttpRequestError.HttpProtocolError,
            $"The HTTP/3 request failed with {h3.ErrorCode} (0x{(ulong)h3.ErrorCode:x}): {h3.Message}",
            h3),
        QuicException { ApplicationErrorCode: long code } quic => new HttpRequestException(
            HttpRequestError.HttpProtocolError,
            $"The HTTP/3 request failed: {quic.QuicError} with {(Http3ErrorCode)code} (0x{code:x}).",
            quic),
        QuicException quic => new HttpRequestException(HttpRequestError.ConnectionError, $"The HTTP/3 connection failed: {quic.QuicError}: {quic.Message}", quic),
        ObjectDisposedException => e,
        _ => new HttpRequestException(HttpRequestError.Unknown, "The HTTP/3 request failed: " + e.Message, e),
    };

    private static Func<Http3Origin, CancellationToken, ValueTask<IHttp3ClientConnection>> CreateDefaultFactory(Http3ClientOptions options) =>
        async (origin, cancellationToken) =>
            await Http3ClientConnection.ConnectAsync(options.CreateQuicOptions(origin), cancellationToken: cancellationToken).ConfigureAwait(false);
}
