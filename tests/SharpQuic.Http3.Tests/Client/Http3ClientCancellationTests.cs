using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.Client;

/// <summary>Cancellation and early disposal: the stream is stopped with H3_REQUEST_CANCELLED (RFC 9114 §4.1.1, §8.1).</summary>
public sealed class Http3ClientCancellationTests
{
    private const long RequestCancelled = (long)Http3ErrorCode.RequestCancelled;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task CancelBeforeHeaders_AbortsBothWaysWith0x10c_AndThrowsTaskCanceled()
    {
        var factory = new FakeConnectionFactory(async s => await s.RequestHeaders); // never answers
        using HttpClient client = factory.CreateClient();
        using var cts = new CancellationTokenSource();
        Task<HttpResponseMessage> request = client.GetAsync("https://example.com/", cts.Token);
        FakeStream stream = await WaitForStreamAsync(factory);
        await stream.RequestHeaders.WaitAsync(Patience);

        await cts.CancelAsync();

        await Assert.ThrowsAsync<TaskCanceledException>(() => request.WaitAsync(Patience));
        Assert.Equal(0x10c, RequestCancelled);
        Assert.Equal(RequestCancelled, stream.WriterAbortCode);
        Assert.Equal(RequestCancelled, stream.ReaderAbortCode);
    }

    [Fact]
    public async Task CancelDuringUpload_AbortsBothWays_AndStopsTheContent()
    {
        var factory = new FakeConnectionFactory(async s => await s.ReadRequestChunkAsync()); // reads one chunk, then stalls
        using var invoker = new HttpMessageInvoker(factory.CreateHandler());
        using var cts = new CancellationTokenSource();
        var content = new PingPongContent(rounds: 100, chunkSize: 100, waitForEcho: false);
        using var message = new HttpRequestMessage(HttpMethod.Post, "https://example.com/") { Version = System.Net.HttpVersion.Version30, Content = content };
        Task<HttpResponseMessage> request = invoker.SendAsync(message, cts.Token);
        FakeStream stream = await WaitForStreamAsync(factory);
        while (stream.RequestBody.Length == 0)
        {
            await Task.Delay(5).WaitAsync(Patience);
        }

        await cts.CancelAsync();

        TaskCanceledException e = await Assert.ThrowsAsync<TaskCanceledException>(() => request.WaitAsync(Patience));
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.Equal(RequestCancelled, stream.WriterAbortCode);
        Assert.Equal(RequestCancelled, stream.ReaderAbortCode);
        Assert.False(stream.RequestEnded);
        Assert.True(stream.RequestBody.Length < 100 * 100);
    }

    [Fact]
    public async Task AlreadyCancelledToken_OpensNothing()
    {
        var factory = new FakeConnectionFactory(Http3MessageHandlerTests.Respond200);
        using HttpClient client = factory.CreateClient();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("https://example.com/", new CancellationToken(true)));

        Assert.Equal(0, factory.Connects);
    }

    [Fact]
    public async Task EarlyDisposeOfTheResponseStream_StopsReadingWith0x10c()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            s.SendHeaders(200);
            for (int i = 0; i < 1000; i++)
            {
                await s.SendDataAsync(new byte[1000]);
            }

            s.End();
        });
        using HttpClient client = factory.CreateClient();
        using HttpResponseMessage response = await client.GetAsync("https://example.com/", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        Stream body = await response.Content.ReadAsStreamAsync();
        byte[] buffer = new byte[1500];
        await body.ReadExactlyAsync(buffer).AsTask().WaitAsync(Patience);
        FakeStream stream = Assert.Single(factory.Connections[0].Streams);
        Assert.Null(stream.ReaderAbortCode);

        await body.DisposeAsync();

        Assert.Equal(RequestCancelled, stream.ReaderAbortCode);
        Assert.Null(stream.WriterAbortCode); // the request had ended; there is nothing to reset
        await Assert.ThrowsAsync<Http3Exception>(() => stream.ServerTask!.WaitAsync(Patience)); // the server's writes fail
        await Assert.ThrowsAsync<ObjectDisposedException>(() => body.ReadAsync(buffer).AsTask());
    }

    [Fact]
    public async Task DisposingAnUnreadResponse_StopsReadingWith0x10c()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            s.SendHeaders(200);
            await s.SendDataAsync(new byte[10]);
        });
        using HttpClient client = factory.CreateClient();
        HttpResponseMessage response = await client.GetAsync("https://example.com/", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);

        response.Dispose();

        Assert.Equal(RequestCancelled, Assert.Single(factory.Connections[0].Streams).ReaderAbortCode);
    }

    [Fact]
    public async Task DisposeAfterTheWholeBody_AbortsNothing()
    {
        var factory = new FakeConnectionFactory(Http3MessageHandlerTests.Respond200);
        using HttpClient client = factory.CreateClient();
        HttpResponseMessage response = await client.GetAsync("https://example.com/", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());

        response.Dispose();

        FakeStream stream = Assert.Single(factory.Connections[0].Streams);
        Assert.Null(stream.ReaderAbortCode);
        Assert.Null(stream.WriterAbortCode);
    }

    [Fact]
    public async Task EarlyDisposeWhileUploading_AbortsBothWays()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            s.SendHeaders(200);
            await s.SendDataAsync(new byte[10]);
            await s.ReadRequestChunkAsync(); // then stops reading: the upload stalls
        });
        using HttpClient client = factory.CreateClient();
        var content = new PingPongContent(rounds: 100, chunkSize: 100, waitForEcho: false);
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.com/") { Version = System.Net.HttpVersion.Version30, Content = content };
        HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        FakeStream stream = Assert.Single(factory.Connections[0].Streams);

        response.Dispose();

        Assert.Equal(RequestCancelled, stream.ReaderAbortCode);
        Assert.Equal(RequestCancelled, stream.WriterAbortCode);
        Assert.False(stream.RequestEnded);
    }

    [Fact]
    public async Task CancellingABodyRead_AbandonsTheResponse()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            s.SendHeaders(200);
            await s.ReadRequestBodyAsync();
            await Task.Delay(TimeSpan.FromSeconds(30)); // never sends the body within the test
        });
        using HttpClient client = factory.CreateClient();
        using HttpResponseMessage response = await client.GetAsync("https://example.com/", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        Stream body = await response.Content.ReadAsStreamAsync();
        using var cts = new CancellationTokenSource(50);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => body.ReadAsync(new byte[10], cts.Token).AsTask().WaitAsync(Patience));

        Assert.Equal(RequestCancelled, Assert.Single(factory.Connections[0].Streams).ReaderAbortCode);
    }

    private static async Task<FakeStream> WaitForStreamAsync(FakeConnectionFactory factory)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            FakeConnection[] connections = factory.Connections;
            if (connections.Length > 0 && connections[0].Streams.Length > 0)
            {
                return connections[0].Streams[0];
            }

            await Task.Delay(5, timeout.Token);
        }
    }
}
