using System.Diagnostics;

namespace SharpQuic.Http3.Tests.WebTransport;

/// <summary>WT_DRAIN_SESSION and GOAWAY (draft-ietf-webtrans-http3 §4.6), and per-session keying material (§4.8).</summary>
public sealed class WebTransportDrainTests
{
    private static async Task<(Http3Server Server, WebTransportSession Client, WebTransportSession Held)> HoldAsync(Action<WebTransportServerOptions>? configure = null)
    {
        var held = new TaskCompletionSource<WebTransportSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        Http3Server server = await WtLoopback.StartAsync(routes => routes.MapWebTransport("/hold", async (session, ct) =>
        {
            held.TrySetResult(session);
            await session.Closed.WaitAsync(ct);
        }), configure);
        WebTransportSession client = await WtLoopback.ConnectAsync(server, "/hold");
        return (server, client, await held.Task.WaitAsync(WtLoopback.Timeout));
    }

    [Fact]
    public async Task WT_DRAIN_SESSION_reaches_the_peer_as_a_signal_and_the_session_keeps_working()
    {
        var (server, client, held) = await HoldAsync();
        await using (server)
        await using (client)
        {
            Assert.False(held.Draining.IsCompleted);
            await client.DrainAsync();
            await client.DrainAsync(); // once only

            await held.Draining.WaitAsync(WtLoopback.Timeout);
            Assert.False(client.Draining.IsCompleted); // we asked; nobody asked us
            Assert.False(held.IsClosed);

            // Still usable both ways (§4.6: MAY open new streams and send datagrams).
            await using WebTransportStream stream = await held.OpenUnidirectionalStreamAsync();
            await stream.WriteAsync("still here"u8.ToArray(), completeWrites: true);
            await using WebTransportStream incoming = await client.AcceptStreamAsync().AsTask().WaitAsync(WtLoopback.Timeout);
            Assert.Equal("still here", await WtLoopback.ReadStringAsync(incoming));
        }
    }

    [Fact]
    public async Task A_graceful_shutdown_drains_the_echo_sessions_which_close_cleanly_well_before_the_timeout()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync();
        await using WebTransportSession session = await WtLoopback.ConnectAsync(server);
        await using WebTransportStream stream = await session.OpenBidirectionalStreamAsync();
        await stream.WriteAsync("x"u8.ToArray());

        var clock = Stopwatch.StartNew();
        Task shutdown = server.ShutdownAsync(TimeSpan.FromSeconds(20));

        await session.Draining.WaitAsync(WtLoopback.Timeout); // the server's GOAWAY drains the client's sessions too
        WebTransportCloseInfo closed = await session.Closed.WaitAsync(WtLoopback.Timeout);
        await shutdown.WaitAsync(WtLoopback.Timeout);

        Assert.Equal(0u, closed.ErrorCode);
        Assert.False(closed.Abrupt);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {clock.Elapsed}");
    }

    [Fact]
    public async Task After_the_servers_GOAWAY_a_client_connection_opens_no_new_session()
    {
        var held = new TaskCompletionSource<WebTransportSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartAsync(routes => routes.MapWebTransport("/hold", async (session, ct) =>
        {
            held.TrySetResult(session);
            await session.Closed.WaitAsync(ct);
        }));
        await using WebTransportClientConnection connection = await WtLoopback.ConnectionAsync(server);
        WebTransportSession first = await connection.OpenSessionAsync("/hold").WaitAsync(WtLoopback.Timeout);
        await held.Task.WaitAsync(WtLoopback.Timeout);

        Task shutdown = server.ShutdownAsync(TimeSpan.FromSeconds(2));
        await first.Draining.WaitAsync(WtLoopback.Timeout);

        WebTransportException refused = await Assert.ThrowsAsync<WebTransportException>(() => connection.OpenSessionAsync("/hold"));
        Assert.Contains("GOAWAY", refused.Message, StringComparison.Ordinal);
        await shutdown.WaitAsync(WtLoopback.Timeout);
    }

    [Fact]
    public async Task Session_keying_material_is_shared_by_the_two_ends_and_differs_between_sessions()
    {
        var held = new List<WebTransportSession>();
        var two = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartAsync(routes => routes.MapWebTransport("/hold", async (session, ct) =>
        {
            lock (held)
            {
                held.Add(session);
                if (held.Count == 2)
                {
                    two.TrySetResult();
                }
            }

            await session.Closed.WaitAsync(ct);
        }));
        await using WebTransportClientConnection connection = await WtLoopback.ConnectionAsync(server);
        WebTransportSession a = await connection.OpenSessionAsync("/hold").WaitAsync(WtLoopback.Timeout);
        WebTransportSession b = await connection.OpenSessionAsync("/hold").WaitAsync(WtLoopback.Timeout);
        await two.Task.WaitAsync(WtLoopback.Timeout);
        WebTransportSession serverA = held.Single(s => s.SessionId == a.SessionId);

        byte[] client = a.ExportKeyingMaterial("game keys", "round 1"u8, 32);
        Assert.Equal(client, serverA.ExportKeyingMaterial("game keys", "round 1"u8, 32));
        Assert.NotEqual(client, b.ExportKeyingMaterial("game keys", "round 1"u8, 32));
        Assert.NotEqual(client, a.ExportKeyingMaterial("game keys", "round 2"u8, 32));
        Assert.NotEqual(client, a.ExportKeyingMaterial("other keys", "round 1"u8, 32));
        Assert.Throws<ArgumentException>(() => a.ExportKeyingMaterial(new string('x', 256), [], 32));
        Assert.Throws<ArgumentException>(() => a.ExportKeyingMaterial("game keys", new byte[256], 32));

        await a.CloseAsync();
        Assert.Throws<WebTransportException>(() => a.ExportKeyingMaterial("game keys", "round 1"u8, 32));
    }

    [Fact]
    public async Task Bytes_after_WT_CLOSE_SESSION_reset_the_CONNECT_stream_with_H3_MESSAGE_ERROR()
    {
        var (server, client, held) = await HoldAsync();
        await using (server)
        await using (client)
        {
            byte[] capsules = new byte[64];
            Assert.True(SharpQuic.Http3.Wire.CapsuleWriter.TryWriteCloseSession(capsules, 9, "bye"u8, out int close));
            Assert.True(SharpQuic.Http3.Wire.CapsuleWriter.TryWriteDrainSession(capsules.AsSpan(close), out int drain));
            await client.WriteCapsuleAsync(capsules.AsMemory(0, close + drain));

            WebTransportCloseInfo serverSide = await held.Closed.WaitAsync(WtLoopback.Timeout);
            Assert.Equal(9u, serverSide.ErrorCode);
            WebTransportCloseInfo clientSide = await client.Closed.WaitAsync(WtLoopback.Timeout);
            Assert.True(clientSide.Abrupt);
            Assert.Contains(nameof(SharpQuic.Http3.Wire.Http3ErrorCode.MessageError), clientSide.Reason, StringComparison.Ordinal);
        }
    }
}
