using System.Text;

namespace SharpQuic.Http3.Tests.Server;

public sealed class Http3RouteTableTests
{
    /// <summary>A handler that answers with its tag and the route values it saw, sorted: "tag|a=1|b=2".</summary>
    private static Http3RequestHandler Tag(string tag) => async context =>
    {
        var text = new StringBuilder(tag);
        var names = new List<string>(context.Request.RouteValues.Keys);
        names.Sort(StringComparer.Ordinal);
        foreach (string name in names)
        {
            text.Append('|').Append(name).Append('=').Append(context.Request.RouteValues[name]);
        }

        await context.Response.WriteAsync(text.ToString());
    };

    private static async Task<string> BodyOf(Http3RouteTable routes, string method, string path)
    {
        FakeMessageWriter writer = await FakeContext.RunAsync(routes, method, path);
        Assert.Equal(200, writer.Status);
        return writer.BodyText;
    }

    [Fact]
    public async Task Literal_beats_int_parameter_beats_parameter_beats_catch_all()
    {
        var routes = new Http3RouteTable()
            .MapGet("/users/{*rest}", Tag("catchall"))
            .MapGet("/users/{name}", Tag("param"))
            .MapGet("/users/{id:int}", Tag("int"))
            .MapGet("/users/me", Tag("literal"));

        Assert.Equal("literal", await BodyOf(routes, "GET", "/users/me"));
        Assert.Equal("literal", await BodyOf(routes, "GET", "/USERS/Me"));
        Assert.Equal("int|id=42", await BodyOf(routes, "GET", "/users/42"));
        Assert.Equal("int|id=-7", await BodyOf(routes, "GET", "/users/-7"));
        Assert.Equal("param|name=bob", await BodyOf(routes, "GET", "/users/bob"));
        Assert.Equal("param|name=99999999999", await BodyOf(routes, "GET", "/users/99999999999")); // not an int32
        Assert.Equal("catchall|rest=bob/files/x", await BodyOf(routes, "GET", "/users/bob/files/x"));
        Assert.Equal("catchall|rest=", await BodyOf(routes, "GET", "/users"));
    }

    [Fact]
    public async Task Matching_backtracks_when_a_literal_branch_dead_ends()
    {
        var routes = new Http3RouteTable()
            .MapGet("/a/b/c", Tag("abc"))
            .MapGet("/a/{x}/d", Tag("axd"))
            .MapGet("/{*all}", Tag("all"));

        Assert.Equal("abc", await BodyOf(routes, "GET", "/a/b/c"));
        Assert.Equal("axd|x=b", await BodyOf(routes, "GET", "/a/b/d"));
        Assert.Equal("all|all=a/b/e", await BodyOf(routes, "GET", "/a/b/e"));
    }

    [Fact]
    public async Task Route_values_are_percent_decoded_after_splitting()
    {
        var routes = new Http3RouteTable()
            .MapGet("/files/{name}", Tag("one"))
            .MapGet("/tree/{*path}", Tag("all"))
            .MapGet("/hello world", Tag("space"));

        // A decoded '/' stays inside its segment's value.
        Assert.Equal("one|name=a/b", await BodyOf(routes, "GET", "/files/a%2Fb"));
        Assert.Equal("one|name=caf\u00e9 +", await BodyOf(routes, "GET", "/files/caf%C3%A9%20+"));
        Assert.Equal("one|name=100%", await BodyOf(routes, "GET", "/files/100%")); // a stray '%' is kept
        Assert.Equal("all|path=x/y z/", await BodyOf(routes, "GET", "/tree/x/y%20z/"));
        Assert.Equal("space", await BodyOf(routes, "GET", "/hello%20World"));
        Assert.Equal("one|name=q", await BodyOf(routes, "GET", "/files/q?x=%2F"));
    }

    [Fact]
    public async Task A_trailing_slash_matches_the_same_route_and_the_root_is_its_own_route()
    {
        var routes = new Http3RouteTable().MapGet("/users", Tag("users")).MapGet("/", Tag("root"));
        Assert.Equal("users", await BodyOf(routes, "GET", "/users/"));
        Assert.Equal("root", await BodyOf(routes, "GET", "/"));
        Assert.Equal(404, (await FakeContext.RunAsync(routes, "GET", "//")).Status);
        Assert.Equal(404, (await FakeContext.RunAsync(routes, "GET", "/users//")).Status);
    }

    [Fact]
    public async Task Parameters_do_not_match_empty_segments()
    {
        var routes = new Http3RouteTable().MapGet("/a/{x}/b", Tag("x"));
        Assert.Equal(404, (await FakeContext.RunAsync(routes, "GET", "/a//b")).Status);
        Assert.Equal("x|x=1", await BodyOf(routes, "GET", "/a/1/b"));
    }

    [Fact]
    public async Task No_route_is_404_with_a_small_text_body()
    {
        var routes = new Http3RouteTable().MapGet("/a", Tag("a"));
        foreach (string path in new[] { "/b", "/a/b", "*", "" })
        {
            FakeMessageWriter writer = await FakeContext.RunAsync(routes, "GET", path);
            Assert.Equal(404, writer.Status);
            Assert.StartsWith("text/plain", writer.Field("content-type"), StringComparison.Ordinal);
            Assert.Equal(writer.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), writer.Field("content-length"));
            Assert.Contains("Not Found", writer.BodyText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Path_without_the_method_is_405_listing_every_matching_routes_methods()
    {
        var routes = new Http3RouteTable()
            .MapGet("/items/{id}", Tag("get"))
            .MapPut("/items/{id}", Tag("put"))
            .MapDelete("/items/{*rest}", Tag("delete"))
            .MapPost("/other", Tag("post"));

        FakeMessageWriter writer = await FakeContext.RunAsync(routes, "POST", "/items/3");
        Assert.Equal(405, writer.Status);
        Assert.Equal("GET, HEAD, PUT, OPTIONS, DELETE", writer.Field("allow"));
        Assert.NotEmpty(writer.Body);

        // The method is searched across every route the path matches: DELETE reaches the catch-all.
        Assert.Equal("delete|rest=3", await BodyOf(routes, "DELETE", "/items/3"));

        // Methods are case-sensitive (RFC 9110 §9.1).
        Assert.Equal(405, (await FakeContext.RunAsync(routes, "get", "/items/3")).Status);
    }

    [Fact]
    public async Task Options_without_a_route_answers_204_with_allow()
    {
        var routes = new Http3RouteTable().MapPost("/x", Tag("post"));
        FakeMessageWriter writer = await FakeContext.RunAsync(routes, "OPTIONS", "/x");
        Assert.Equal(204, writer.Status);
        Assert.Equal("POST, OPTIONS", writer.Field("allow"));
        Assert.Empty(writer.Body);

        routes.Map("OPTIONS", "/x", Tag("own"));
        Assert.Equal("own", await BodyOf(routes, "OPTIONS", "/x"));
    }

    [Fact]
    public async Task Head_is_served_by_get_with_the_body_suppressed_and_content_length_kept()
    {
        var routes = new Http3RouteTable().MapGet("/doc", async context =>
        {
            context.Response.ContentLength = 5;
            await context.Response.WriteAsync("hello");
        });

        FakeMessageWriter get = await FakeContext.RunAsync(routes, "GET", "/doc");
        Assert.Equal("hello", get.BodyText);

        var head = new FakeMessageWriter();
        Http3Context context = FakeContext.Create("HEAD", "/doc", head);
        await routes.DispatchAsync(context);
        await context.Response.CompleteAsync();
        Assert.Equal(200, head.Status);
        Assert.Equal("5", head.Field("content-length"));
        Assert.Equal(0, head.DataWrites);
        Assert.Equal(5, context.Response.SuppressedBodyBytes);
        Assert.True(head.Fin);

        // A 404 to HEAD has no body either.
        FakeMessageWriter missing = await FakeContext.RunAsync(routes, "HEAD", "/nothing");
        Assert.Equal(404, missing.Status);
        Assert.Equal(0, missing.DataWrites);
    }

    [Fact]
    public async Task Fallback_runs_when_no_path_matches_but_not_for_405()
    {
        var routes = new Http3RouteTable().MapGet("/a", Tag("a")).MapFallback(Tag("fallback"));
        Assert.Equal("fallback", await BodyOf(routes, "GET", "/zzz"));
        Assert.Equal("fallback", await BodyOf(routes, "GET", "*"));
        Assert.Equal(405, (await FakeContext.RunAsync(routes, "POST", "/a")).Status);
        Assert.Throws<InvalidOperationException>(() => routes.MapFallback(Tag("again")));
    }

    [Fact]
    public async Task MapMethods_registers_one_handler_for_several_methods()
    {
        var routes = new Http3RouteTable().MapMethods(["PATCH", "PROPFIND"], "/dav/{*p}", Tag("dav"));
        Assert.Equal("dav|p=x", await BodyOf(routes, "PROPFIND", "/dav/x"));
        Assert.Equal("dav|p=x", await BodyOf(routes, "PATCH", "/dav/x"));
        Assert.Equal(405, (await FakeContext.RunAsync(routes, "GET", "/dav/x")).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("users")]
    [InlineData("/a//b")]
    [InlineData("/a/")]
    [InlineData("/{*rest}/x")]
    [InlineData("/{}")]
    [InlineData("/{ id}")]
    [InlineData("/a{id}")]
    [InlineData("/{id}x")]
    [InlineData("/{id?}")]
    [InlineData("/{id:guid}")]
    [InlineData("/{*rest:int}")]
    [InlineData("/{id}/{ID}")]
    [InlineData("/{id")]
    [InlineData("/a}")]
    [InlineData("/a%20b")]
    [InlineData("/a?b")]
    [InlineData("/a#b")]
    [InlineData("/{*}")]
    public void Invalid_patterns_are_refused_at_registration(string pattern)
    {
        var routes = new Http3RouteTable();
        Assert.ThrowsAny<ArgumentException>(() => routes.MapGet(pattern, Tag("x")));
    }

    [Fact]
    public void Too_deep_patterns_and_bad_methods_are_refused()
    {
        var routes = new Http3RouteTable();
        Assert.Throws<ArgumentException>(() => routes.MapGet(string.Concat(Enumerable.Repeat("/a", RoutePattern.MaxSegments + 1)), Tag("x")));
        routes.MapGet(string.Concat(Enumerable.Repeat("/a", RoutePattern.MaxSegments)), Tag("x"));
        Assert.Throws<ArgumentException>(() => routes.Map("GE T", "/x", Tag("x")));
        Assert.Throws<ArgumentException>(() => routes.Map("", "/x", Tag("x")));
        Assert.Throws<ArgumentException>(() => routes.MapMethods([], "/x", Tag("x")));
    }

    [Fact]
    public async Task Duplicates_are_refused_and_leave_the_table_unchanged()
    {
        var routes = new Http3RouteTable().MapGet("/a/{id}", Tag("first"));
        Assert.Throws<ArgumentException>(() => routes.MapGet("/a/{id}", Tag("second")));
        Assert.Throws<ArgumentException>(() => routes.MapGet("/A/{other}", Tag("second"))); // same shape
        Assert.Throws<ArgumentException>(() => routes.MapMethods(["POST", "GET"], "/a/{x}", Tag("second")));
        Assert.Throws<ArgumentException>(() => routes.MapMethods(["POST", "POST"], "/b", Tag("second")));

        // The failed MapMethods registered nothing, not even its POST.
        Assert.Equal(405, (await FakeContext.RunAsync(routes, "POST", "/a/1")).Status);
        Assert.Equal("first|id=1", await BodyOf(routes, "GET", "/a/1"));

        // A different method or a constrained parameter is a different route.
        routes.MapPost("/a/{id}", Tag("post")).MapGet("/a/{id:int}", Tag("int"));
        Assert.Equal("int|id=1", await BodyOf(routes, "GET", "/a/1"));
    }

    [Fact]
    public void Matching_a_route_without_parameters_allocates_nothing()
    {
        var routes = new Http3RouteTable();
        for (int i = 0; i < 20; i++)
        {
            routes.MapGet($"/section{i}/{{id:int}}/x", static _ => Task.CompletedTask);
        }

        routes.MapGet("/static/page/index", static _ => Task.CompletedTask);
        routes.MapGet("/static/{name}/other", static _ => Task.CompletedTask);
        Http3Context context = FakeContext.Create("GET", "/static/page/index", new FakeMessageWriter());
        Http3Context encoded = FakeContext.Create("GET", "/static/p%61ge/ind%65x", new FakeMessageWriter());

        // Warm up (JIT, pools), then measure.
        Assert.True(routes.DispatchAsync(context).IsCompletedSuccessfully);
        Assert.True(routes.DispatchAsync(encoded).IsCompletedSuccessfully);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            _ = routes.DispatchAsync(context);
            _ = routes.DispatchAsync(encoded);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task A_post_handler_reads_the_body_and_trailers_with_its_route_values()
    {
        var routes = new Http3RouteTable().MapPost("/upload/{name}", async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            string body = await reader.ReadToEndAsync(context.RequestAborted);
            string? checksum = context.Request.Trailers?["x-checksum"];
            context.Response.StatusCode = 201;
            await context.Response.WriteAsync($"{context.Request.RouteValues["name"]}:{body}:{checksum}");
        });

        var trailers = new Http3Headers { { "x-checksum", "abc" } };
        var request = new Http3Request("POST", "https", "example.test", "/upload/f%201", null, new Http3Headers(),
            new FakeMessageReader(["hel"u8.ToArray(), [], "lo"u8.ToArray()], trailers));
        var writer = new FakeMessageWriter();
        var context = new Http3Context(request, new Http3Response(writer), CancellationToken.None);
        await routes.DispatchAsync(context);
        await context.Response.CompleteAsync();
        Assert.Equal(201, writer.Status);
        Assert.Equal("f 1:hello:abc", writer.BodyText);
    }

    [Fact]
    public async Task Long_and_deep_hostile_paths_are_handled()
    {
        var routes = new Http3RouteTable().MapGet("/{*all}", Tag("all")).MapGet("/a/{x}", Tag("x"));
        string deep = string.Concat(Enumerable.Repeat("/a", 10_000));
        Assert.Equal("all|all=" + deep[1..], await BodyOf(routes, "GET", deep));

        string longSegment = "/a/" + new string('%', 3000) + "%41";
        Assert.Equal("x|x=" + new string('%', 3000) + "A", await BodyOf(routes, "GET", longSegment));

        // Raw non-ASCII and invalid UTF-8 escapes do not throw.
        Assert.Equal("x|x=\u00e9", await BodyOf(routes, "GET", "/a/\u00e9"));
        Assert.Equal("x|x=\ufffd", await BodyOf(routes, "GET", "/a/%FF"));
    }
}
