namespace SharpQuic.Http3;

/// <summary>One request being served: the request, the response, and a token that fires when the
/// client resets the request stream or the connection goes away.</summary>
public sealed class Http3Context
{
    private readonly RequestAbortSource? _abortSource;
    private readonly CancellationToken _requestAborted;

    internal Http3Context(Http3Request request, Http3Response response, CancellationToken requestAborted)
    {
        Request = request;
        Response = response;
        _requestAborted = requestAborted;
    }

    internal Http3Context(Http3Request request, Http3Response response, RequestAbortSource abortSource)
    {
        Request = request;
        Response = response;
        _abortSource = abortSource;
    }

    /// <summary>The request.</summary>
    public Http3Request Request { get; }

    /// <summary>The response being built.</summary>
    public Http3Response Response { get; }

    /// <summary>Cancelled when the client resets the request stream (or stops reading the
    /// response), or the connection closes.</summary>
    public CancellationToken RequestAborted => _abortSource?.Token ?? _requestAborted;

    /// <summary>A place for handlers and middleware to share per-request values.</summary>
    public IDictionary<object, object?> Items => _items ??= new Dictionary<object, object?>();

    private Dictionary<object, object?>? _items;
}

/// <summary>Handles one request.</summary>
public delegate Task Http3RequestHandler(Http3Context context);
