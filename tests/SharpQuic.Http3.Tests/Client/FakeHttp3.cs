using System.Net;
using System.Threading.Channels;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.Client;

/// <summary>
/// Hands out <see cref="FakeConnection"/>s and counts connects. <see cref="Server"/> plays the server on every
/// stream of every connection; <see cref="BeforeConnect"/> can delay or fail a connect.
/// </summary>
internal sealed class FakeConnectionFactory
{
    private readonly Lock _gate = new();
    private readonly List<FakeConnection> _connections = [];
    private int _connects;

    public FakeConnectionFactory(Func<FakeStream, Task> server) => Server = server;

    public Func<FakeStream, Task> Server { get; set; }

    /// <summary>Runs before each connect with its 1-based number; may wait or throw.</summary>
    public Func<int, CancellationToken, Task>? BeforeConnect { get; set; }

    public int Connects => Volatile.Read(ref _connects);

    public List<Http3Origin> Origins { get; } = [];

    public FakeConnection[] Connections
    {
        get
        {
            lock (_gate)
            {
                return [.. _connections];
            }
        }
    }

    public async ValueTask<IHttp3ClientConnection> ConnectAsync(Http3Origin origin, CancellationToken cancellationToken)
    {
        int number = Interlocked.Increment(ref _connects);
        if (BeforeConnect is not null)
        {
            await BeforeConnect(number, cancellationToken).ConfigureAwait(false);
        }

        var connection = new FakeConnection(number, this);
        lock (_gate)
        {
            _connections.Add(connection);
            Origins.Add(origin);
        }

        return connection;
    }

    public Http3MessageHandler CreateHandler(Http3ClientOptions? options = null) => new(ConnectAsync, options);

    public HttpClient CreateClient(Http3ClientOptions? options = null) => new(CreateHandler(options))
    {
        DefaultRequestVersion = HttpVersion.Version30,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };
}

/// <summary>An in-memory connection: each opened stream gets the factory's server script.</summary>
internal sealed class FakeConnection(int number, FakeConnectionFactory factory) : IHttp3ClientConnection
{
    private readonly Lock _gate = new();
    private readonly List<FakeStream> _streams = [];
    private long _nextStreamId;

    public int Number { get; } = number;

    public bool IsUsable { get; set; } = true;

    /// <summary>When set, OpenRequestStreamAsync throws it (e.g. H3_REQUEST_REJECTED after GOAWAY).</summary>
    public Http3ErrorCode? RefuseOpen { get; set; }

    public bool Disposed { get; private set; }

    public FakeStream[] Streams
    {
        get
        {
            lock (_gate)
            {
                return [.. _streams];
            }
        }
    }

    public ValueTask<IHttp3MessageStream> OpenRequestStreamAsync(CancellationToken cancellationToken)
    {
        if (Disposed || RefuseOpen is not null)
        {
            throw new Http3Exception(RefuseOpen ?? Http3ErrorCode.RequestRejected, "fake: no new requests");
        }

        FakeStream stream;
        lock (_gate)
        {
            stream = new FakeStream(this, _nextStreamId);
            _nextStreamId += 4;
            _streams.Add(stream);
        }

        stream.ServerTask = Task.Run(() => factory.Server(stream));
        return ValueTask.FromResult<IHttp3MessageStream>(stream);
    }

    public ValueTask DisposeAsync()
    {
        Disposed = true;
        IsUsable = false;
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// One request stream in memory. The client half records what the handler writes (headers, data, FIN, aborts);
/// the server half (used by scripts) reads the request and writes the response. Both data directions go through
/// one-slot channels, so a writer waits for its reader as flow control would make it.
/// </summary>
internal sealed class FakeStream : IHttp3MessageStream
{
    private readonly Channel<byte[]> _request = Channel.CreateBounded<byte[]>(1);
    private readonly Channel<byte[]> _response = Channel.CreateBounded<byte[]>(1);
    private readonly TaskCompletionSource<Http3HeaderSection> _requestHeaders = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<Http3HeaderSection> _responseHeaders = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MemoryStream _requestBody = new();
    private byte[]? _pending;
    private int _pendingOffset;

    public FakeStream(FakeConnection connection, long streamId)
    {
        Connection = connection;
        StreamId = streamId;
    }

    public FakeConnection Connection { get; }

    public long StreamId { get; }

    public Task? ServerTask { get; set; }

    // ---- what the client did ----
    public Task<Http3HeaderSection> RequestHeaders => _requestHeaders.Task;

    public bool RequestEnded { get; private set; }

    public long? WriterAbortCode { get; private set; }

    public long? ReaderAbortCode { get; private set; }

    public byte[] RequestBody
    {
        get
        {
            lock (_requestBody)
            {
                return _requestBody.ToArray();
            }
        }
    }

    public Http3Headers? Trailers { get; private set; }

    // ---- client half: IHttp3MessageWriter ----
    public ValueTask WriteHeadersAsync(Http3Headers pseudoHeaders, Http3Headers fields, bool endStream, CancellationToken cancellationToken)
    {
        ThrowIfWriteClosed();
        _requestHeaders.TrySetResult(new Http3HeaderSection(Copy(pseudoHeaders), Copy(fields)));
        if (endStream)
        {
            RequestEnded = true;
            _request.Writer.TryComplete();
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask WriteDataAsync(ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancellationToken)
    {
        ThrowIfWriteClosed();
        if (!data.IsEmpty)
        {
            try
            {
                await _request.Writer.WriteAsync(data.ToArray(), cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException e)
            {
                throw e.InnerException as Http3Exception ?? new Http3Exception(Http3ErrorCode.InternalError, "fake: request side closed", e);
            }

            lock (_requestBody)
            {
                _requestBody.Write(data.Span);
            }
        }

        if (endStream)
        {
            RequestEnded = true;
            _request.Writer.TryComplete();
        }
    }

    public ValueTask WriteTrailersAsync(Http3Headers trailers, CancellationToken cancellationToken) => CompleteAsync(cancellationToken);

    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        ThrowIfWriteClosed();
        RequestEnded = true;
        _request.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    void IHttp3MessageWriter.Abort(long errorCode)
    {
        WriterAbortCode ??= errorCode;
        _request.Writer.TryComplete(new Http3Exception((Http3ErrorCode)errorCode, "fake: request reset by the client"));
    }

    // ---- client half: IHttp3MessageReader and headers ----
    public ValueTask<Http3HeaderSection> ReadHeadersAsync(CancellationToken cancellationToken) =>
        new(_responseHeaders.Task.WaitAsync(cancellationToken));

    public async ValueTask<int> ReadDataAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_pending is null)
        {
            try
            {
                if (!await _response.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return 0;
                }

                _pending = await _response.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                _pendingOffset = 0;
            }
            catch (ChannelClosedException e) when (e.InnerException is IOException inner)
            {
                throw inner;
            }
        }

        int n = Math.Min(buffer.Length, _pending.Length - _pendingOffset);
        _pending.AsSpan(_pendingOffset, n).CopyTo(buffer.Span);
        _pendingOffset += n;
        if (_pendingOffset == _pending.Length)
        {
            _pending = null;
        }

        return n;
    }

    void IHttp3MessageReader.Abort(long errorCode)
    {
        ReaderAbortCode ??= errorCode;
        var error = new Http3Exception((Http3ErrorCode)errorCode, "fake: reading aborted by the client");
        _responseHeaders.TrySetException(error);
        _response.Writer.TryComplete(error);
    }

    // ---- server half ----

    /// <summary>The next request chunk; null at the request's end. Throws when the client reset it.</summary>
    public async Task<byte[]?> ReadRequestChunkAsync()
    {
        try
        {
            return await _request.Reader.WaitToReadAsync().ConfigureAwait(false) ? await _request.Reader.ReadAsync().ConfigureAwait(false) : null;
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    /// <summary>Reads the whole request content.</summary>
    public async Task<byte[]> ReadRequestBodyAsync()
    {
        var all = new MemoryStream();
        while (await ReadRequestChunkAsync().ConfigureAwait(false) is byte[] chunk)
        {
            all.Write(chunk);
        }

        return all.ToArray();
    }

    public void SendHeaders(int status, params (string Name, string Value)[] fields)
    {
        var pseudo = new Http3Headers();
        pseudo.Add(":status", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        SendHeaders(pseudo, fields);
    }

    public void SendHeaders(Http3Headers pseudo, params (string Name, string Value)[] fields)
    {
        var headers = new Http3Headers();
        foreach ((string name, string value) in fields)
        {
            headers.Add(name, value);
        }

        _responseHeaders.TrySetResult(new Http3HeaderSection(pseudo, headers));
    }

    public async Task SendDataAsync(byte[] data)
    {
        try
        {
            await _response.Writer.WriteAsync(data).ConfigureAwait(false);
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    public void End(params (string Name, string Value)[] trailers)
    {
        if (trailers.Length > 0)
        {
            var t = new Http3Headers();
            foreach ((string name, string value) in trailers)
            {
                t.Add(name, value);
            }

            Trailers = t;
        }

        _response.Writer.TryComplete();
    }

    /// <summary>RESET_STREAM from the server: the client's reads fail with <paramref name="code"/>.</summary>
    public void Reset(Http3ErrorCode code) => Fail(new Http3Exception(code, "fake: stream reset by the server"));

    /// <summary>The client's reads fail with <paramref name="error"/> (e.g. a raw QuicException from the transport).</summary>
    public void Fail(Exception error)
    {
        _responseHeaders.TrySetException(error);
        _response.Writer.TryComplete(error);
    }

    /// <summary>STOP_SENDING from the server: the client's writes fail with <paramref name="code"/>.</summary>
    public void StopSending(Http3ErrorCode code) =>
        _request.Writer.TryComplete(new Http3Exception(code, "fake: the server stopped reading"));

    private void ThrowIfWriteClosed()
    {
        if (WriterAbortCode is long code)
        {
            throw new Http3Exception((Http3ErrorCode)code, "fake: writing after abort");
        }
    }

    private static Http3Headers Copy(Http3Headers headers)
    {
        var copy = new Http3Headers();
        foreach (KeyValuePair<string, string> field in headers)
        {
            copy.AddLowercase(field.Key, field.Value); // exactly as written, so a test can see a name that was not lowercased
        }

        return copy;
    }
}
