using System.Text;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.WebTransport;

/// <summary>Datagrams, several sessions on one connection, and the limits.</summary>
public sealed class WebTransportConnectionTests
{
    [Fact]
    public async Task Datagrams_are_echoed_up_to_MaxDatagramSize_and_one_byte_more_is_refused_locally()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync();
        await using WebTransportSession session = await WtLoopback.ConnectAsync(server);

        Assert.Equal(Encoding.UTF8.GetBytes("dgram"), await WtLoopback.DatagramRoundTripAsync(session, Encoding.UTF8.GetBytes("dgram")));

        int max = session.MaxDatagramSize;
        Assert.InRange(max, 1000, 1500);
        byte[] largest = new byte[max];
        Random.Shared.NextBytes(largest);
        Assert.Equal(largest, await WtLoopback.DatagramRoundTripAsync(session, largest));

        await Assert.ThrowsAsync<ArgumentException>(() => session.SendDatagramAsync(new byte[max + 1]).AsTask());
    }

    [Fact]
    public async Task Several_sessions_share_a_connection_and_datagrams_reach_the_right_one()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync();
        await using WebTransportClientConnection connection = await WtLoopback.ConnectionAsync(server);
        var sessions = new List<WebTransportSession>();
        for (int i = 0; i < 3; i++)
        {
            sessions.Add(await connection.OpenSessionAsync("/echo").WaitAsync(WtLoopback.Timeout));
        }

        Assert.Equal(3, connection.SessionCount);
        Assert.Equal(3, sessions.Select(s => s.SessionId).Distinct().Count());
        for (int i = 0; i < 3; i++)
        {
            byte[] tag = Encoding.UTF8.GetBytes($"session {i}");
            Assert.Equal(tag, await WtLoopback.DatagramRoundTripAsync(sessions[i], tag));
        }

        // Streams too: each session's echo comes back on its own stream.
        for (int i = 0; i < 3; i++)
        {
            await using WebTransportStream stream = await sessions[i].OpenBidirectionalStreamAsync();
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"stream {i}"), completeWrites: true);
            Assert.Equal($"stream {i}", await WtLoopback.ReadStringAsync(stream));
        }

        await sessions[1].CloseAsync();
        Assert.Equal(2, connection.SessionCount);
        Assert.Equal(Encoding.UTF8.GetBytes("still here"), await WtLoopback.DatagramRoundTripAsync(sessions[2], Encoding.UTF8.GetBytes("still here")));
    }

    [Fact]
    public async Task A_client_opening_too_many_sessions_is_refused_with_H3_REQUEST_REJECTED()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync(o => o.MaxSessionsPerConnection = 2);
        await using WebTransportClientConnection connection = await WtLoopback.ConnectionAsync(server);
        WebTransportSession first = await connection.OpenSessionAsync("/echo");
        WebTransportSession second = await connection.OpenSessionAsync("/echo");

        WebTransportException refused = await Assert.ThrowsAsync<WebTransportException>(() => connection.OpenSessionAsync("/echo").WaitAsync(WtLoopback.Timeout));
        Assert.Equal((long)Http3ErrorCode.RequestRejected, refused.Http3ErrorCode);

        // Closing one makes room again.
        await first.CloseAsync();
        WebTransportSession third = await RetryAsync(() => connection.OpenSessionAsync("/echo"));
        Assert.False(third.IsClosed);
        Assert.False(second.IsClosed);
    }

    [Fact]
    public async Task Stream_limit_per_session_makes_the_client_wait_for_credit()
    {
        var accepted = new TaskCompletionSource<WebTransportStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartEchoAsync(o => o.MaxStreamsPerSession = 2);
        await using WebTransportSession session = await WtLoopback.ConnectAsync(server);

        WebTransportStream a = await session.OpenBidirectionalStreamAsync();
        WebTransportStream b = await session.OpenBidirectionalStreamAsync();
        ValueTask<WebTransportStream> third = session.OpenBidirectionalStreamAsync();
        await Task.Delay(200);
        Assert.False(third.IsCompleted); // the server granted two (SETTINGS_WT_INITIAL_MAX_STREAMS_BIDI)

        // When a stream is over both ways, the server grants another with WT_MAX_STREAMS.
        await a.WriteAsync(new byte[] { 1 }, completeWrites: true);
        Assert.Equal(new byte[] { 1 }, await WtLoopback.ReadToEndAsync(a));
        WebTransportStream c = await third.AsTask().WaitAsync(WtLoopback.Timeout);
        await c.WriteAsync(new byte[] { 3 }, completeWrites: true);
        Assert.Equal(new byte[] { 3 }, await WtLoopback.ReadToEndAsync(c));
        Assert.False(session.IsClosed);
        await b.DisposeAsync();
    }

    [Fact]
    public async Task A_datagram_for_an_unknown_session_is_dropped_and_counted_not_an_error()
    {
        var manager = new TaskCompletionSource<WebTransportManager>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartAsync(routes => routes.MapWebTransport("/echo", async (session, ct) =>
        {
            manager.TrySetResult(((Http3RequestStream)session.Request!.Reader).Connection.WebTransport!);
            await WebTransportEcho.RunAsync(session, ct);
        }));
        await using WebTransportClientConnection connection = await WtLoopback.ConnectionAsync(server);
        WebTransportSession session = await connection.OpenSessionAsync("/echo");
        WebTransportManager serverSide = await manager.Task.WaitAsync(WtLoopback.Timeout);

        // Quarter stream ID 100 (stream 400): no such session.
        byte[] stray = new byte[8];
        HttpDatagram.TryWrite(stray, 400, "lost"u8, out int length);
        for (int i = 0; i < 50 && serverSide.DatagramsDropped == 0; i++)
        {
            await connection.Http3.Quic.SendDatagramAsync(stray.AsMemory(0, length));
            await Task.Delay(20);
        }

        Assert.True(serverSide.DatagramsDropped >= 1);
        Assert.Equal(Encoding.UTF8.GetBytes("fine"), await WtLoopback.DatagramRoundTripAsync(session, Encoding.UTF8.GetBytes("fine")));
        Assert.False(session.IsClosed);
        Assert.False(connection.Http3.Closing.IsCancellationRequested);
    }

    [Fact]
    public async Task A_malformed_quarter_stream_id_closes_the_connection_with_H3_DATAGRAM_ERROR()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync();
        await using WebTransportClientConnection connection = await WtLoopback.ConnectionAsync(server);
        _ = await connection.OpenSessionAsync("/echo");

        // RFC 9297 §2.1: a Quarter Stream ID above 2^60 - 1.
        byte[] bad = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1];
        await connection.Http3.Quic.SendDatagramAsync(bad);
        await Task.Delay(Timeout.Infinite, connection.Http3.Closing).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(WtLoopback.Timeout);

        Assert.Equal(Http3ErrorCode.DatagramError, connection.Http3.CloseError);
    }

    [Fact]
    public async Task A_stream_for_an_unknown_session_is_rejected_with_WT_BUFFERED_STREAM_REJECTED()
    {
        var manager = new TaskCompletionSource<WebTransportManager>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartAsync(routes => routes.MapWebTransport("/echo", async (session, ct) =>
        {
            manager.TrySetResult(((Http3RequestStream)session.Request!.Reader).Connection.WebTransport!);
            await WebTransportEcho.RunAsync(session, ct);
        }));
        await using WebTransportClientConnection connection = await WtLoopback.ConnectionAsync(server);
        _ = await connection.OpenSessionAsync("/echo");
        WebTransportManager serverSide = await manager.Task.WaitAsync(WtLoopback.Timeout);

        // A unidirectional WebTransport stream naming session 400, which never opens.
        QuicStream raw = await connection.Http3.Quic.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
        byte[] preamble = [0x40, 0x54, 0x41, 0x90, 0x00];
        await raw.WriteAsync(preamble);
        QuicException ex = await Assert.ThrowsAsync<QuicException>(() => raw.WritesClosed.WaitAsync(TimeSpan.FromSeconds(15)));

        Assert.Equal((long)Http3ErrorCode.WebTransportBufferedStreamRejected, ex.ApplicationErrorCode);
        Assert.Equal(1, serverSide.StreamsRejected);
    }

    [Fact]
    public async Task Sessions_outlive_GOAWAY_new_streams_work_and_new_sessions_are_refused()
    {
        // An echo that, unlike WebTransportEcho, ignores the drain signal (§4.6: the session may go on).
        await using Http3Server server = await WtLoopback.StartAsync(routes => routes.MapWebTransport("/echo", async (session, ct) =>
        {
            while (true)
            {
                WebTransportStream stream = await session.AcceptStreamAsync(ct);
                _ = Task.Run(async () =>
                {
                    await using (stream)
                    {
                        byte[] all = await WtLoopback.ReadToEndAsync(stream);
                        await stream.WriteAsync(all, completeWrites: true, ct);
                    }
                }, ct);
            }
        }));
        await using WebTransportClientConnection connection = await WtLoopback.ConnectionAsync(server);
        WebTransportSession session = await connection.OpenSessionAsync("/echo");

        Task shutdown = server.ShutdownAsync(TimeSpan.FromSeconds(5));
        for (int i = 0; i < 200 && connection.Http3.IsUsable; i++)
        {
            await Task.Delay(10);
        }

        Assert.False(connection.Http3.IsUsable); // GOAWAY arrived
        await using (WebTransportStream stream = await session.OpenBidirectionalStreamAsync())
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes("after goaway"), completeWrites: true);
            Assert.Equal("after goaway", await WtLoopback.ReadStringAsync(stream));
        }

        Assert.True(session.Draining.IsCompleted);
        WebTransportException refused = await Assert.ThrowsAsync<WebTransportException>(() => connection.OpenSessionAsync("/echo"));
        Assert.Contains("GOAWAY", refused.Message, StringComparison.Ordinal);

        await session.CloseAsync();
        await shutdown.WaitAsync(WtLoopback.Timeout);
    }

    [Fact]
    public async Task Losing_the_connection_ends_every_session_abruptly_on_both_sides()
    {
        var serverClosed = new TaskCompletionSource<WebTransportCloseInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartAsync(routes => routes.MapWebTransport("/hold", async (session, ct) =>
        {
            serverClosed.TrySetResult(await session.Closed);
        }));
        WebTransportClientConnection connection = await WtLoopback.ConnectionAsync(server);
        WebTransportSession a = await connection.OpenSessionAsync("/hold");
        WebTransportSession b = await connection.OpenSessionAsync("/hold");

        await connection.DisposeAsync();

        Assert.True((await a.Closed.WaitAsync(WtLoopback.Timeout)).Abrupt);
        Assert.True((await b.Closed.WaitAsync(WtLoopback.Timeout)).Abrupt);
        Assert.True((await serverClosed.Task.WaitAsync(WtLoopback.Timeout)).Abrupt);
        await Assert.ThrowsAsync<WebTransportException>(() => a.SendDatagramAsync(new byte[1]).AsTask());
        await Assert.ThrowsAsync<WebTransportException>(() => b.ReceiveDatagramAsync(new byte[16]).AsTask());
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> action)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await action().WaitAsync(WtLoopback.Timeout);
            }
            catch (WebTransportException) when (attempt < 20)
            {
                await Task.Delay(50);
            }
        }
    }
}
