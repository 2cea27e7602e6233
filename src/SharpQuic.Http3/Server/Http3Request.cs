using System.IO.Pipelines;
using System.Net;

namespace SharpQuic.Http3;

/// <summary>
/// An HTTP/3 request as the server sees it: the pseudo-headers (RFC 9114 §4.3.1), the fields, the
/// content as a <see cref="Stream"/> or <see cref="PipeReader"/>, and the trailers.
/// </summary>
public sealed class Http3Request
{
    private readonly IHttp3MessageReader _reader;
    private readonly Http3BodyReadStream _body;
    private PipeReader? _bodyReader;
    private Dictionary<string, string>? _query;

    internal Http3Request(string method, string scheme, string authority, string pathAndQuery, string? protocol, Http3Headers headers, IHttp3MessageReader reader)
    {
        Method = method;
        Scheme = scheme;
        Authority = authority;
        int question = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        Path = question < 0 ? pathAndQuery : pathAndQuery[..question];
        QueryString = question < 0 ? string.Empty : pathAndQuery[question..];
        Protocol = protocol;
        Headers = headers;
        _reader = reader;
        _body = new Http3BodyReadStream(reader);
    }

    /// <summary>The <c>:method</c>, e.g. "GET".</summary>
    public string Method { get; }

    /// <summary>The <c>:scheme</c>, usually "https".</summary>
    public string Scheme { get; }

    /// <summary>The <c>:authority</c> (host and optional port).</summary>
    public string Authority { get; }

    /// <summary>The path part of <c>:path</c>, still percent-encoded, e.g. "/files/a%20b.txt".</summary>
    public string Path { get; }

    /// <summary>The query part of <c>:path</c> including its '?', or empty.</summary>
    public string QueryString { get; }

    /// <summary>The <c>:protocol</c> of an extended CONNECT (RFC 9220), or null.</summary>
    public string? Protocol { get; }

    /// <summary>The request fields (pseudo-headers excluded).</summary>
    public Http3Headers Headers { get; }

    /// <summary>The content-length field, when present.</summary>
    public long? ContentLength => Headers.TryGetValue("content-length", out string? value) && long.TryParse(value, out long length) ? length : null;

    /// <summary>The query parameters, percent-decoded; the first value wins when a name repeats.</summary>
    public IReadOnlyDictionary<string, string> Query => _query ??= ParseQuery(QueryString);

    /// <summary>The request content.</summary>
    public Stream Body => _body;

    /// <summary>The request content as a pipe.</summary>
    public PipeReader BodyReader => _bodyReader ??= PipeReader.Create(_body, new StreamPipeReaderOptions(leaveOpen: true));

    /// <summary>The trailers, once the body has been read to its end; null before that or when there were none.</summary>
    public Http3Headers? Trailers => _body.Ended ? _reader.Trailers : null;

    /// <summary>The request's priority (RFC 9218): from its priority field, or the client's latest PRIORITY_UPDATE.</summary>
    public Http3Priority Priority => (_reader as Http3RequestStream)?.Priority ?? Http3Priority.Default;

    /// <summary>"HTTP/3", or the TCP protocol when the same routes are served by a front such as Kestrel.</summary>
    public string HttpVersion { get; internal init; } = "HTTP/3";

    /// <summary>The client's address.</summary>
    public IPEndPoint? RemoteEndPoint { get; internal init; }

    /// <summary>Values captured by the route pattern ("{id}" → RouteValues["id"]), percent-decoded.</summary>
    public IReadOnlyDictionary<string, string> RouteValues { get; internal set; } = EmptyValues;

    internal IHttp3MessageReader Reader => _reader;

    private static readonly Dictionary<string, string> EmptyValues = new(StringComparer.OrdinalIgnoreCase);

    private static Dictionary<string, string> ParseQuery(string queryString)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        ReadOnlySpan<char> rest = queryString.AsSpan().TrimStart('?');
        while (!rest.IsEmpty)
        {
            int amp = rest.IndexOf('&');
            ReadOnlySpan<char> pair = amp < 0 ? rest : rest[..amp];
            rest = amp < 0 ? [] : rest[(amp + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            int eq = pair.IndexOf('=');
            string name = Decode(eq < 0 ? pair : pair[..eq]);
            string value = eq < 0 ? string.Empty : Decode(pair[(eq + 1)..]);
            result.TryAdd(name, value);
        }

        return result;
    }

    private static string Decode(ReadOnlySpan<char> part) => Uri.UnescapeDataString(part.ToString().Replace('+', ' '));
}
