namespace SharpQuic.Http3;

/// <summary>
/// The client's connections, per origin. Requests to one origin share a connection (HTTP/3 multiplexes them,
/// RFC 9114 §3.3); concurrent first requests wait on one connect; a failed connect fails its waiters and is
/// forgotten; a connection that is no longer usable (GOAWAY, closed) is replaced and closed once its last request
/// is done. Thread-safe: one lock, held only for bookkeeping, never across a connect or a close.
/// </summary>
internal sealed class Http3ConnectionPool : IAsyncDisposable
{
    private readonly Func<Http3Origin, CancellationToken, ValueTask<IHttp3ClientConnection>> _connect;
    private readonly TimeSpan _connectTimeout;
    private readonly int _maxPerOrigin;
    private readonly Lock _gate = new();
    private readonly Dictionary<Http3Origin, List<Http3PooledConnection>> _origins = [];

    // Every connection not yet closed, including retired ones still carrying requests.
    private readonly HashSet<Http3PooledConnection> _all = [];
    private readonly CancellationTokenSource _disposed = new();

    public Http3ConnectionPool(Func<Http3Origin, CancellationToken, ValueTask<IHttp3ClientConnection>> connect, TimeSpan connectTimeout, int maxPerOrigin)
    {
        _connect = connect;
        _connectTimeout = connectTimeout;
        _maxPerOrigin = maxPerOrigin;
    }

    /// <summary>
    /// A connection to <paramref name="origin"/> with one more request counted on it; call <see cref="Release"/>
    /// when that request is done. Throws what the connect threw (wrapped in <see cref="HttpRequestException"/>),
    /// <see cref="TaskCanceledException"/> on the connect timeout, or the caller's cancellation.
    /// </summary>
    public async ValueTask<Http3PooledConnection> AcquireAsync(Http3Origin origin, CancellationToken cancellationToken)
    {
        Http3PooledConnection pooled;
        bool start = false;
        List<Http3PooledConnection>? toClose = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (!_origins.TryGetValue(origin, out List<Http3PooledConnection>? list))
            {
                list = [];
                _origins.Add(origin, list);
            }

            Http3PooledConnection? best = null;
            for (int i = list.Count - 1; i >= 0; i--)
            {
                Http3PooledConnection candidate = list[i];
                if (!candidate.IsUsable)
                {
                    list.RemoveAt(i);
                    RetireLocked(candidate, ref toClose);
                    continue;
                }

                if (best is null || candidate.ActiveRequests < best.ActiveRequests)
                {
                    best = candidate;
                }
            }

            if (best is null || (best.ActiveRequests > 0 && list.Count < _maxPerOrigin))
            {
                best = new Http3PooledConnection(origin);
                list.Add(best);
                _all.Add(best);
                start = true;
            }

            best.ActiveRequests++;
            pooled = best;
        }

        CloseAll(toClose);
        if (start)
        {
            _ = ConnectAsync(pooled);
        }

        try
        {
            await pooled.Connected.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(pooled);
            throw;
        }

        return pooled;
    }

    /// <summary>Ends one request on <paramref name="pooled"/>; a retired connection closes with its last request.</summary>
    public void Release(Http3PooledConnection pooled)
    {
        bool close;
        lock (_gate)
        {
            pooled.ActiveRequests--;
            close = pooled.Retired && pooled.ActiveRequests == 0 && _all.Remove(pooled);
        }

        if (close)
        {
            _ = CloseAsync(pooled);
        }
    }

    /// <summary>Takes <paramref name="pooled"/> out of the pool (the server refused a request on it): new requests go
    /// to another connection; this one closes when its requests are done.</summary>
    public void Retire(Http3PooledConnection pooled)
    {
        List<Http3PooledConnection>? toClose = null;
        lock (_gate)
        {
            if (_origins.TryGetValue(pooled.Origin, out List<Http3PooledConnection>? list))
            {
                list.Remove(pooled);
            }

            RetireLocked(pooled, ref toClose);
        }

        CloseAll(toClose);
    }

    /// <summary>Closes every connection, busy or not, and fails connects under way.</summary>
    public async ValueTask DisposeAsync()
    {
        Http3PooledConnection[] all;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            all = [.. _all];
            _all.Clear();
            _origins.Clear();
        }

        foreach (Http3PooledConnection pooled in all)
        {
            await CloseAsync(pooled).ConfigureAwait(false);
        }

        _disposed.Dispose();
    }

    private void RetireLocked(Http3PooledConnection pooled, ref List<Http3PooledConnection>? toClose)
    {
        pooled.Retired = true;
        if (pooled.ActiveRequests == 0 && _all.Remove(pooled))
        {
            (toClose ??= []).Add(pooled);
        }
    }

    private void CloseAll(List<Http3PooledConnection>? toClose)
    {
        if (toClose is null)
        {
            return;
        }

        foreach (Http3PooledConnection pooled in toClose)
        {
            _ = CloseAsync(pooled);
        }
    }

    private async Task ConnectAsync(Http3PooledConnection pooled)
    {
        CancellationToken disposedToken;
        try
        {
            disposedToken = _disposed.Token;
        }
        catch (ObjectDisposedException)
        {
            pooled.Fail(new ObjectDisposedException(nameof(Http3MessageHandler)));
            return;
        }

        // The connect belongs to the pool, not to the first request: its waiters may cancel without failing the others.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(disposedToken);
        timeout.CancelAfter(_connectTimeout);
        IHttp3ClientConnection connection;
        try
        {
            connection = await _connect(pooled.Origin, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Exception failure = e switch
            {
                OperationCanceledException when disposedToken.IsCancellationRequested => new ObjectDisposedException(nameof(Http3MessageHandler)),
                OperationCanceledException when timeout.IsCancellationRequested => new TaskCanceledException(
                    $"The connection to {pooled.Origin} did not complete within {_connectTimeout.TotalSeconds:0.###} s.",
                    new TimeoutException($"HTTP/3 connect timeout ({_connectTimeout})."),
                    timeout.Token),
                HttpRequestException => e,
                _ => new HttpRequestException(HttpRequestError.ConnectionError, $"HTTP/3 connection to {pooled.Origin} failed: {e.Message}", e),
            };
            Forget(pooled);
            pooled.Fail(failure);
            return;
        }

        bool disposed;
        lock (_gate)
        {
            // Under the lock: DisposeAsync either sees this connection connected, or it is closed below.
            disposed = _disposed.IsCancellationRequested;
            pooled.Succeed(connection);
        }

        if (disposed)
        {
            await CloseAsync(pooled).ConfigureAwait(false);
        }
    }

    private void Forget(Http3PooledConnection pooled)
    {
        lock (_gate)
        {
            _all.Remove(pooled);
            if (_origins.TryGetValue(pooled.Origin, out List<Http3PooledConnection>? list))
            {
                list.Remove(pooled);
            }
        }
    }

    private static async Task CloseAsync(Http3PooledConnection pooled)
    {
        if (pooled.Connected.IsCompletedSuccessfully)
        {
            try
            {
                await pooled.Connected.Result.DisposeAsync().ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Closing is best effort: a failure to say goodbye must not fail the caller's dispose.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }
}

/// <summary>One pooled connection (or a connect under way) and the number of requests using it.</summary>
internal sealed class Http3PooledConnection(Http3Origin origin)
{
    private readonly TaskCompletionSource<IHttp3ClientConnection> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Http3Origin Origin { get; } = origin;

    /// <summary>Completes with the connection, or fails with the connect's error.</summary>
    public Task<IHttp3ClientConnection> Connected => _connected.Task;

    /// <summary>The connection; only after <see cref="Connected"/> succeeded.</summary>
    public IHttp3ClientConnection Connection => _connected.Task.Result;

    /// <summary>Requests counted on this connection (pool lock).</summary>
    public int ActiveRequests { get; set; }

    /// <summary>Out of the pool: closes when <see cref="ActiveRequests"/> reaches 0 (pool lock).</summary>
    public bool Retired { get; set; }

    /// <summary>Whether new requests may use it: connecting, or connected and usable.</summary>
    public bool IsUsable => !Retired && _connected.Task.Status switch
    {
        TaskStatus.RanToCompletion => _connected.Task.Result.IsUsable,
        TaskStatus.Faulted or TaskStatus.Canceled => false,
        _ => true,
    };

    public void Succeed(IHttp3ClientConnection connection) => _connected.SetResult(connection);

    public void Fail(Exception error)
    {
        _connected.SetException(error);

        // Observed here so that a failure nobody waited for (every waiter cancelled) is not reported as unobserved.
        _ = _connected.Task.Exception;
    }
}
