using System.Security.Cryptography;
using System.Text;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.Connection;

public sealed class Http3ConnectionTests
{
    [Fact]
    public async Task Get_returns_status_headers_body_and_trailers()
    {
        await using Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            ctx.Response.StatusCode = 201;
            ctx.Response.Headers["x-path"] = ctx.Request.Path + "|" + ctx.Request.Query["q"];
            ctx.Response.Trailers["x-checksum"] = "abc";
            await ctx.Response.WriteAsync("hello " + ctx.Request.Method);
        });
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);
        await using Http3RequestStream stream = await client.OpenRequestAsync(default);
        await stream.WriteHeadersAsync(H3Loopback.RequestPseudo("GET", "/a/b?q=x%20y", server.LocalEndPoint.Port), new Http3Headers { { "User-Agent", "test" } }, endStream: true, default);

        Http3HeaderSection head = await stream.ReadHeadersAsync(default);
        byte[] body = await H3Loopback.ReadAllAsync(stream);

        Assert.Equal("201", head.PseudoHeaders[":status"]);
        Assert.Equal("/a/b|x y", head.Fields["x-path"]);
        Assert.Equal("hello GET", Encoding.UTF8.GetString(body));
        Assert.Equal("abc", stream.Trailers?["x-checksum"]);
    }

    [Fact]
    public async Task Post_body_is_streamed_back_while_it_is_uploaded()
    {
        await using Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            byte[] buffer = new byte[16384];
            int n;
            while ((n = await ctx.Request.Body.ReadAsync(buffer, ctx.RequestAborted)) > 0)
            {
                await ctx.Response.WriteBodyAsync(buffer.AsMemory(0, n), ctx.RequestAborted);
            }
        });
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);
        await using Http3RequestStream stream = await client.OpenRequestAsync(default);
        await stream.WriteHeadersAsync(H3Loopback.RequestPseudo("POST", "/echo", server.LocalEndPoint.Port), new Http3Headers(), endStream: false, default);

        byte[] payload = RandomNumberGenerator.GetBytes(8 * 1024 * 1024);
        Task upload = Task.Run(async () =>
        {
            for (int offset = 0; offset < payload.Length; offset += 50_000)
            {
                await stream.WriteDataAsync(payload.AsMemory(offset, Math.Min(50_000, payload.Length - offset)), endStream: false, default);
            }

            await stream.CompleteAsync(default);
        });
        Http3HeaderSection head = await stream.ReadHeadersAsync(default);
        byte[] echoed = await H3Loopback.ReadAllAsync(stream);
        await upload;

        Assert.Equal("200", head.PseudoHeaders[":status"]);
        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(echoed));
    }

    [Fact]
    public async Task Many_concurrent_requests_share_one_connection_and_the_dynamic_table()
    {
        await using Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            ctx.Response.Headers["x-request"] = ctx.Request.Headers["x-request"] ?? "?";
            ctx.Response.Headers["cache-control"] = "private, max-age=17";
            await ctx.Response.WriteAsync(ctx.Request.Path);
        });
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);
        var tasks = Enumerable.Range(0, 300).Select(async i =>
        {
            await using Http3RequestStream stream = await client.OpenRequestAsync(default);
            var fields = new Http3Headers { { "x-request", "r" + i }, { "x-custom-repeated", "same-value-every-time" } };
            await stream.WriteHeadersAsync(H3Loopback.RequestPseudo("GET", "/n/" + i, server.LocalEndPoint.Port), fields, endStream: true, default);
            Http3HeaderSection head = await stream.ReadHeadersAsync(default);
            string body = Encoding.UTF8.GetString(await H3Loopback.ReadAllAsync(stream));
            return (i, head.Fields["x-request"], head.Fields["cache-control"], body);
        }).ToArray();

        foreach (var (i, echoed, cache, body) in await Task.WhenAll(tasks))
        {
            Assert.Equal("r" + i, echoed);
            Assert.Equal("private, max-age=17", cache);
            Assert.Equal("/n/" + i, body);
        }
    }

    [Fact]
    public async Task Handler_failure_becomes_500_and_the_connection_survives()
    {
        await using Http3Server server = await H3Loopback.StartServerAsync(ctx =>
            ctx.Request.Path == "/boom" ? throw new InvalidOperationException("boom") : ctx.Response.WriteAsync("ok").AsTask());
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);

        foreach ((string path, string status) in new[] { ("/boom", "500"), ("/fine", "200") })
        {
            await using Http3RequestStream stream = await client.OpenRequestAsync(default);
            await stream.WriteHeadersAsync(H3Loopback.RequestPseudo("GET", path, server.LocalEndPoint.Port), new Http3Headers(), true, default);
            Http3HeaderSection head = await stream.ReadHeadersAsync(default);
            await H3Loopback.ReadAllAsync(stream);
            Assert.Equal(status, head.PseudoHeaders[":status"]);
        }
    }

    [Fact]
    public async Task Malformed_request_is_reset_with_H3_MESSAGE_ERROR()
    {
        await using Http3Server server = await H3Loopback.StartServerAsync(ctx => ctx.Response.WriteAsync("never").AsTask());
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);
        await using Http3RequestStream stream = await client.OpenRequestAsync(default);
        var pseudo = new Http3Headers();
        pseudo.AddLowercase(":method", "GET");
        pseudo.AddLowercase(":path", "/no-scheme");
        await stream.WriteHeadersAsync(pseudo, new Http3Headers(), true, default);

        Http3Exception ex = await Assert.ThrowsAsync<Http3Exception>(async () => await stream.ReadHeadersAsync(default));
        Assert.Equal(Http3ErrorCode.MessageError, ex.ErrorCode);
        Assert.True(client.IsUsable);
    }

    [Fact]
    public async Task Content_length_mismatch_is_a_malformed_request()
    {
        var seen = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            try
            {
                await ctx.Request.Body.CopyToAsync(Stream.Null);
                seen.TrySetResult(null);
            }
            catch (Http3Exception ex)
            {
                seen.TrySetResult(ex);
                throw;
            }
        });
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);
        await using Http3RequestStream stream = await client.OpenRequestAsync(default);
        await stream.WriteHeadersAsync(H3Loopback.RequestPseudo("POST", "/", server.LocalEndPoint.Port), new Http3Headers { { "content-length", "10" } }, false, default);
        await stream.WriteDataAsync(new byte[4], endStream: true, default);

        Exception? failure = await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Http3ErrorCode.MessageError, Assert.IsType<Http3Exception>(failure).ErrorCode);
    }

    [Fact]
    public async Task Client_reset_cancels_the_handler()
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            ctx.RequestAborted.Register(() => cancelled.TrySetResult());
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
        });
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);
        await using Http3RequestStream stream = await client.OpenRequestAsync(default);
        await stream.WriteHeadersAsync(H3Loopback.RequestPseudo("GET", "/slow", server.LocalEndPoint.Port), new Http3Headers(), false, default);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        stream.Abort(Http3ErrorCode.RequestCancelled);

        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Shutdown_sends_GOAWAY_finishes_in_flight_and_rejects_new_requests()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            started.TrySetResult();
            await release.Task;
            await ctx.Response.WriteAsync("finished");
        });
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);
        await using Http3RequestStream first = await client.OpenRequestAsync(default);
        await first.WriteHeadersAsync(H3Loopback.RequestPseudo("GET", "/slow", server.LocalEndPoint.Port), new Http3Headers(), true, default);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Task shutdown = server.ShutdownAsync(TimeSpan.FromSeconds(10));
        for (int i = 0; i < 200 && client.IsUsable; i++)
        {
            await Task.Delay(10);
        }

        Assert.False(client.IsUsable);
        Http3Exception rejected = await Assert.ThrowsAsync<Http3Exception>(async () => await client.OpenRequestAsync(default));
        Assert.Equal(Http3ErrorCode.RequestRejected, rejected.ErrorCode);

        release.SetResult();
        Http3HeaderSection head = await first.ReadHeadersAsync(default);
        Assert.Equal("200", head.PseudoHeaders[":status"]);
        Assert.Equal("finished", Encoding.UTF8.GetString(await H3Loopback.ReadAllAsync(first)));
        await shutdown.WaitAsync(TimeSpan.FromSeconds(10));
        await server.DisposeAsync();
    }
}
