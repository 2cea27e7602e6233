using System.Text;
using SharpQuic.QPack;

namespace SharpQuic.Http3;

/// <summary>
/// Turns decoded QPACK field lines into a <see cref="Http3HeaderSection"/> and applies the HTTP/3
/// rules for a well-formed message (RFC 9114 §4.2, §4.3): lowercase names, pseudo-headers first,
/// only the pseudo-headers of the message kind, each at most once, none in trailers, no
/// connection-specific fields, no CR/LF/NUL in values. A violation makes the message malformed
/// (H3_MESSAGE_ERROR, §4.1.2); the returned text says why.
/// </summary>
internal static class Http3FieldSection
{
    internal enum Kind
    {
        Request,
        Response,
        Trailers,
    }

    public static bool TryBuild(QPackFieldList lines, Kind kind, out Http3HeaderSection section, out string? problem)
    {
        var pseudo = new Http3Headers();
        var fields = new Http3Headers();
        section = new Http3HeaderSection(pseudo, fields);
        bool regularSeen = false;
        for (int i = 0; i < lines.Count; i++)
        {
            ReadOnlySpan<byte> name = lines.GetName(i);
            ReadOnlySpan<byte> value = lines.GetValue(i);
            if (name.IsEmpty)
            {
                problem = "empty field name";
                return false;
            }

            if (!IsValidValue(value))
            {
                problem = "field value with CR, LF, NUL or surrounding whitespace";
                return false;
            }

            if (name[0] == (byte)':')
            {
                // §4.3: pseudo-headers precede every regular field and never appear in trailers.
                if (regularSeen || kind == Kind.Trailers)
                {
                    problem = "pseudo-header after a regular field or in trailers";
                    return false;
                }

                string pseudoName = KnownPseudoHeader(name, kind);
                if (pseudoName.Length == 0)
                {
                    problem = "unknown or misplaced pseudo-header " + Encoding.Latin1.GetString(name);
                    return false;
                }

                if (pseudo.Contains(pseudoName))
                {
                    problem = "duplicate pseudo-header " + pseudoName;
                    return false;
                }

                pseudo.AddLowercase(pseudoName, Encoding.Latin1.GetString(value));
                continue;
            }

            regularSeen = true;
            if (!IsValidName(name))
            {
                problem = "field name not a lowercase token";
                return false;
            }

            string fieldName = Encoding.Latin1.GetString(name);
            if (IsConnectionSpecific(fieldName, value))
            {
                problem = "connection-specific field " + fieldName;
                return false;
            }

            fields.AddLowercase(fieldName, Encoding.Latin1.GetString(value));
        }

        problem = kind switch
        {
            Kind.Request => CheckRequest(pseudo, fields),
            Kind.Response => CheckResponse(pseudo),
            _ => null,
        };
        return problem is null;
    }

    /// <summary>
    /// The content-length of a message, -1 when absent; false when malformed (not digits, or
    /// several different values — RFC 9110 §8.6).
    /// </summary>
    public static bool TryGetContentLength(Http3Headers fields, out long length)
    {
        length = -1;
        foreach (string value in fields.GetValues("content-length"))
        {
            if (value.Length == 0 || value.Length > 18)
            {
                return false;
            }

            long parsed = 0;
            foreach (char c in value)
            {
                if (c is < '0' or > '9')
                {
                    return false;
                }

                parsed = (parsed * 10) + (c - '0');
            }

            if (length >= 0 && length != parsed)
            {
                return false;
            }

            length = parsed;
        }

        return true;
    }

    /// <summary>Adds <paramref name="headers"/> to <paramref name="lines"/> for encoding, Latin-1, names as stored (lowercase).</summary>
    public static void AppendLines(QPackFieldList lines, Http3Headers headers)
    {
        Span<byte> small = stackalloc byte[256];
        foreach (KeyValuePair<string, string> field in headers)
        {
            int needed = field.Key.Length + field.Value.Length;
            byte[]? rented = needed > small.Length ? System.Buffers.ArrayPool<byte>.Shared.Rent(needed) : null;
            Span<byte> buffer = rented ?? small;
            int nameLength = Encoding.Latin1.GetBytes(field.Key, buffer);
            int valueLength = Encoding.Latin1.GetBytes(field.Value, buffer[nameLength..]);
            // RFC 9204 §7.1.3: authorization and cookie values are never inserted into the table.
            bool sensitive = field.Key is "authorization" or "proxy-authorization" || (field.Key == "cookie" && field.Value.Length < 20);
            lines.Add(buffer[..nameLength], buffer.Slice(nameLength, valueLength), sensitive);
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static string? CheckRequest(Http3Headers pseudo, Http3Headers fields)
    {
        string? method = pseudo[":method"];
        if (method is null || method.Length == 0)
        {
            return "request without :method";
        }

        bool connect = method == "CONNECT";
        string? protocol = pseudo[":protocol"];
        if (connect && protocol is null)
        {
            // §4.4: CONNECT carries :authority only.
            return pseudo.Contains(":scheme") || pseudo.Contains(":path") || !pseudo.Contains(":authority")
                ? "malformed CONNECT request"
                : null;
        }

        if (protocol is not null && !connect)
        {
            return ":protocol outside an extended CONNECT";
        }

        string? scheme = pseudo[":scheme"];
        string? path = pseudo[":path"];
        if (scheme is null || path is null || path.Length == 0)
        {
            return "request without :scheme or :path";
        }

        if (scheme is "http" or "https")
        {
            // §4.3.1: an authority is mandatory for http(s); :authority and host must agree.
            string? authority = pseudo[":authority"];
            string? host = fields["host"];
            if (string.IsNullOrEmpty(authority) && string.IsNullOrEmpty(host))
            {
                return "request without :authority or host";
            }

            if (authority is not null && host is not null && !string.Equals(authority, host, StringComparison.OrdinalIgnoreCase))
            {
                return ":authority and host differ";
            }

            if (path[0] != '/' && !(path == "*" && method == "OPTIONS"))
            {
                return ":path is not an absolute path";
            }
        }

        return null;
    }

    private static string? CheckResponse(Http3Headers pseudo)
    {
        string? status = pseudo[":status"];
        if (status is not { Length: 3 } || status[0] is < '1' or > '9' || status[1] is < '0' or > '9' || status[2] is < '0' or > '9')
        {
            return "response without a valid :status";
        }

        return null;
    }

    private static string KnownPseudoHeader(ReadOnlySpan<byte> name, Kind kind)
    {
        if (kind == Kind.Response)
        {
            return name.SequenceEqual(":status"u8) ? ":status" : string.Empty;
        }

        if (name.SequenceEqual(":method"u8))
        {
            return ":method";
        }

        if (name.SequenceEqual(":scheme"u8))
        {
            return ":scheme";
        }

        if (name.SequenceEqual(":authority"u8))
        {
            return ":authority";
        }

        if (name.SequenceEqual(":path"u8))
        {
            return ":path";
        }

        return name.SequenceEqual(":protocol"u8) ? ":protocol" : string.Empty;
    }

    private static bool IsConnectionSpecific(string name, ReadOnlySpan<byte> value) => name switch
    {
        // §4.2: these are HTTP/1.1 connection management; "te" may only say "trailers".
        "connection" or "keep-alive" or "proxy-connection" or "transfer-encoding" or "upgrade" => true,
        "te" => !value.SequenceEqual("trailers"u8),
        _ => false,
    };

    private static bool IsValidName(ReadOnlySpan<byte> name)
    {
        foreach (byte b in name)
        {
            // RFC 9110 §5.1 token characters, lowercase only (RFC 9114 §4.2).
            bool ok = b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
                or (byte)'!' or (byte)'#' or (byte)'$' or (byte)'%' or (byte)'&' or (byte)'\'' or (byte)'*'
                or (byte)'+' or (byte)'-' or (byte)'.' or (byte)'^' or (byte)'_' or (byte)'`' or (byte)'|' or (byte)'~';
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidValue(ReadOnlySpan<byte> value)
    {
        if (value.IndexOfAny((byte)0, (byte)'\r', (byte)'\n') >= 0)
        {
            return false;
        }

        return value.IsEmpty || (value[0] is not ((byte)' ' or (byte)'\t') && value[^1] is not ((byte)' ' or (byte)'\t'));
    }
}
