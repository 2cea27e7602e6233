using System.Buffers;

namespace SharpQuic.Http3;

/// <summary>What a lookup found: a route to call, a path that exists without the method, or nothing.</summary>
internal enum RouteMatchKind
{
    NoPath,
    MethodNotAllowed,
    Found,
}

/// <summary>
/// Walks the route trie for one request path without allocating: segments are cut from the raw
/// path by index, decoded into a stack (or pooled) buffer for comparison, and only turned into
/// strings once a route with parameters has matched.
/// </summary>
internal static class RouteMatcher
{
    /// <summary>Paths up to this many chars decode on the stack; longer ones rent from the pool.</summary>
    private const int StackChars = 256;

    /// <summary>
    /// Finds the route for <paramref name="method"/> and <paramref name="path"/> (which starts with
    /// '/'). For a match, <paramref name="entry"/> is the route and <paramref name="values"/> its
    /// decoded parameters (an empty shared dictionary when it has none). For a path match without
    /// the method, <paramref name="allow"/> lists the methods the path has.
    /// </summary>
    public static RouteMatchKind Match(
        RouteNode root,
        string method,
        string path,
        out RouteEntry? entry,
        out Dictionary<string, string>? values,
        out List<string>? allow)
    {
        entry = null;
        values = null;
        allow = null;
        ReadOnlySpan<char> body = path.AsSpan(1);

        char[]? rentedChars = null;
        byte[]? rentedBytes = null;
        Span<char> chars = body.Length <= StackChars
            ? stackalloc char[StackChars]
            : (rentedChars = ArrayPool<char>.Shared.Rent(body.Length));
        Span<byte> bytes = body.Length <= StackChars
            ? stackalloc byte[PercentDecoder.ScratchBytes(StackChars)]
            : (rentedBytes = ArrayPool<byte>.Shared.Rent(PercentDecoder.ScratchBytes(body.Length)));
        Span<int> starts = stackalloc int[RoutePattern.MaxSegments];
        Span<int> ends = stackalloc int[RoutePattern.MaxSegments];
        try
        {
            var state = new MatchState(body, method, starts, ends, chars, bytes);
            if (Find(root, ref state, 0, 0))
            {
                entry = state.Entry!;
                values = entry.HasParameters ? BuildValues(entry, ref state) : null;
                return RouteMatchKind.Found;
            }

            if (!state.PathMatched)
            {
                return RouteMatchKind.NoPath;
            }

            // The error path may allocate: visit every route the path matches and list their methods.
            state.Allow = [];
            Find(root, ref state, 0, 0);
            allow = state.Allow;
            return RouteMatchKind.MethodNotAllowed;
        }
        finally
        {
            if (rentedChars is not null)
            {
                ArrayPool<char>.Shared.Return(rentedChars);
            }

            if (rentedBytes is not null)
            {
                ArrayPool<byte>.Shared.Return(rentedBytes);
            }
        }
    }

    /// <summary>
    /// Depth-first, most specific child first; true when a route with the method was found. Each
    /// segment consumes exactly one path segment, so a trie node is reached at one path position
    /// only and a walk visits each node at most once: backtracking stays linear in the trie's size.
    /// </summary>
    private static bool Find(RouteNode node, ref MatchState s, int pos, int depth)
    {
        if (pos > s.TrimmedLength)
        {
            // Every segment is used: the routes ending at this node match the path.
            if (node.Endpoints is not null && Accept(node, ref s))
            {
                return true;
            }
        }
        else if (depth < RoutePattern.MaxSegments)
        {
            int slash = s.Body[pos..s.TrimmedLength].IndexOf('/');
            int end = slash < 0 ? s.TrimmedLength : pos + slash;
            ReadOnlySpan<char> raw = s.Body[pos..end];
            s.Starts[depth] = pos;
            s.Ends[depth] = end;
            int next = end + 1;

            RouteNode? literal = null;
            bool isInt = false;
            if (node.Literals is not null || node.IntParameter is not null)
            {
                int length = PercentDecoder.Decode(raw, s.Chars, s.Bytes);
                ReadOnlySpan<char> decoded = s.Chars[..length];
                isInt = int.TryParse(decoded, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _);
                node.Literals?.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(decoded, out literal);
            }

            if (literal is not null && Find(literal, ref s, next, depth + 1))
            {
                return true;
            }

            // A parameter captures one non-empty segment.
            if (!raw.IsEmpty)
            {
                if (isInt && node.IntParameter is not null && Find(node.IntParameter, ref s, next, depth + 1))
                {
                    return true;
                }

                if (node.Parameter is not null && Find(node.Parameter, ref s, next, depth + 1))
                {
                    return true;
                }
            }
        }

        if (node.CatchAll is not null)
        {
            s.CatchAllStart = Math.Min(pos, s.Body.Length);
            return Accept(node.CatchAll, ref s);
        }

        return false;
    }

    private static bool Accept(RouteNode node, ref MatchState s)
    {
        Dictionary<string, RouteEntry> endpoints = node.Endpoints!;
        if (s.Allow is not null)
        {
            foreach (string method in node.Methods!)
            {
                AddOnce(s.Allow, method);
                if (method == "GET")
                {
                    AddOnce(s.Allow, "HEAD");
                }
            }

            AddOnce(s.Allow, "OPTIONS");
            return false;
        }

        // RFC 9110 §9.3.2: HEAD is GET without content, so a GET route serves it.
        if (endpoints.TryGetValue(s.Method, out RouteEntry? entry)
            || (s.Method == "HEAD" && endpoints.TryGetValue("GET", out entry)))
        {
            s.Entry = entry;
            return true;
        }

        s.PathMatched = true;
        return false;
    }

    private static void AddOnce(List<string> list, string method)
    {
        if (!list.Contains(method))
        {
            list.Add(method);
        }
    }

    private static Dictionary<string, string> BuildValues(RouteEntry entry, ref MatchState s)
    {
        RouteSegment[] segments = entry.Segments;
        var values = new Dictionary<string, string>(segments.Length, StringComparer.OrdinalIgnoreCase);
        for (int depth = 0; depth < segments.Length; depth++)
        {
            RouteSegment segment = segments[depth];
            switch (segment.Kind)
            {
                case RouteSegmentKind.Parameter or RouteSegmentKind.IntParameter:
                    values[segment.Text] = PercentDecoder.DecodeToString(s.Body[s.Starts[depth]..s.Ends[depth]]);
                    break;
                case RouteSegmentKind.CatchAll:
                    values[segment.Text] = PercentDecoder.DecodeToString(s.Body[s.CatchAllStart..]);
                    break;
            }
        }

        return values;
    }

    /// <summary>The walk's inputs, scratch buffers and results, passed by reference through the recursion.</summary>
    private ref struct MatchState
    {
        public MatchState(ReadOnlySpan<char> body, string method, Span<int> starts, Span<int> ends, Span<char> chars, Span<byte> bytes)
        {
            Body = body;
            Method = method;
            Starts = starts;
            Ends = ends;
            Chars = chars;
            Bytes = bytes;

            // "/" has no segments; one trailing '/' is not an extra empty segment ("/users/" is "/users"),
            // though a catch-all still sees it.
            TrimmedLength = body.IsEmpty ? -1 : body[^1] == '/' ? body.Length - 1 : body.Length;
        }

        public ReadOnlySpan<char> Body { get; }

        public int TrimmedLength { get; }

        public string Method { get; }

        public Span<int> Starts { get; }

        public Span<int> Ends { get; }

        public Span<char> Chars { get; }

        public Span<byte> Bytes { get; }

        public RouteEntry? Entry { get; set; }

        public bool PathMatched { get; set; }

        public int CatchAllStart { get; set; }

        public List<string>? Allow { get; set; }
    }
}
