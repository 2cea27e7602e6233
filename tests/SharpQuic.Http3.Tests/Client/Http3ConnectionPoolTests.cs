using System.Text;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.Client;

/// <summary>Connection reuse, reconnects, shared connects and H3_REQUEST_REJECTED retries.</summary>
public sealed class Http3ConnectionPoolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task HundredConcurrentRequests_ToOneOrigin_ShareOneConnection()
    {
        // Every response waits until all 100 requests are open, so they are truly in flight together.
        var allOpen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int open = 0;
        var factory = new FakeConnectionFactory(async s =>
        {
            Http3HeaderSection head = await s.RequestHeaders;
            if (Interlocked.Increment(ref open) == 100)
            {
                allOpen.SetResult();
            }

            await allOpen.Task;
            s.SendHeaders(200);
            await s.SendDataAsync(Encoding.ASCII.GetBytes(head.PseudoHeaders[":path"]!));
            s.End();
        });
        using HttpClient client = factory.CreateClient();

        var requests = new Task<string>[100];
        for (int i = 0; i < requests.Length; i++)
        {
            requests[i] = client.GetStringAsync($"https://example.com/{i}");
        }

        string[] bodies = await Task.WhenAll(requests).WaitAsync(Patience);

        for (int i = 0; i < bodies.Length; i++)
        {
            Assert.Equal($"/{i}", bodies[i]);
        }

        Assert.Equal(1, factory.Connects);
        Assert.Equal(100, factory.Connections[0].Streams.Length);
    }

    [Fact]
    public async Task SequentialRequests_ReuseTheConnection_DifferentOriginsDoNot()
    {
        var factory = new FakeConnectionFactory(Http3MessageHandlerTests.Respond200);
        using HttpClient client = factory.CreateClient();

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal("ok", await client.GetStringAsync("https://a.example/").WaitAsync(Patience));
        }

        Assert.Equal(1, factory.Connects);
        Assert.Equal("ok", await client.GetStringAsync("https://b.example/").WaitAsync(Patience));
        Assert.Equal("ok", await client.GetStringAsync("https://a.example:8443/").WaitAsync(Patience));
        Assert.Equal(3, factory.Connects);
        Assert.Equal([new Http3Origin("a.example", 443), new Http3Origin("b.example", 443), new Http3Origin("a.example", 8443)], factory.Origins);
    }

    [Fact]
    public async Task UnusableConnection_IsReplaced_AndClosed()
    {
        var factory = new FakeConnectionFactory(Http3MessageHandlerTests.Respond200);
        using HttpClient client = factory.CreateClient();
        await client.GetStringAsync("https://example.com/").WaitAsync(Patience);
        FakeConnection first = factory.Connections[0];

        first.IsUsable = false; // GOAWAY
        await client.GetStringAsync("https://example.com/").WaitAsync(Patience);

        Assert.Equal(2, factory.Connects);
        Assert.True(first.Disposed);
        Assert.Single(first.Streams);
        Assert.Single(factory.Connections[1].Streams);
        Assert.False(factory.Connections[1].Disposed);
    }

    [Fact]
    public async Task UnusableConnection_WithARequestInFlight_ClosesOnlyAfterIt()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.RequestHeaders;
            if (s.Connection.Number == 1)
            {
                await release.Task;
            }

            s.SendHeaders(200);
            s.End();
        });
        using HttpClient client = factory.CreateClient();
        Task<HttpResponseMessage> slow = client.GetAsync("https://example.com/");
        while (factory.Connections.Length == 0 || factory.Connections[0].Streams.Length == 0)
        {
            await Task.Delay(5);
        }

        FakeConnection first = factory.Connections[0];
        first.IsUsable = false;
        (await client.GetAsync("https://example.com/").WaitAsync(Patience)).Dispose();
        Assert.False(first.Disposed);

        release.SetResult();
        (await slow.WaitAsync(Patience)).Dispose();
        Assert.True(first.Disposed);
    }

    [Fact]
    public async Task ConcurrentFirstRequests_ShareOneConnect()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factory = new FakeConnectionFactory(Http3MessageHandlerTests.Respond200) { BeforeConnect = (_, _) => gate.Task };
        using HttpClient client = factory.CreateClient();

        var requests = new Task<string>[10];
        for (int i = 0; i < requests.Length; i++)
        {
            requests[i] = client.GetStringAsync("https://example.com/");
        }

        await Task.Delay(50);
        Assert.Equal(1, factory.Connects);
        gate.SetResult();
        await Task.WhenAll(requests).WaitAsync(Patience);

        Assert.Equal(1, factory.Connects);
        Assert.Equal(10, factory.Connections[0].Streams.Length);
    }

    [Fact]
    public async Task FailedConnect_FailsItsWaiters_AndIsNotCached()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factory = new FakeConnectionFactory(Http3MessageHandlerTests.Respond200)
        {
            BeforeConnect = async (n, _) =>
            {
                if (n == 1)
                {
                    await gate.Task;
                    throw new IOException("no route");
                }
            },
        };
        using HttpClient client = factory.CreateClient();
        Task<string> a = client.GetStringAsync("https://example.com/");
        Task<string> b = client.GetStringAsync("https://example.com/");
        await Task.Delay(20);
        gate.SetResult();

        HttpRequestException ea = await Assert.ThrowsAsync<HttpRequestException>(() => a.WaitAsync(Patience));
        await Assert.ThrowsAsync<HttpRequestException>(() => b.WaitAsync(Patience));
        Assert.Equal(HttpRequestError.ConnectionError, ea.HttpRequestError);
        Assert.IsType<IOException>(ea.InnerException);
        Assert.Equal(1, factory.Connects);

        Assert.Equal("ok", await client.GetStringAsync("https://example.com/").WaitAsync(Patience));
        Assert.Equal(2, factory.Connects);
    }

    [Fact]
    public async Task ConnectTimeout_IsATaskCanceledExceptionWithTimeoutInside()
    {
        var factory = new FakeConnectionFactory(Http3MessageHandlerTests.Respond200)
        {
            BeforeConnect = (_, ct) => Task.Delay(Timeout.Infinite, ct),
        };
        using HttpClient client = factory.CreateClient(new Http3ClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(100) });

        TaskCanceledException e = await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetStringAsync("https://example.com/").WaitAsync(Patience));

        Assert.IsType<TimeoutException>(e.InnerException);
    }

    [Fact]
    public async Task OneWaiterCancelling_DoesNotCancelTheSharedConnect()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factory = new FakeConnectionFactory(Http3MessageHandlerTests.Respond200) { BeforeConnect = (_, _) => gate.Task };
        using HttpClient client = factory.CreateClient();
        using var cts = new CancellationTokenSource();
        Task<string> cancelled = client.GetStringAsync("https://example.com/", cts.Token);
        Task<string> other = client.GetStringAsync("https://example.com/");
        await Task.Delay(20);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Patience));
        gate.SetResult();

        Assert.Equal("ok", await other.WaitAsync(Patience));
        Assert.Equal(1, factory.Connects);
    }

    [Fact]
    public async Task RejectedAtOpen_IsRetriedOnceOnANewConnection()
    {
        var factory = new FakeConnectionFactory(Http3MessageHandlerTests.Respond200);
        using HttpClient client = factory.CreateClient();
        await client.GetStringAsync("https://example.com/").WaitAsync(Patience);
        factory.Connections[0].RefuseOpen = Http3ErrorCode.RequestRejected; // GOAWAY not yet seen as IsUsable=false

        Assert.Equal("ok", await client.GetStringAsync("https://example.com/").WaitAsync(Patience));

        Assert.Equal(2, factory.Connects);
        Assert.True(factory.Connections[0].Disposed);
    }

    [Fact]
    public async Task RejectedStream_WithoutContent_IsRetriedOnANewConnection()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.RequestHeaders;
            if (s.Connection.Number == 1)
            {
                s.Reset(Http3ErrorCode.RequestRejected); // RFC 9114 §4.1.1: nothing was processed
                return;
            }

            await Http3MessageHandlerTests.Respond200(s);
        });
        using HttpClient client = factory.CreateClient();

        Assert.Equal("ok", await client.GetStringAsync("https://example.com/").WaitAsync(Patience));

        Assert.Equal(2, factory.Connects);
        Assert.Single(factory.Connections[0].Streams);
        Assert.Single(factory.Connections[1].Streams);
    }

    [Fact]
    public async Task RejectedAsARawQuicStreamAbort_IsRetriedToo()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.RequestHeaders;
            if (s.Connection.Number == 1)
            {
                s.Fail(new QuicException(QuicError.StreamAborted, (long)Http3ErrorCode.RequestRejected, "fake: reset"));
                return;
            }

            await Http3MessageHandlerTests.Respond200(s);
        });
        using HttpClient client = factory.CreateClient();

        Assert.Equal("ok", await client.GetStringAsync("https://example.com/").WaitAsync(Patience));
        Assert.Equal(2, factory.Connects);
    }

    [Fact]
    public async Task QuicConnectionFailure_IsAConnectionError_AndNotRetried()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.RequestHeaders;
            s.Fail(new QuicException(QuicError.ConnectionIdle, null, "fake: idle"));
        });
        using HttpClient client = factory.CreateClient();

        HttpRequestException e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("https://example.com/").WaitAsync(Patience));

        Assert.Equal(HttpRequestError.ConnectionError, e.HttpRequestError);
        Assert.Equal(QuicError.ConnectionIdle, Assert.IsType<QuicException>(e.InnerException).QuicError);
        Assert.Equal(1, factory.Connects);
    }

    [Fact]
    public async Task RejectedTwice_IsNotRetriedAgain()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.RequestHeaders;
            s.Reset(Http3ErrorCode.RequestRejected);
        });
        using HttpClient client = factory.CreateClient();

        HttpRequestException e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync("https://example.com/").WaitAsync(Patience));

        Assert.Equal(Http3ErrorCode.RequestRejected, Assert.IsType<Http3Exception>(e.InnerException).ErrorCode);
        Assert.Equal(2, factory.Connects);
    }

    [Fact]
    public async Task RejectedStream_WithBufferedContent_IsRetriedWithTheWholeContent()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.ReadRequestChunkAsync();
            if (s.Connection.Number == 1)
            {
                s.Reset(Http3ErrorCode.RequestRejected);
                s.StopSending(Http3ErrorCode.RequestRejected);
                return;
            }

            byte[] rest = await s.ReadRequestBodyAsync();
            s.SendHeaders(200);
            s.End();
        });
        using HttpClient client = factory.CreateClient();
        byte[] payload = Encoding.ASCII.GetBytes(new string('x', 100_000));

        using HttpResponseMessage response = await client.PostAsync("https://example.com/", new ByteArrayContent(payload)).WaitAsync(Patience);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(2, factory.Connects);
        FakeStream second = Assert.Single(factory.Connections[1].Streams);
        Assert.Equal(payload, second.RequestBody);
        Assert.True(second.RequestEnded);
    }

    [Fact]
    public async Task RejectedStream_WithAStreamedBody_IsNotRetried()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.ReadRequestChunkAsync();
            s.Reset(Http3ErrorCode.RequestRejected);
            s.StopSending(Http3ErrorCode.RequestRejected);
        });
        using HttpClient client = factory.CreateClient();
        var source = new OneWayStream(new byte[100_000]);

        HttpRequestException e = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync("https://example.com/", new StreamContent(source, 1000)).WaitAsync(Patience));

        Assert.Equal(HttpRequestError.HttpProtocolError, e.HttpRequestError);
        Assert.Equal(Http3ErrorCode.RequestRejected, Assert.IsType<Http3Exception>(e.InnerException).ErrorCode);
        Assert.Equal(1, factory.Connects);
    }

    [Fact]
    public async Task MaxConnectionsPerOrigin_SpreadsBusyRequests()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.RequestHeaders;
            await release.Task;
            s.SendHeaders(200);
            s.End();
        });
        using HttpClient client = factory.CreateClient(new Http3ClientOptions { MaxConnectionsPerOrigin = 2 });

        var requests = new Task<HttpResponseMessage>[6];
        for (int i = 0; i < requests.Length; i++)
        {
            requests[i] = client.GetAsync("https://example.com/");
        }

        while (factory.Connections.Sum(c => c.Streams.Length) < 6)
        {
            await Task.Delay(5).WaitAsync(Patience);
        }

        release.SetResult();
        foreach (HttpResponseMessage r in await Task.WhenAll(requests).WaitAsync(Patience))
        {
            r.Dispose();
        }

        Assert.Equal(2, factory.Connects);
        Assert.Equal(3, factory.Connections[0].Streams.Length);
        Assert.Equal(3, factory.Connections[1].Streams.Length);
    }

    [Fact]
    public async Task DisposingTheHandler_ClosesEveryConnection_AndRefusesNewRequests()
    {
        var factory = new FakeConnectionFactory(Http3MessageHandlerTests.Respond200);
        Http3MessageHandler handler = factory.CreateHandler();
        var client = new HttpClient(handler) { DefaultRequestVersion = System.Net.HttpVersion.Version30 };
        await client.GetStringAsync("https://a.example/").WaitAsync(Patience);
        await client.GetStringAsync("https://b.example/").WaitAsync(Patience);

        client.Dispose();

        Assert.Equal(2, factory.Connections.Length);
        Assert.All(factory.Connections, c => Assert.True(c.Disposed));
        using var invoker = new HttpMessageInvoker(handler);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://a.example/") { Version = System.Net.HttpVersion.Version30 }, default));
    }

    [Fact]
    public async Task DisposingTheHandlerDuringAConnect_FailsTheWaiter_AndClosesTheLateConnection()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factory = new FakeConnectionFactory(Http3MessageHandlerTests.Respond200) { BeforeConnect = (_, _) => gate.Task };
        Http3MessageHandler handler = factory.CreateHandler();
        using var invoker = new HttpMessageInvoker(handler);
        Task<HttpResponseMessage> request = invoker.SendAsync(new HttpRequestMessage(HttpMethod.Get, "https://a.example/") { Version = System.Net.HttpVersion.Version30 }, default);
        await Task.Delay(20);

        handler.Dispose();
        gate.SetResult();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => request.WaitAsync(Patience));
        FakeConnection late = Assert.Single(factory.Connections);
        Assert.True(late.Disposed);
        Assert.Empty(late.Streams);
    }
}
