namespace SharpQuic.Http3;

/// <summary>
/// Maps requests to handlers by method and path. Patterns are made of whole segments: literals
/// (matched case-insensitively), <c>{name}</c> (one segment), <c>{name:int}</c> (one 32-bit
/// integer segment) and a last <c>{*name}</c> (the rest of the path, possibly empty). Per
/// segment a literal beats <c>{name:int}</c>, which beats <c>{name}</c>, which beats a catch-all.
/// Captured values are percent-decoded into <see cref="Http3Request.RouteValues"/>.
/// </summary>
/// <remarks>
/// No route for the path: the fallback handler, else 404. A route for the path but not the method:
/// 405 with an allow field (or, for OPTIONS, 204 with it). HEAD is served by the GET route with the
/// response body discarded. Register every route before the server starts: registration is not
/// safe to run concurrently with dispatch.
/// </remarks>
public sealed class Http3RouteTable
{
    private static readonly byte[] NotFoundBody = "404 Not Found\n"u8.ToArray();
    private static readonly byte[] MethodNotAllowedBody = "405 Method Not Allowed\n"u8.ToArray();

    private readonly RouteNode _root = new();
    private Http3RequestHandler? _fallback;

    /// <summary>Maps GET (and so HEAD) requests for <paramref name="pattern"/>.</summary>
    public Http3RouteTable MapGet(string pattern, Http3RequestHandler handler) => Map("GET", pattern, handler);

    /// <summary>Maps POST requests for <paramref name="pattern"/>.</summary>
    public Http3RouteTable MapPost(string pattern, Http3RequestHandler handler) => Map("POST", pattern, handler);

    /// <summary>Maps PUT requests for <paramref name="pattern"/>.</summary>
    public Http3RouteTable MapPut(string pattern, Http3RequestHandler handler) => Map("PUT", pattern, handler);

    /// <summary>Maps DELETE requests for <paramref name="pattern"/>.</summary>
    public Http3RouteTable MapDelete(string pattern, Http3RequestHandler handler) => Map("DELETE", pattern, handler);

    /// <summary>Maps PATCH requests for <paramref name="pattern"/>.</summary>
    public Http3RouteTable MapPatch(string pattern, Http3RequestHandler handler) => Map("PATCH", pattern, handler);

    /// <summary>Maps requests with <paramref name="method"/> (case-sensitive, RFC 9110 §9.1) for <paramref name="pattern"/>.</summary>
    /// <exception cref="ArgumentException">The method or pattern is invalid, or the pair is already mapped.</exception>
    public Http3RouteTable Map(string method, string pattern, Http3RequestHandler handler) => MapMethods([method], pattern, handler);

    /// <summary>Maps every method in <paramref name="methods"/> for <paramref name="pattern"/> to one handler.
    /// Nothing is registered when any of them fails.</summary>
    /// <exception cref="ArgumentException">A method or the pattern is invalid, or a pair is already mapped.</exception>
    public Http3RouteTable MapMethods(IEnumerable<string> methods, string pattern, Http3RequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(methods);
        ArgumentNullException.ThrowIfNull(handler);
        RouteSegment[] segments = RoutePattern.Parse(pattern);
        var list = new List<string>();
        foreach (string method in methods)
        {
            ValidateMethod(method);
            if (list.Contains(method))
            {
                throw new ArgumentException($"The method '{method}' is listed twice.", nameof(methods));
            }

            list.Add(method);
        }

        if (list.Count == 0)
        {
            throw new ArgumentException("At least one method is required.", nameof(methods));
        }

        // Find the node first and check every method, so a failure leaves the table unchanged
        // (apart from empty nodes, which match nothing).
        RouteNode node = _root;
        foreach (RouteSegment segment in segments)
        {
            node = node.GetOrAddChild(segment);
        }

        foreach (string method in list)
        {
            if (node.HasMethod(method))
            {
                throw new ArgumentException($"A route for {method} {pattern} (or an equivalent pattern) is already mapped.", nameof(pattern));
            }
        }

        var entry = new RouteEntry(pattern, segments, handler);
        foreach (string method in list)
        {
            node.AddEndpoint(method, entry);
        }

        return this;
    }

    /// <summary>
    /// Serves WebTransport sessions (draft-ietf-webtrans-http3 §3.2) at <paramref name="pattern"/>: an extended
    /// CONNECT with :protocol webtransport-h3 (or the earlier drafts' "webtransport") gets a 200 and
    /// <paramref name="handler"/> runs for the session's life. Needs <see cref="Http3ServerOptions.WebTransport"/>
    /// (501 otherwise); more sessions than allowed per connection are reset with H3_REQUEST_REJECTED.
    /// </summary>
    public Http3RouteTable MapWebTransport(string pattern, WebTransportSessionHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Map("CONNECT", pattern, context => WebTransportServerEndpoint.AcceptAsync(context, handler));
    }

    /// <summary>Sets the handler for requests whose path no route matches (instead of a 404).</summary>
    /// <exception cref="InvalidOperationException">A fallback is already set.</exception>
    public Http3RouteTable MapFallback(Http3RequestHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_fallback is not null)
        {
            throw new InvalidOperationException("A fallback handler is already mapped.");
        }

        _fallback = handler;
        return this;
    }

    /// <summary>
    /// Routes one request: sets <see cref="Http3Request.RouteValues"/> and calls the handler, or
    /// answers 404/405/204 itself. Does not complete the response: the server does when this returns.
    /// </summary>
    internal Task DispatchAsync(Http3Context context)
    {
        Http3Request request = context.Request;
        Http3Response response = context.Response;
        if (request.Method == "HEAD")
        {
            response.SuppressBody = true;
        }

        // Anything but an origin-form path ("*", CONNECT's empty path) matches no route.
        string path = request.Path;
        RouteMatchKind kind = RouteMatchKind.NoPath;
        RouteEntry? entry = null;
        Dictionary<string, string>? values = null;
        List<string>? allow = null;
        if (path.Length > 0 && path[0] == '/')
        {
            kind = RouteMatcher.Match(_root, request.Method, path, out entry, out values, out allow);
        }

        switch (kind)
        {
            case RouteMatchKind.Found:
                if (values is not null)
                {
                    request.RouteValues = values;
                }

                return entry!.Handler(context);
            case RouteMatchKind.MethodNotAllowed:
                // RFC 9110 §15.5.6: a 405 lists the allowed methods; §9.3.7: OPTIONS may answer with them.
                response.Headers["allow"] = string.Join(", ", allow!);
                if (request.Method == "OPTIONS")
                {
                    response.StatusCode = 204;
                    return Task.CompletedTask;
                }

                return WriteErrorAsync(context, 405, MethodNotAllowedBody);
            default:
                return _fallback is not null ? _fallback(context) : WriteErrorAsync(context, 404, NotFoundBody);
        }
    }

    private static Task WriteErrorAsync(Http3Context context, int status, byte[] body)
    {
        Http3Response response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = body.Length;
        return response.WriteBodyAsync(body, context.RequestAborted).AsTask();
    }

    // RFC 9110 §9.1: a method is a token (§5.6.2).
    private static void ValidateMethod(string method)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        foreach (char c in method)
        {
            if (!char.IsAsciiLetterOrDigit(c) && "!#$%&'*+-.^_`|~".IndexOf(c, StringComparison.Ordinal) < 0)
            {
                throw new ArgumentException($"'{method}' is not a valid HTTP method token.", nameof(method));
            }
        }
    }
}
