using System.Globalization;
using System.Text;

namespace SharpQuic.Http3.Tests.Server;

/// <summary>A scratch site: outside/secret.txt next to www/ (the root), with files, an index and links.</summary>
public sealed class StaticSite : IDisposable
{
    public StaticSite()
    {
        Base = Path.Combine(Path.GetTempPath(), "sharpquic-static-" + Guid.NewGuid().ToString("N"));
        Root = Path.Combine(Base, "www");
        Directory.CreateDirectory(Path.Combine(Root, "sub"));
        Directory.CreateDirectory(Path.Combine(Root, "empty"));
        Directory.CreateDirectory(Path.Combine(Base, "outside"));
        Secret = Path.Combine(Base, "outside", "secret.txt");
        File.WriteAllText(Secret, "top secret");
        File.WriteAllText(Path.Combine(Base, "secret.txt"), "top secret");
        File.WriteAllBytes(Path.Combine(Root, "digits.txt"), "0123456789"u8.ToArray());
        File.WriteAllText(Path.Combine(Root, "sub", "index.html"), "<p>index</p>");
        File.WriteAllText(Path.Combine(Root, "a b.txt"), "space");
        File.WriteAllText(Path.Combine(Root, "%2e%2e"), "literal percent name");
        File.WriteAllBytes(Path.Combine(Root, "empty.bin"), []);
        File.CreateSymbolicLink(Path.Combine(Root, "evil.txt"), Secret);
        Directory.CreateSymbolicLink(Path.Combine(Root, "evildir"), Path.Combine(Base, "outside"));
        File.CreateSymbolicLink(Path.Combine(Root, "good.txt"), Path.Combine(Root, "digits.txt"));
        File.SetLastWriteTimeUtc(Path.Combine(Root, "digits.txt"), LastModified);
    }

    public static DateTime LastModified { get; } = new(2024, 5, 17, 10, 20, 30, 123, DateTimeKind.Utc);

    public string Base { get; }

    public string Root { get; }

    public string Secret { get; }

    public void Dispose() => Directory.Delete(Base, recursive: true);
}

public sealed class Http3StaticFilesTests(StaticSite site) : IClassFixture<StaticSite>
{
    private readonly Http3RouteTable _routes = new Http3RouteTable().MapStaticFiles("/static", site.Root);

    private Task<FakeMessageWriter> Get(string path, params (string Name, string Value)[] fields) => Send("GET", path, fields);

    private Task<FakeMessageWriter> Send(string method, string path, params (string Name, string Value)[] fields)
    {
        var headers = new Http3Headers();
        foreach ((string name, string value) in fields)
        {
            headers.Add(name, value);
        }

        return FakeContext.RunAsync(_routes, method, path, headers);
    }

    private async Task<string> EtagOfDigits() => (await Get("/static/digits.txt")).Field("etag")!;

    [Theory]
    [InlineData("page.html", "text/html; charset=utf-8")]
    [InlineData("style.CSS", "text/css; charset=utf-8")]
    [InlineData("app.js", "text/javascript; charset=utf-8")]
    [InlineData("mod.mjs", "text/javascript; charset=utf-8")]
    [InlineData("data.json", "application/json; charset=utf-8")]
    [InlineData("icon.svg", "image/svg+xml; charset=utf-8")]
    [InlineData("photo.jpeg", "image/jpeg")]
    [InlineData("photo.jpg", "image/jpeg")]
    [InlineData("pic.png", "image/png")]
    [InlineData("anim.gif", "image/gif")]
    [InlineData("pic.webp", "image/webp")]
    [InlineData("favicon.ico", "image/x-icon")]
    [InlineData("code.wasm", "application/wasm")]
    [InlineData("font.woff2", "font/woff2")]
    [InlineData("doc.pdf", "application/pdf")]
    [InlineData("blob.bin", "application/octet-stream")]
    [InlineData("README", "application/octet-stream")]
    [InlineData("archive.tar.zst", "application/octet-stream")]
    public async Task Content_type_follows_the_extension(string name, string type)
    {
        await File.WriteAllTextAsync(Path.Combine(site.Root, name), "x");
        FakeMessageWriter writer = await Get("/static/" + name);
        Assert.Equal(200, writer.Status);
        Assert.Equal(type, writer.Field("content-type"));
    }

    [Fact]
    public async Task A_file_is_served_whole_with_its_validators()
    {
        FakeMessageWriter writer = await Get("/static/digits.txt");
        Assert.Equal(200, writer.Status);
        Assert.Equal("0123456789", writer.BodyText);
        Assert.Equal("10", writer.Field("content-length"));
        Assert.Equal("bytes", writer.Field("accept-ranges"));
        Assert.Equal("Fri, 17 May 2024 10:20:30 GMT", writer.Field("last-modified"));
        string etag = writer.Field("etag")!;
        Assert.Matches("^\"[0-9a-f]+-[0-9a-f]+\"$", etag);

        // The tag follows length and modification time.
        string path = Path.Combine(site.Root, "changing.txt");
        await File.WriteAllTextAsync(path, "one");
        string first = (await Get("/static/changing.txt")).Field("etag")!;
        await File.WriteAllTextAsync(path, "three");
        Assert.NotEqual(first, (await Get("/static/changing.txt")).Field("etag"));
    }

    [Fact]
    public async Task Head_sends_the_headers_without_the_body()
    {
        FakeMessageWriter writer = await Send("HEAD", "/static/digits.txt");
        Assert.Equal(200, writer.Status);
        Assert.Equal("10", writer.Field("content-length"));
        Assert.Equal(0, writer.DataWrites);

        // Range is for GET only (RFC 9110 §14.2).
        FakeMessageWriter ranged = await Send("HEAD", "/static/digits.txt", ("range", "bytes=0-1"));
        Assert.Equal(200, ranged.Status);
        Assert.Equal(0, ranged.DataWrites);
    }

    [Fact]
    public async Task Directories_serve_their_index_or_404()
    {
        FakeMessageWriter index = await Get("/static/sub/");
        Assert.Equal(200, index.Status);
        Assert.Equal("<p>index</p>", index.BodyText);
        Assert.Equal("text/html; charset=utf-8", index.Field("content-type"));
        Assert.Equal("<p>index</p>", (await Get("/static/sub")).BodyText);
        Assert.Equal(404, (await Get("/static/empty/")).Status);
        Assert.Equal(404, (await Get("/static")).Status); // the root has no index.html
        Assert.Equal(404, (await Get("/static/missing.txt")).Status);
        Assert.Equal(404, (await Get("/static/digits.txt/")).Status);
    }

    [Fact]
    public async Task Names_are_decoded_exactly_once()
    {
        Assert.Equal("space", (await Get("/static/a%20b.txt")).BodyText);
        Assert.Equal("literal percent name", (await Get("/static/%252e%252e")).BodyText);
    }

    [Theory]
    [InlineData("/static/../secret.txt")]
    [InlineData("/static/%2e%2e/secret.txt")]
    [InlineData("/static/%2E%2E/secret.txt")]
    [InlineData("/static/..%2fsecret.txt")]
    [InlineData("/static/..%2Fsecret.txt")]
    [InlineData("/static/sub/../../secret.txt")]
    [InlineData("/static/sub/..%2f..%2fsecret.txt")]
    [InlineData("/static/..%5csecret.txt")]
    [InlineData("/static/sub%5c..%5c..%5csecret.txt")]
    [InlineData("/static//etc/passwd")]
    [InlineData("/static/%2fetc%2fpasswd")]
    [InlineData("/static/%2e/digits.txt")]
    [InlineData("/static/sub//index.html")]
    [InlineData("/static/digits.txt%00.png")]
    [InlineData("/static/evil.txt")]
    [InlineData("/static/evildir/secret.txt")]
    [InlineData("/static/evildir/")]
    public async Task Traversal_attempts_are_404(string path)
    {
        FakeMessageWriter writer = await Get(path);
        Assert.Equal(404, writer.Status);
        Assert.DoesNotContain("secret", writer.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Direct_calls_refuse_absolute_and_escaping_paths_but_follow_links_inside()
    {
        foreach (string relative in new[] { site.Secret, "/etc/passwd", "../secret.txt", "C:\\x", "sub\\index.html" })
        {
            var writer = new FakeMessageWriter();
            Http3Context context = FakeContext.Create("GET", "/", writer);
            await Http3StaticFiles.ServeAsync(context, site.Root, relative);
            await context.Response.CompleteAsync();
            Assert.Equal(404, writer.Status);
        }

        FakeMessageWriter linked = await Get("/static/good.txt");
        Assert.Equal("0123456789", linked.BodyText);
        Assert.Equal("10", linked.Field("content-length"));
        Assert.Equal((await Get("/static/digits.txt")).Field("etag"), linked.Field("etag"));
    }

    [Fact]
    public async Task If_none_match_with_the_strong_a_weak_or_a_star_tag_is_304()
    {
        string etag = await EtagOfDigits();
        foreach (string value in new[] { etag, "W/" + etag, "*", $"\"nope\", {etag}", $"\"a\",W/{etag}" })
        {
            FakeMessageWriter writer = await Get("/static/digits.txt", ("if-none-match", value));
            Assert.Equal(304, writer.Status);
            Assert.Equal(0, writer.DataWrites);
            Assert.Equal(etag, writer.Field("etag"));
            Assert.Null(writer.Field("content-length"));
        }

        // Across two field lines too.
        Assert.Equal(304, (await Get("/static/digits.txt", ("if-none-match", "\"x\""), ("if-none-match", etag))).Status);

        foreach (string value in new[] { "\"other\"", "W/\"other\"", etag[..^1], "garbage", "" })
        {
            FakeMessageWriter writer = await Get("/static/digits.txt", ("if-none-match", value));
            Assert.Equal(200, writer.Status);
            Assert.Equal("0123456789", writer.BodyText);
        }
    }

    [Fact]
    public async Task If_modified_since_is_304_unless_the_file_is_newer_or_if_none_match_is_present()
    {
        DateTime modified = StaticSite.LastModified;
        string same = modified.ToString("r", CultureInfo.InvariantCulture);
        string later = modified.AddHours(1).ToString("r", CultureInfo.InvariantCulture);
        string earlier = modified.AddSeconds(-1).ToString("r", CultureInfo.InvariantCulture);

        Assert.Equal(304, (await Get("/static/digits.txt", ("if-modified-since", same))).Status);
        Assert.Equal(304, (await Get("/static/digits.txt", ("if-modified-since", later))).Status);
        Assert.Equal(304, (await Get("/static/digits.txt", ("if-modified-since", "Friday, 17-May-24 10:20:30 GMT"))).Status); // RFC 850
        Assert.Equal(304, (await Get("/static/digits.txt", ("if-modified-since", "Fri May 17 10:20:30 2024"))).Status); // asctime
        Assert.Equal(200, (await Get("/static/digits.txt", ("if-modified-since", earlier))).Status);
        Assert.Equal(200, (await Get("/static/digits.txt", ("if-modified-since", "not a date"))).Status);

        // RFC 9110 §13.1.3: ignored when If-None-Match is present.
        Assert.Equal(200, (await Get("/static/digits.txt", ("if-none-match", "\"other\""), ("if-modified-since", later))).Status);
    }

    [Fact]
    public async Task If_match_and_if_unmodified_since_failing_is_412()
    {
        string etag = await EtagOfDigits();
        string later = StaticSite.LastModified.AddHours(1).ToString("r", CultureInfo.InvariantCulture);
        string earlier = StaticSite.LastModified.AddSeconds(-1).ToString("r", CultureInfo.InvariantCulture);

        Assert.Equal(200, (await Get("/static/digits.txt", ("if-match", etag))).Status);
        Assert.Equal(200, (await Get("/static/digits.txt", ("if-match", "*"))).Status);
        Assert.Equal(200, (await Get("/static/digits.txt", ("if-match", $"\"x\", {etag}"))).Status);
        Assert.Equal(412, (await Get("/static/digits.txt", ("if-match", "W/" + etag))).Status); // strong comparison
        Assert.Equal(412, (await Get("/static/digits.txt", ("if-match", "\"x\""))).Status);
        Assert.Equal(200, (await Get("/static/digits.txt", ("if-unmodified-since", later))).Status);
        FakeMessageWriter failed = await Get("/static/digits.txt", ("if-unmodified-since", earlier));
        Assert.Equal(412, failed.Status);
        Assert.Equal(0, failed.DataWrites);

        // If-Match decides over If-Unmodified-Since (RFC 9110 §13.2.2).
        Assert.Equal(200, (await Get("/static/digits.txt", ("if-match", etag), ("if-unmodified-since", earlier))).Status);
    }

    [Theory]
    [InlineData("bytes=0-3", 0, 3, "0123")]
    [InlineData("bytes=2-2", 2, 2, "2")]
    [InlineData("bytes=7-", 7, 9, "789")]
    [InlineData("bytes=-3", 7, 9, "789")]
    [InlineData("bytes=-30", 0, 9, "0123456789")]
    [InlineData("bytes=5-100", 5, 9, "56789")]
    [InlineData("BYTES = 1-2", 1, 2, "12")]
    [InlineData("bytes=9-99999999999999999999999", 9, 9, "9")]
    public async Task A_single_range_is_206_with_content_range(string range, int first, int last, string body)
    {
        FakeMessageWriter writer = await Get("/static/digits.txt", ("range", range));
        Assert.Equal(206, writer.Status);
        Assert.Equal($"bytes {first}-{last}/10", writer.Field("content-range"));
        Assert.Equal(body.Length.ToString(CultureInfo.InvariantCulture), writer.Field("content-length"));
        Assert.Equal(body, writer.BodyText);
    }

    [Theory]
    [InlineData("bytes=10-")]
    [InlineData("bytes=10-20")]
    [InlineData("bytes=-0")]
    [InlineData("bytes=99999999999999999999999-")]
    public async Task A_range_past_the_end_is_416_with_the_length(string range)
    {
        FakeMessageWriter writer = await Get("/static/digits.txt", ("range", range));
        Assert.Equal(416, writer.Status);
        Assert.Equal("bytes */10", writer.Field("content-range"));
        Assert.Equal(0, writer.DataWrites);
        Assert.Equal(416, (await Get("/static/empty.bin", ("range", "bytes=0-"))).Status);
    }

    [Theory]
    [InlineData("bytes=0-1,4-5")]
    [InlineData("bytes=0-1, -2")]
    [InlineData("bytes=5-2")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=1")]
    [InlineData("items=0-1")]
    [InlineData("bytes=-")]
    [InlineData("")]
    public async Task Multiple_or_malformed_ranges_are_served_whole(string range)
    {
        FakeMessageWriter writer = await Get("/static/digits.txt", ("range", range));
        Assert.Equal(200, writer.Status);
        Assert.Null(writer.Field("content-range"));
        Assert.Equal("0123456789", writer.BodyText);
    }

    [Fact]
    public async Task If_range_lets_the_range_apply_only_when_it_still_holds()
    {
        string etag = await EtagOfDigits();
        string date = StaticSite.LastModified.ToString("r", CultureInfo.InvariantCulture);
        Assert.Equal(206, (await Get("/static/digits.txt", ("range", "bytes=0-1"), ("if-range", etag))).Status);
        Assert.Equal(206, (await Get("/static/digits.txt", ("range", "bytes=0-1"), ("if-range", date))).Status);

        foreach (string stale in new[] { "\"other\"", "W/" + etag, StaticSite.LastModified.AddSeconds(-5).ToString("r", CultureInfo.InvariantCulture), "junk" })
        {
            FakeMessageWriter writer = await Get("/static/digits.txt", ("range", "bytes=0-1"), ("if-range", stale));
            Assert.Equal(200, writer.Status);
            Assert.Equal("0123456789", writer.BodyText);
        }
    }

    [Fact]
    public async Task Other_methods_are_405_through_the_routes_and_direct()
    {
        FakeMessageWriter routed = await Send("POST", "/static/digits.txt");
        Assert.Equal(405, routed.Status);
        Assert.Contains("GET", routed.Field("allow"), StringComparison.Ordinal);

        var writer = new FakeMessageWriter();
        Http3Context context = FakeContext.Create("DELETE", "/", writer);
        await Http3StaticFiles.ServeAsync(context, site.Root, "digits.txt");
        await context.Response.CompleteAsync();
        Assert.Equal(405, writer.Status);
        Assert.True(File.Exists(Path.Combine(site.Root, "digits.txt")));
    }

    [Fact]
    public async Task A_fifo_in_the_root_is_never_opened()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        string fifo = Path.Combine(site.Root, "pipe.txt");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // Opening a FIFO blocks until a writer comes; the server must answer without opening it.
        Task<FakeMessageWriter> serving = Get("/static/pipe.txt");
        Assert.Same(serving, await Task.WhenAny(serving, Task.Delay(TimeSpan.FromSeconds(10))));
        FakeMessageWriter writer = await serving;
        Assert.Equal("0", writer.Field("content-length"));
        Assert.Equal(0, writer.DataWrites);
    }

    [Fact]
    public async Task An_aborted_request_stops_the_copy()
    {
        string path = Path.Combine(site.Root, "abort.bin");
        await File.WriteAllBytesAsync(path, new byte[1024 * 1024]);
        using var cts = new CancellationTokenSource();
        var writer = new FakeMessageWriter { Slow = true };
        Http3Context context = FakeContext.Create("GET", "/static/abort.bin", writer, aborted: cts.Token);
        Task serving = _routes.DispatchAsync(context);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => serving);
        Assert.True(writer.DataBytes < 1024 * 1024);
    }
}
