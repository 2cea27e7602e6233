namespace SharpQuic.Http3.Tests.WebTransport;

/// <summary>
/// Resets of WebTransport streams go out as RESET_STREAM_AT covering the stream header (draft-ietf-webtrans-http3 §4.4),
/// and the session's data credit follows the final sizes of reset streams (§5.4).
/// </summary>
public sealed class WebTransportResetTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stream_reset_at_once_still_reaches_the_peer_as_a_stream_of_the_session(bool bidirectional)
    {
        var seen = new TaskCompletionSource<(bool Bidirectional, uint? Code)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartAsync(routes => routes.MapWebTransport("/reset", async (session, ct) =>
        {
            WebTransportStream stream = await session.AcceptStreamAsync(ct);
            try
            {
                await Task.Delay(200, ct); // the reset has arrived by now
                await WtLoopback.ReadToEndAsync(stream);
                seen.TrySetResult((stream.IsBidirectional, null));
            }
            catch (WebTransportException ex)
            {
                seen.TrySetResult((stream.IsBidirectional, ex.ApplicationErrorCode));
            }

            await session.Closed.WaitAsync(ct);
        }));
        await using WebTransportSession session = await WtLoopback.ConnectAsync(server, "/reset");

        // The header and a body are written, then the stream is reset before anything could be read: with a plain
        // RESET_STREAM the header could be discarded and the server would never learn the stream's session.
        WebTransportStream stream = bidirectional ? await session.OpenBidirectionalStreamAsync() : await session.OpenUnidirectionalStreamAsync();
        await stream.WriteAsync(new byte[50_000]);
        stream.Abort(QuicAbortDirection.Write, 77);

        (bool wasBidirectional, uint? code) = await seen.Task.WaitAsync(WtLoopback.Timeout);
        Assert.Equal(bidirectional, wasBidirectional);
        Assert.Equal(77u, code);
    }

    [Fact]
    public async Task Reset_streams_use_up_exactly_their_final_size_of_the_session_credit()
    {
        // The server sends 40 KB on each of many unidirectional streams and resets each; the client reads each until
        // the reset. With a 64 KiB window, the session would stall after two streams if either side counted the credit
        // of a reset stream differently from its final size (§5.4).
        const int Streams = 12;
        await using Http3Server server = await WtLoopback.StartAsync(
            routes => routes.MapWebTransport("/resets", async (session, ct) =>
            {
                for (int i = 0; i < Streams; i++)
                {
                    WebTransportStream stream = await session.OpenUnidirectionalStreamAsync(ct);
                    await stream.WriteAsync(new byte[40_000], ct);
                    if (i % 2 == 0)
                    {
                        // Sent before the reset: the final size covers the body, which the client never reads.
                        await Task.Delay(30, ct);
                    }

                    stream.Abort(QuicAbortDirection.Write, (uint)i);
                }

                WebTransportStream last = await session.OpenUnidirectionalStreamAsync(ct);
                await last.WriteAsync(new byte[100_000], completeWrites: true, ct);
                await session.Closed.WaitAsync(ct);
            }),
            o => o.SessionDataWindow = 64 * 1024);
        WebTransportClientOptions options = WtLoopback.ClientOptions();
        options.SessionDataWindow = 64 * 1024;
        await using WebTransportSession session = await WebTransportSession.ConnectAsync(WtLoopback.Uri(server, "/resets"), options).WaitAsync(WtLoopback.Timeout);

        var codes = new List<uint>();
        while (true)
        {
            await using WebTransportStream stream = await session.AcceptStreamAsync().AsTask().WaitAsync(WtLoopback.Timeout);
            await Task.Delay(60); // the reset overtakes our reading: what was sent is dropped unread
            try
            {
                byte[] all = await WtLoopback.ReadToEndAsync(stream);
                Assert.Equal(100_000, all.Length);
                break;
            }
            catch (WebTransportException ex)
            {
                codes.Add(ex.ApplicationErrorCode!.Value);
            }
        }

        Assert.Equal(Enumerable.Range(0, Streams).Select(i => (uint)i), codes.Order());
    }

    [Fact]
    public async Task Streams_the_application_abandons_give_their_credit_back_once_the_peer_answers()
    {
        // The client reads one byte of each 40 KB stream and disposes it (STOP_SENDING); the server's stream is reset
        // in answer. Both ends must settle on the reset's final size, or a 64 KiB session window runs dry (§5.4).
        const int Streams = 12;
        await using Http3Server server = await WtLoopback.StartAsync(
            routes => routes.MapWebTransport("/abandon", async (session, ct) =>
            {
                for (int i = 0; i < Streams; i++)
                {
                    WebTransportStream stream = await session.OpenUnidirectionalStreamAsync(ct);
                    try
                    {
                        await stream.WriteAsync(new byte[40_000], completeWrites: true, ct);
                    }
                    catch (WebTransportException)
                    {
                        // The client stopped reading before everything was taken.
                    }
                }

                WebTransportStream last = await session.OpenUnidirectionalStreamAsync(ct);
                await last.WriteAsync(new byte[100_000], completeWrites: true, ct);
                await session.Closed.WaitAsync(ct);
            }),
            o => o.SessionDataWindow = 64 * 1024);
        WebTransportClientOptions options = WtLoopback.ClientOptions();
        options.SessionDataWindow = 64 * 1024;
        await using WebTransportSession session = await WebTransportSession.ConnectAsync(WtLoopback.Uri(server, "/abandon"), options).WaitAsync(WtLoopback.Timeout);

        for (int i = 0; i < Streams; i++)
        {
            await using WebTransportStream stream = await session.AcceptStreamAsync().AsTask().WaitAsync(WtLoopback.Timeout);
            Assert.Equal(1, await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(WtLoopback.Timeout));
        }

        await using WebTransportStream lastStream = await session.AcceptStreamAsync().AsTask().WaitAsync(WtLoopback.Timeout);
        Assert.Equal(100_000, (await WtLoopback.ReadToEndAsync(lastStream)).Length);
    }
}
