using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace SharpQuic.Http3.Tests.Connection;

/// <summary><see cref="Http3MessageHandler"/> against <see cref="Http3Server"/> over real loopback QUIC.</summary>
public sealed class HandlerLoopbackTests
{
    private static HttpClient CreateClient() => new(new Http3MessageHandler(new Http3ClientOptions
    {
        RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == H3Loopback.Certificate.GetCertHashString(),
    }))
    {
        DefaultRequestVersion = HttpVersion.Version30,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    [Fact]
    public async Task HttpClient_gets_headers_body_and_trailers_over_HTTP3()
    {
        await using Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            ctx.Response.ContentType = "text/plain";
            ctx.Response.Headers["x-method"] = ctx.Request.Method;
            ctx.Response.Trailers["x-done"] = "yes";
            await ctx.Response.WriteAsync("hello " + ctx.Request.Headers["accept"]);
        });
        using HttpClient client = CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Get, $"https://localhost:{server.LocalEndPoint.Port}/x")
        {
            Version = HttpVersion.Version30,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));

        using HttpResponseMessage response = await client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version30, response.Version);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("GET", response.Headers.GetValues("x-method").Single());
        Assert.Equal("hello text/plain", body);
        Assert.Equal("yes", response.TrailingHeaders.GetValues("x-done").Single());
    }

    [Fact]
    public async Task HttpClient_streams_a_POST_and_its_echo_at_the_same_time()
    {
        await using Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            byte[] buffer = new byte[32768];
            int n;
            while ((n = await ctx.Request.Body.ReadAsync(buffer, ctx.RequestAborted)) > 0)
            {
                await ctx.Response.WriteBodyAsync(buffer.AsMemory(0, n), ctx.RequestAborted);
            }
        });
        using HttpClient client = CreateClient();
        byte[] payload = RandomNumberGenerator.GetBytes(16 * 1024 * 1024);

        using HttpResponseMessage response = await client.PostAsync($"https://localhost:{server.LocalEndPoint.Port}/echo", new ByteArrayContent(payload));
        byte[] echoed = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));
    }

    [Fact]
    public async Task Concurrent_requests_to_one_origin_share_one_connection()
    {
        var remotes = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        await using Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            remotes.AddOrUpdate(ctx.Request.RemoteEndPoint!.ToString(), 1, (_, n) => n + 1);
            await ctx.Response.WriteAsync(ctx.Request.Path);
        });
        using HttpClient client = CreateClient();

        string[] bodies = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => client.GetStringAsync($"https://localhost:{server.LocalEndPoint.Port}/r/{i}")));

        Assert.Equal(Enumerable.Range(0, 200).Select(i => "/r/" + i), bodies);
        Assert.Equal(200, Assert.Single(remotes).Value);
    }

    [Fact]
    public async Task Requests_after_a_graceful_shutdown_fail_cleanly_and_a_new_server_is_reached_again()
    {
        Http3Server server = await H3Loopback.StartServerAsync(ctx => ctx.Response.WriteAsync("one").AsTask());
        int port = server.LocalEndPoint.Port;
        using HttpClient client = CreateClient();
        Assert.Equal("one", await client.GetStringAsync($"https://localhost:{port}/"));

        await server.ShutdownAsync(TimeSpan.FromSeconds(5));
        await server.DisposeAsync();
        // The port is free once the old connections' closing periods end (the listener's worker owns the socket until then).
        Http3Server? second = null;
        for (int attempt = 0; second is null; attempt++)
        {
            try
            {
                second = await H3Loopback.StartServerAsync(ctx => ctx.Response.WriteAsync("two").AsTask(),
                    o => o.ListenEndPoint = new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }

        await using Http3Server running = second;

        Assert.Equal("two", await client.GetStringAsync($"https://localhost:{port}/"));
    }

    [Fact]
    public async Task Cancelling_a_request_cancels_the_server_handler()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            ctx.RequestAborted.Register(() => cancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
        });
        using HttpClient client = CreateClient();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync($"https://localhost:{server.LocalEndPoint.Port}/slow", cts.Token));
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
