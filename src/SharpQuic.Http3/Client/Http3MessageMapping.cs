using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace SharpQuic.Http3;

/// <summary>
/// Between <see cref="HttpRequestMessage"/>/<see cref="HttpResponseMessage"/> and HTTP/3 header sections:
/// the version policy, the request pseudo-headers and fields (RFC 9114 §4.2, §4.3.1), the response status and
/// fields (§4.3.2), trailers.
/// </summary>
internal static class Http3MessageMapping
{
    /// <summary>
    /// Throws <see cref="HttpRequestException"/> unless the request may go over HTTP/3: version 3.0 under any policy,
    /// a lower version only with <see cref="HttpVersionPolicy.RequestVersionOrHigher"/>, a higher one only with
    /// <see cref="HttpVersionPolicy.RequestVersionOrLower"/>. This handler speaks nothing but HTTP/3.
    /// </summary>
    public static void CheckVersion(HttpRequestMessage request)
    {
        Version version = request.Version;
        bool allowed = (version.Major, version.Minor) switch
        {
            (3, 0) => true,
            _ when version < HttpVersion.Version30 => request.VersionPolicy == HttpVersionPolicy.RequestVersionOrHigher,
            _ => request.VersionPolicy == HttpVersionPolicy.RequestVersionOrLower,
        };
        if (!allowed)
        {
            throw new HttpRequestException(
                HttpRequestError.VersionNegotiationError,
                $"Requesting HTTP version {version} with version policy {request.VersionPolicy} while this handler only speaks HTTP/3.");
        }
    }

    /// <summary>
    /// The request's header section. Pseudo-headers, in this order (RFC 9114 §4.3.1): :method, :scheme ("https"),
    /// :authority (the Host header when set, else the URI's host and non-default port), :path (path and query, "/"
    /// at least). Fields: the request's and its content's headers, names lowercased (§4.2), connection-specific
    /// ones dropped (connection and the names it lists, keep-alive, proxy-connection, transfer-encoding, upgrade),
    /// host moved into :authority, te kept only as "trailers", content-length when the length is known.
    /// Throws <see cref="HttpRequestException"/> for CONNECT (not supported) or a value with CR, LF or NUL.
    /// </summary>
    public static (Http3Headers PseudoHeaders, Http3Headers Fields) BuildRequestHeaders(HttpRequestMessage request, Http3Origin origin)
    {
        if (request.Method == HttpMethod.Connect)
        {
            // RFC 9114 §4.4: a CONNECT request turns the stream into a tunnel, which an HttpContent/response pair
            // cannot express; this handler does not offer it.
            throw new HttpRequestException(HttpRequestError.Unknown, "CONNECT is not supported by the HTTP/3 message handler.");
        }

        Uri uri = request.RequestUri!;
        string? host = request.Headers.NonValidated.TryGetValues("Host", out HeaderStringValues hostValues) ? hostValues.ToString() : null;
        string path = uri.PathAndQuery;
        var pseudo = new Http3Headers();
        pseudo.AddLowercase(":method", request.Method.Method);
        pseudo.AddLowercase(":scheme", "https");
        pseudo.AddLowercase(":authority", string.IsNullOrEmpty(host) ? origin.Authority : CheckValue("host", host));
        pseudo.AddLowercase(":path", path.Length == 0 ? "/" : path);

        var fields = new Http3Headers();
        HashSet<string>? nominated = NominatedByConnection(request.Headers);
        AddFields(fields, request.Headers.NonValidated, nominated);
        HttpContent? content = request.Content;
        if (content is not null)
        {
            // Reading ContentLength asks the content to compute it when no header was set (ByteArrayContent etc.).
            long? length = content.Headers.ContentLength;
            AddFields(fields, content.Headers.NonValidated, nominated);
            if (length is long known)
            {
                fields.Add("content-length", known.ToString(CultureInfo.InvariantCulture));
            }
        }

        return (pseudo, fields);
    }

    /// <summary>
    /// The status of a response header section: exactly one ":status" of three digits, 200–599 (informational
    /// responses never reach here; 101 has no meaning in HTTP/3, RFC 9114 §4.5), and no other pseudo-header.
    /// </summary>
    public static bool TryGetStatus(Http3Headers pseudoHeaders, out int status)
    {
        status = 0;
        if (pseudoHeaders.Count != 1)
        {
            return false;
        }

        foreach (KeyValuePair<string, string> field in pseudoHeaders)
        {
            string value = field.Value;
            if (field.Key != ":status" || value.Length != 3 || !char.IsAsciiDigit(value[0]) || !char.IsAsciiDigit(value[1]) || !char.IsAsciiDigit(value[2]))
            {
                return false;
            }

            status = ((value[0] - '0') * 100) + ((value[1] - '0') * 10) + (value[2] - '0');
        }

        return status is >= 200 and <= 599;
    }

    /// <summary>Adds response fields to the response's headers, or its content's when they are content headers.</summary>
    public static void CopyResponseFields(Http3Headers fields, HttpResponseMessage response, HttpContent content)
    {
        foreach (KeyValuePair<string, string> field in fields)
        {
            // HttpResponseHeaders refuses content headers (content-type, content-length, …): those go on the content.
            if (!response.Headers.TryAddWithoutValidation(field.Key, field.Value))
            {
                content.Headers.TryAddWithoutValidation(field.Key, field.Value);
            }
        }
    }

    /// <summary>Copies a trailer section into <see cref="HttpResponseMessage.TrailingHeaders"/>.</summary>
    public static void CopyTrailers(Http3Headers? trailers, HttpResponseMessage response)
    {
        if (trailers is null)
        {
            return;
        }

        foreach (KeyValuePair<string, string> field in trailers)
        {
            response.TrailingHeaders.TryAddWithoutValidation(field.Key, field.Value);
        }
    }

    private static void AddFields(Http3Headers fields, HttpHeadersNonValidated headers, HashSet<string>? nominated)
    {
        foreach (KeyValuePair<string, HeaderStringValues> header in headers)
        {
            string name = header.Key;
            if (IsConnectionSpecific(name) || (nominated is not null && nominated.Contains(name)))
            {
                continue;
            }

            if (string.Equals(name, "te", StringComparison.OrdinalIgnoreCase))
            {
                // RFC 9114 §4.2: TE may only say "trailers".
                if (ListsToken(header.Value, "trailers"))
                {
                    fields.Add("te", "trailers");
                }

                continue;
            }

            // Several values become one line, joined with the header's own separator (", ", or " " for User-Agent).
            string value = header.Value.Count == 1 ? FirstValue(header.Value) : header.Value.ToString();
            fields.Add(name, CheckValue(name, value));
        }
    }

    private static bool IsConnectionSpecific(string name) =>
        string.Equals(name, "connection", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "keep-alive", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "proxy-connection", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "transfer-encoding", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "upgrade", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "host", StringComparison.OrdinalIgnoreCase)
        || string.Equals(name, "content-length", StringComparison.OrdinalIgnoreCase); // added once, from the computed length

    /// <summary>The field names a Connection header lists: connection-specific too (RFC 9110 §7.6.1).</summary>
    private static HashSet<string>? NominatedByConnection(HttpRequestHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues("Connection", out HeaderStringValues values))
        {
            return null;
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string value in values)
        {
            foreach (string token in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                names.Add(token);
            }
        }

        return names;
    }

    private static bool ListsToken(HeaderStringValues values, string token)
    {
        foreach (string value in values)
        {
            foreach (string part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int semicolon = part.IndexOf(';', StringComparison.Ordinal);
                ReadOnlySpan<char> name = semicolon < 0 ? part : part.AsSpan(0, semicolon).TrimEnd();
                if (name.Equals(token, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string FirstValue(HeaderStringValues values)
    {
        foreach (string value in values)
        {
            return value;
        }

        return string.Empty;
    }

    /// <summary>RFC 9114 §4.2 / RFC 9110 §5.5: CR, LF and NUL make a field value invalid; refuse rather than send it.</summary>
    private static string CheckValue(string name, string value)
    {
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw new HttpRequestException(HttpRequestError.Unknown, $"The value of request header '{name}' contains CR, LF or NUL.");
        }

        return value;
    }
}
