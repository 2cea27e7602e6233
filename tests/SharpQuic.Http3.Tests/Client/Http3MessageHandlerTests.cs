using System.Net;
using System.Net.Http.Headers;
using System.Text;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.Client;

/// <summary>Request and response mapping, streaming, version and URI policy of <see cref="Http3MessageHandler"/>.</summary>
public sealed class Http3MessageHandlerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Get_SendsPseudoHeadersFirstInOrder_DropsConnectionSpecificFields_AndMapsTheResponse()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.RequestHeaders;
            s.SendHeaders(201, ("server", "fake"), ("content-type", "text/plain"), ("x-resp", "1"), ("content-language", "en"));
            await s.SendDataAsync("hel"u8.ToArray());
            await s.SendDataAsync("lo"u8.ToArray());
            s.End(("x-checksum", "abc"));
        });
        using HttpClient client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://Example.com:8443/a/b%20c?x=1&y=2#frag") { Version = HttpVersion.Version30 };
        request.Headers.TryAddWithoutValidation("Connection", "close, X-Hop");
        request.Headers.TryAddWithoutValidation("X-Hop", "hop");
        request.Headers.TryAddWithoutValidation("Keep-Alive", "timeout=5");
        request.Headers.TryAddWithoutValidation("Proxy-Connection", "keep-alive");
        request.Headers.TransferEncodingChunked = true;
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("TE", "trailers, deflate");
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("a", "1"));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("b", "2"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        request.Headers.TryAddWithoutValidation("X-Custom", "Value");

        using HttpResponseMessage response = await client.SendAsync(request).WaitAsync(Patience);

        FakeStream stream = Assert.Single(factory.Connections[0].Streams);
        Http3HeaderSection sent = await stream.RequestHeaders;
        Assert.Equal(
            [new(":method", "GET"), new(":scheme", "https"), new(":authority", "example.com:8443"), new(":path", "/a/b%20c?x=1&y=2")],
            sent.PseudoHeaders.ToList());
        var fields = sent.Fields.ToList();
        Assert.All(fields, f => Assert.Equal(f.Key.ToLowerInvariant(), f.Key));
        Assert.Equal("a/1 b/2", sent.Fields["user-agent"]);
        Assert.Equal("text/plain", sent.Fields["accept"]);
        Assert.Equal("Value", sent.Fields["x-custom"]);
        Assert.Equal("trailers", sent.Fields["te"]);
        foreach (string dropped in new[] { "connection", "x-hop", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host", "content-length" })
        {
            Assert.False(sent.Fields.Contains(dropped), dropped);
        }

        Assert.True(stream.RequestEnded);
        Assert.Empty(stream.RequestBody);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpVersion.Version30, response.Version);
        Assert.Same(request, response.RequestMessage);
        Assert.Equal("1", Assert.Single(response.Headers.GetValues("x-resp")));
        Assert.Equal("fake", response.Headers.Server.ToString());
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("en", Assert.Single(response.Content.Headers.ContentLanguage));
        Assert.Equal("hello", await response.Content.ReadAsStringAsync());
        Assert.Equal("abc", Assert.Single(response.TrailingHeaders.GetValues("x-checksum")));
        Assert.Null(stream.ReaderAbortCode);
        Assert.Null(stream.WriterAbortCode);
    }

    [Theory]
    [InlineData("https://example.com/", null, "example.com", "example.com", 443, "/")]
    [InlineData("https://example.com", null, "example.com", "example.com", 443, "/")]
    [InlineData("https://example.com:443/p", null, "example.com", "example.com", 443, "/p")]
    [InlineData("https://[::1]:8443/x", null, "[::1]:8443", "::1", 8443, "/x")]
    [InlineData("https://[2001:DB8::1]/x", null, "[2001:db8::1]", "2001:db8::1", 443, "/x")]
    [InlineData("https://[fe80::1%25eth0]:8443/", null, "[fe80::1]:8443", "fe80::1%eth0", 8443, "/")]
    [InlineData("https://127.0.0.1:4433/x?q", null, "127.0.0.1:4433", "127.0.0.1", 4433, "/x?q")]
    [InlineData("https://user:pw@example.com/", null, "example.com", "example.com", 443, "/")]
    [InlineData("https://example.com/", "other.example:444", "other.example:444", "example.com", 443, "/")]
    public async Task Authority_Origin_AndPath(string uri, string? host, string authority, string originHost, int originPort, string path)
    {
        var factory = new FakeConnectionFactory(Respond200);
        using HttpClient client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, uri) { Version = HttpVersion.Version30 };
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        using HttpResponseMessage response = await client.SendAsync(request).WaitAsync(Patience);

        Http3HeaderSection sent = await Assert.Single(factory.Connections[0].Streams).RequestHeaders;
        Assert.Equal(authority, sent.PseudoHeaders[":authority"]);
        Assert.Equal(path, sent.PseudoHeaders[":path"]);
        Http3Origin origin = Assert.Single(factory.Origins);
        Assert.Equal(originHost, origin.Host);
        Assert.Equal(originPort, origin.Port);
    }

    [Fact]
    public async Task Post_BufferedContent_SendsContentLengthDataAndFin()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            byte[] body = await s.ReadRequestBodyAsync();
            s.SendHeaders(200);
            await s.SendDataAsync(Encoding.UTF8.GetBytes(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            s.End();
        });
        using HttpClient client = factory.CreateClient();
        byte[] payload = new byte[200_000];
        new Random(7).NextBytes(payload);
        using var content = new ByteArrayContent(payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");

        using HttpResponseMessage response = await client.PostAsync("https://example.com/upload", content).WaitAsync(Patience);

        FakeStream stream = Assert.Single(factory.Connections[0].Streams);
        Http3HeaderSection sent = await stream.RequestHeaders;
        Assert.Equal("POST", sent.PseudoHeaders[":method"]);
        Assert.Equal("200000", sent.Fields["content-length"]);
        Assert.Single(sent.Fields.GetValues("content-length"));
        Assert.Equal("application/octet-stream", sent.Fields["content-type"]);
        Assert.Equal(payload, stream.RequestBody);
        Assert.True(stream.RequestEnded);
        Assert.Equal("200000", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Post_UploadRunsConcurrentlyWithTheResponse_EchoPingPong()
    {
        // The server echoes each chunk as it arrives; the content writes chunk i+1 only after the test has read the
        // echo of chunk i. If the handler finished the upload before handing out the response, this would deadlock.
        var factory = new FakeConnectionFactory(async s =>
        {
            s.SendHeaders(200, ("content-type", "application/octet-stream"));
            while (await s.ReadRequestChunkAsync() is byte[] chunk)
            {
                await s.SendDataAsync(chunk);
            }

            s.End(("x-echoed", "yes"));
        });
        using HttpClient client = factory.CreateClient();
        var content = new PingPongContent(rounds: 20, chunkSize: 1000);
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://echo.example/") { Version = HttpVersion.Version30, Content = content };

        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        await using Stream body = await response.Content.ReadAsStreamAsync();
        byte[] buffer = new byte[1000];
        for (int round = 0; round < 20; round++)
        {
            await body.ReadExactlyAsync(buffer).AsTask().WaitAsync(Patience);
            Assert.All(buffer, b => Assert.Equal((byte)round, b));
            content.EchoSeen.Release();
        }

        Assert.Equal(0, await body.ReadAsync(buffer).AsTask().WaitAsync(Patience));
        Assert.Equal("yes", Assert.Single(response.TrailingHeaders.GetValues("x-echoed")));
        FakeStream stream = Assert.Single(factory.Connections[0].Streams);
        Assert.True(stream.RequestEnded);
        Assert.False((await stream.RequestHeaders).Fields.Contains("content-length"));
    }

    [Fact]
    public async Task ServerStopsTheUploadWithNoError_TheResponseStands()
    {
        // RFC 9114 §4.1.1: a server may answer before the request ends and STOP_SENDING with H3_NO_ERROR.
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.ReadRequestChunkAsync();
            s.StopSending(Http3ErrorCode.NoError);
            await Task.Delay(50); // the client's next write fails before the response arrives
            s.SendHeaders(413);
            s.End();
        });
        using HttpClient client = factory.CreateClient();
        var content = new PingPongContent(rounds: 1000, chunkSize: 10, waitForEcho: false);

        using HttpResponseMessage response = await client.PostAsync("https://example.com/", content).WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ContentThatFailsBeforeHeaders_FailsTheRequest_AndResetsTheStream()
    {
        var factory = new FakeConnectionFactory(async s => await s.ReadRequestBodyAsync());
        using HttpClient client = factory.CreateClient();
        using var content = new FailingContent();

        HttpRequestException e = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync("https://example.com/", content).WaitAsync(Patience));

        Assert.IsType<FormatException>(e.InnerException);
        FakeStream stream = Assert.Single(factory.Connections[0].Streams);
        Assert.Equal((long)Http3ErrorCode.RequestCancelled, stream.WriterAbortCode);
        Assert.False(stream.RequestEnded);
    }

    [Fact]
    public async Task ContentThatFailsAfterTheResponseHeaders_FailsTheBodyRead()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            s.SendHeaders(200);
            await s.ReadRequestBodyAsync(); // sees the client's reset
        });
        using HttpClient client = factory.CreateClient();
        var content = new GatedFailingContent();
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://example.com/") { Version = HttpVersion.Version30, Content = content };
        using HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        Stream body = await response.Content.ReadAsStreamAsync();
        Task<int> read = body.ReadAsync(new byte[10]).AsTask();

        content.Fail.SetResult();

        HttpIOException e = await Assert.ThrowsAsync<HttpIOException>(() => read.WaitAsync(Patience));
        Assert.IsType<FormatException>(e.InnerException);
        FakeStream stream = Assert.Single(factory.Connections[0].Streams);
        Assert.Equal((long)Http3ErrorCode.RequestCancelled, stream.WriterAbortCode);
        Assert.Equal((long)Http3ErrorCode.RequestCancelled, stream.ReaderAbortCode);
    }

    [Fact]
    public async Task ContentShorterThanItsContentLength_IsRefused()
    {
        var factory = new FakeConnectionFactory(async s => await s.ReadRequestBodyAsync());
        using HttpClient client = factory.CreateClient();
        using var content = new StreamContent(new MemoryStream(new byte[10]));
        content.Headers.ContentLength = 20;

        await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync("https://example.com/", content).WaitAsync(Patience));

        FakeStream stream = Assert.Single(factory.Connections[0].Streams);
        Assert.False(stream.RequestEnded);
        Assert.Equal((long)Http3ErrorCode.RequestCancelled, stream.WriterAbortCode);
    }

    [Fact]
    public async Task ResponseHeadersRead_ReturnsBeforeTheBody()
    {
        var bodyGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factory = new FakeConnectionFactory(async s =>
        {
            s.SendHeaders(200);
            await bodyGate.Task;
            await s.SendDataAsync("late"u8.ToArray());
            s.End();
        });
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("https://example.com/", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);

        Assert.False(bodyGate.Task.IsCompleted);
        Task<string> body = response.Content.ReadAsStringAsync();
        await Task.Delay(50);
        Assert.False(body.IsCompleted);
        bodyGate.SetResult();
        Assert.Equal("late", await body.WaitAsync(Patience));
    }

    [Fact]
    public async Task ResponseContentRead_BuffersTheWholeBody()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            s.SendHeaders(200);
            for (int i = 0; i < 10; i++)
            {
                await s.SendDataAsync(new byte[1000]);
            }

            s.End();
        });
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync("https://example.com/").WaitAsync(Patience);

        Assert.Equal(10_000, (await response.Content.ReadAsByteArrayAsync()).Length);
    }

    [Theory]
    [InlineData("http://example.com/")]
    [InlineData("ftp://example.com/")]
    public async Task NonHttpsUri_IsRefused(string uri)
    {
        var factory = new FakeConnectionFactory(Respond200);
        using HttpClient client = factory.CreateClient();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(uri));

        Assert.Equal(0, factory.Connects);
    }

    [Theory]
    [InlineData(1, 1, HttpVersionPolicy.RequestVersionOrLower, false)]
    [InlineData(2, 0, HttpVersionPolicy.RequestVersionOrLower, false)]
    [InlineData(2, 0, HttpVersionPolicy.RequestVersionExact, false)]
    [InlineData(1, 1, HttpVersionPolicy.RequestVersionOrHigher, true)]
    [InlineData(2, 0, HttpVersionPolicy.RequestVersionOrHigher, true)]
    [InlineData(3, 0, HttpVersionPolicy.RequestVersionExact, true)]
    [InlineData(3, 0, HttpVersionPolicy.RequestVersionOrLower, true)]
    [InlineData(3, 0, HttpVersionPolicy.RequestVersionOrHigher, true)]
    public async Task VersionPolicy(int major, int minor, HttpVersionPolicy policy, bool allowed)
    {
        var factory = new FakeConnectionFactory(Respond200);
        using var invoker = new HttpMessageInvoker(factory.CreateHandler());
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.com/") { Version = new Version(major, minor), VersionPolicy = policy };

        if (allowed)
        {
            using HttpResponseMessage response = await invoker.SendAsync(request, default).WaitAsync(Patience);
            Assert.Equal(HttpVersion.Version30, response.Version);
            Assert.Equal(1, factory.Connects);
        }
        else
        {
            HttpRequestException e = await Assert.ThrowsAsync<HttpRequestException>(() => invoker.SendAsync(request, default));
            Assert.Equal(HttpRequestError.VersionNegotiationError, e.HttpRequestError);
            Assert.Equal(0, factory.Connects);
        }
    }

    [Fact]
    public async Task DefaultHttpClientRequest_Http11OrLower_IsRefused()
    {
        var factory = new FakeConnectionFactory(Respond200);
        using var client = new HttpClient(factory.CreateHandler());

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("https://example.com/"));
    }

    [Fact]
    public async Task Connect_IsRefused()
    {
        var factory = new FakeConnectionFactory(Respond200);
        using HttpClient client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Connect, "https://example.com:443/") { Version = HttpVersion.Version30 };

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request));
        Assert.Equal(0, factory.Connects);
    }

    [Fact]
    public async Task HeaderValueWithNewline_IsRefused()
    {
        var factory = new FakeConnectionFactory(Respond200);
        using HttpClient client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.com/") { Version = HttpVersion.Version30 };
        Assert.True(request.Headers.TryAddWithoutValidation("x-evil", "a\r\nb"));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request));
    }

    [Theory]
    [InlineData(":status", "abc")]
    [InlineData(":status", "20")]
    [InlineData(":status", "2000")]
    [InlineData(":status", "101")]
    [InlineData(":status", "600")]
    [InlineData(":path", "/")]
    public async Task MalformedStatus_FailsWithMessageError(string name, string value)
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.RequestHeaders;
            var pseudo = new Http3Headers();
            pseudo.Add(name, value);
            s.SendHeaders(pseudo);
        });
        using HttpClient client = factory.CreateClient();

        HttpRequestException e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("https://example.com/").WaitAsync(Patience));

        Assert.Equal(HttpRequestError.InvalidResponse, e.HttpRequestError);
        FakeStream stream = Assert.Single(factory.Connections[0].Streams);
        Assert.Equal((long)Http3ErrorCode.MessageError, stream.ReaderAbortCode);
        Assert.Equal((long)Http3ErrorCode.MessageError, stream.WriterAbortCode);
    }

    [Fact]
    public async Task StreamResetBeforeHeaders_IsAnHttpProtocolError_WithTheCode()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            await s.RequestHeaders;
            s.Reset(Http3ErrorCode.InternalError);
        });
        using HttpClient client = factory.CreateClient();

        HttpRequestException e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("https://example.com/").WaitAsync(Patience));

        Assert.Equal(HttpRequestError.HttpProtocolError, e.HttpRequestError);
        Assert.Contains("0x102", e.Message, StringComparison.Ordinal);
        Assert.Equal(Http3ErrorCode.InternalError, Assert.IsType<Http3Exception>(e.InnerException).ErrorCode);
        Assert.Equal(1, factory.Connects);
    }

    [Fact]
    public async Task StreamResetInTheBody_FailsTheRead_WithHttpIOException()
    {
        var factory = new FakeConnectionFactory(async s =>
        {
            s.SendHeaders(200);
            await s.SendDataAsync([1, 2, 3]);
            s.Reset(Http3ErrorCode.InternalError);
        });
        using HttpClient client = factory.CreateClient();
        using HttpResponseMessage response = await client.GetAsync("https://example.com/", HttpCompletionOption.ResponseHeadersRead).WaitAsync(Patience);
        await using Stream body = await response.Content.ReadAsStreamAsync();
        byte[] buffer = new byte[3];
        await body.ReadExactlyAsync(buffer).AsTask().WaitAsync(Patience);

        HttpIOException e = await Assert.ThrowsAsync<HttpIOException>(() => body.ReadAsync(buffer).AsTask().WaitAsync(Patience));

        Assert.Equal(HttpRequestError.HttpProtocolError, e.HttpRequestError);
        Assert.Equal(Http3ErrorCode.InternalError, Assert.IsType<Http3Exception>(e.InnerException).ErrorCode);
    }

    [Fact]
    public async Task ResponseContent_CanBeReadOnlyOnce()
    {
        var factory = new FakeConnectionFactory(Respond200);
        using var invoker = new HttpMessageInvoker(factory.CreateHandler());
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://example.com/") { Version = HttpVersion.Version30 };
        using HttpResponseMessage response = await invoker.SendAsync(request, default).WaitAsync(Patience);

        Stream body = await response.Content.ReadAsStreamAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => response.Content.CopyToAsync(Stream.Null));
        using var reader = new StreamReader(body);
        Assert.Equal("ok", await reader.ReadToEndAsync());
    }

    [Fact]
    public void CreateQuicOptions_SetsAlpnSniTimeoutsAndStreamLimits_ThenTheCallback()
    {
        var options = new Http3ClientOptions
        {
            AllowInvalidCertificates = true,
            IdleTimeout = TimeSpan.FromSeconds(7),
            ConnectTimeout = TimeSpan.FromSeconds(3),
            ConfigureConnection = o => o.QuicVersion = 2,
        };

        QuicClientConnectionOptions quic = options.CreateQuicOptions(new Http3Origin("example.com", 4433));

        Assert.Equal("h3", Assert.Single(quic.ClientAuthenticationOptions.ApplicationProtocols!).ToString());
        Assert.Equal("example.com", quic.ClientAuthenticationOptions.TargetHost);
        Assert.NotNull(quic.ClientAuthenticationOptions.RemoteCertificateValidationCallback);
        Assert.True(quic.ClientAuthenticationOptions.RemoteCertificateValidationCallback!(this, null, null, System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch));
        var endPoint = Assert.IsType<DnsEndPoint>(quic.RemoteEndPoint);
        Assert.Equal(("example.com", 4433), (endPoint.Host, endPoint.Port));
        Assert.Equal(TimeSpan.FromSeconds(7), quic.IdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(3), quic.HandshakeTimeout);
        Assert.True(quic.MaxInboundUnidirectionalStreams >= 3);
        Assert.Equal((long)Http3ErrorCode.RequestCancelled, quic.DefaultStreamErrorCode);
        Assert.Equal((long)Http3ErrorCode.NoError, quic.DefaultCloseErrorCode);
        Assert.Equal(2, quic.QuicVersion);
        Assert.Null(new Http3ClientOptions().CreateQuicOptions(new Http3Origin("h", 443)).ClientAuthenticationOptions.RemoteCertificateValidationCallback);
    }

    [Fact]
    public void InvalidOptions_AreRefused()
    {
        var factory = new FakeConnectionFactory(Respond200);
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.CreateHandler(new Http3ClientOptions { MaxConnectionsPerOrigin = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.CreateHandler(new Http3ClientOptions { ConnectTimeout = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => factory.CreateHandler(new Http3ClientOptions { IdleTimeout = TimeSpan.FromSeconds(-2) }));
    }

    internal static async Task Respond200(FakeStream s)
    {
        await s.RequestHeaders;
        await s.ReadRequestBodyAsync();
        s.SendHeaders(200);
        await s.SendDataAsync("ok"u8.ToArray());
        s.End();
    }
}
