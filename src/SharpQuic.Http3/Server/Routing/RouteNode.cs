namespace SharpQuic.Http3;

/// <summary>
/// One node of the route trie: the patterns that share a prefix of segments share the path to a
/// node. Children are tried in precedence order — literal, then <c>{x:int}</c>, then <c>{x}</c>,
/// then the catch-all — so the most specific route wins per segment, with backtracking.
/// </summary>
internal sealed class RouteNode
{
    /// <summary>Literal children, matched case-insensitively (ordinal) against the decoded segment.</summary>
    public Dictionary<string, RouteNode>? Literals { get; private set; }

    public RouteNode? IntParameter { get; private set; }

    public RouteNode? Parameter { get; private set; }

    /// <summary>The node a <c>{*name}</c> ends at; it has endpoints and no children.</summary>
    public RouteNode? CatchAll { get; private set; }

    /// <summary>The routes that end here, by method (methods are case-sensitive, RFC 9110 §9.1).</summary>
    public Dictionary<string, RouteEntry>? Endpoints { get; private set; }

    /// <summary>The methods of <see cref="Endpoints"/> in registration order, for the allow field.</summary>
    public List<string>? Methods { get; private set; }

    public RouteNode GetOrAddChild(RouteSegment segment)
    {
        switch (segment.Kind)
        {
            case RouteSegmentKind.Literal:
                Literals ??= new Dictionary<string, RouteNode>(StringComparer.OrdinalIgnoreCase);
                if (!Literals.TryGetValue(segment.Text, out RouteNode? literal))
                {
                    literal = new RouteNode();
                    Literals.Add(segment.Text, literal);
                }

                return literal;
            case RouteSegmentKind.IntParameter:
                return IntParameter ??= new RouteNode();
            case RouteSegmentKind.Parameter:
                return Parameter ??= new RouteNode();
            default:
                return CatchAll ??= new RouteNode();
        }
    }

    public bool HasMethod(string method) => Endpoints is not null && Endpoints.ContainsKey(method);

    public void AddEndpoint(string method, RouteEntry entry)
    {
        Endpoints ??= new Dictionary<string, RouteEntry>(StringComparer.Ordinal);
        Methods ??= [];
        Endpoints.Add(method, entry);
        Methods.Add(method);
    }
}

/// <summary>A registered route: its handler and its compiled segments (which name the parameters by depth).</summary>
internal sealed class RouteEntry(string pattern, RouteSegment[] segments, Http3RequestHandler handler)
{
    public string Pattern { get; } = pattern;

    public RouteSegment[] Segments { get; } = segments;

    public Http3RequestHandler Handler { get; } = handler;

    /// <summary>Whether any segment captures a value (when not, no dictionary is built per request).</summary>
    public bool HasParameters { get; } = Array.Exists(segments, static s => s.Kind != RouteSegmentKind.Literal);
}
