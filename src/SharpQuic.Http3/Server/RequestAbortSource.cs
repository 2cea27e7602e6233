namespace SharpQuic.Http3;

/// <summary>
/// The token behind <see cref="Http3Context.RequestAborted"/>, made only when a handler asks for it:
/// it fires when the client resets the request stream or stops reading the response (RFC 9114
/// §4.1.1), or the connection closes. A handler that never looks costs nothing per request.
/// </summary>
internal sealed class RequestAbortSource(QuicStream stream, CancellationToken connectionClosing) : IDisposable
{
    private CancellationTokenSource? _source;
    private int _disposed;

    public CancellationToken Token
    {
        get
        {
            if (_source is null)
            {
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                _source = CancellationTokenSource.CreateLinkedTokenSource(connectionClosing);
                _ = stream.ReadsClosed.ContinueWith(static (_, s) => ((RequestAbortSource)s!).Cancel(), this,
                    CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                _ = stream.WritesClosed.ContinueWith(static (_, s) => ((RequestAbortSource)s!).Cancel(), this,
                    CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return _source.Token;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _source?.Dispose();
        }
    }

    private void Cancel()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        try
        {
            _source?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
