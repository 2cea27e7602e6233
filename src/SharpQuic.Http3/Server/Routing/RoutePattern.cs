namespace SharpQuic.Http3;

/// <summary>What one segment of a route pattern matches.</summary>
internal enum RouteSegmentKind
{
    /// <summary>Exactly this text (case-insensitive, ordinal), compared with the decoded path segment.</summary>
    Literal,

    /// <summary><c>{name}</c>: any one non-empty segment.</summary>
    Parameter,

    /// <summary><c>{name:int}</c>: one segment that is a 32-bit integer.</summary>
    IntParameter,

    /// <summary><c>{*name}</c>: the rest of the path, '/' included, possibly empty (last segment only).</summary>
    CatchAll,
}

/// <summary>One segment of a compiled route pattern: a literal's text or a parameter's name.</summary>
internal readonly record struct RouteSegment(RouteSegmentKind Kind, string Text);

/// <summary>
/// A route pattern compiled at registration: "/users/{id:int}/files/{*path}". Segments are whole:
/// a literal, <c>{name}</c>, <c>{name:int}</c>, or a last <c>{*name}</c>. Anything else (empty
/// segments, "a{b}", "{id?}", unknown constraints, repeated names, '%', '?', '#') is refused with
/// <see cref="ArgumentException"/>, so a typo fails at startup rather than never matching.
/// </summary>
internal static class RoutePattern
{
    /// <summary>Patterns deeper than this are refused; it bounds the matcher's recursion and stack use.</summary>
    public const int MaxSegments = 64;

    public static RouteSegment[] Parse(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        if (pattern[0] != '/')
        {
            throw new ArgumentException($"Route pattern '{pattern}' must start with '/'.", nameof(pattern));
        }

        if (pattern.Length == 1)
        {
            return [];
        }

        string[] parts = pattern[1..].Split('/');
        if (parts.Length > MaxSegments)
        {
            throw new ArgumentException($"Route pattern '{pattern}' has more than {MaxSegments} segments.", nameof(pattern));
        }

        var segments = new RouteSegment[parts.Length];
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < parts.Length; i++)
        {
            segments[i] = ParseSegment(pattern, parts[i]);
            RouteSegmentKind kind = segments[i].Kind;
            if (kind == RouteSegmentKind.CatchAll && i != parts.Length - 1)
            {
                throw new ArgumentException($"Route pattern '{pattern}': a catch-all parameter must be the last segment.", nameof(pattern));
            }

            if (kind != RouteSegmentKind.Literal && !names.Add(segments[i].Text))
            {
                throw new ArgumentException($"Route pattern '{pattern}' uses the parameter name '{segments[i].Text}' twice.", nameof(pattern));
            }
        }

        return segments;
    }

    private static RouteSegment ParseSegment(string pattern, string part)
    {
        if (part.Length == 0)
        {
            throw new ArgumentException($"Route pattern '{pattern}' has an empty segment.", nameof(pattern));
        }

        if (part[0] != '{')
        {
            if (part.AsSpan().IndexOfAny("{}%?#\\") >= 0)
            {
                throw new ArgumentException($"Route pattern '{pattern}': the segment '{part}' has a reserved character.", nameof(pattern));
            }

            return new RouteSegment(RouteSegmentKind.Literal, part);
        }

        if (part.Length < 3 || part[^1] != '}')
        {
            throw new ArgumentException($"Route pattern '{pattern}': the segment '{part}' must be a whole '{{name}}'.", nameof(pattern));
        }

        ReadOnlySpan<char> inner = part.AsSpan(1, part.Length - 2);
        RouteSegmentKind kind = RouteSegmentKind.Parameter;
        if (inner[0] == '*')
        {
            kind = RouteSegmentKind.CatchAll;
            inner = inner[1..];
        }

        int colon = inner.IndexOf(':');
        if (colon >= 0)
        {
            if (kind == RouteSegmentKind.CatchAll || !inner[(colon + 1)..].SequenceEqual("int"))
            {
                throw new ArgumentException($"Route pattern '{pattern}': unsupported constraint in '{part}' (only '{{name:int}}').", nameof(pattern));
            }

            kind = RouteSegmentKind.IntParameter;
            inner = inner[..colon];
        }

        if (inner.IsEmpty)
        {
            throw new ArgumentException($"Route pattern '{pattern}': the segment '{part}' has no parameter name.", nameof(pattern));
        }

        foreach (char c in inner)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                throw new ArgumentException($"Route pattern '{pattern}': the parameter name in '{part}' may hold only letters, digits and '_'.", nameof(pattern));
            }
        }

        return new RouteSegment(kind, inner.ToString());
    }
}
