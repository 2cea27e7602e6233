using System.Net;
using System.Net.Sockets;

namespace SharpQuic.Tests.Api;

/// <summary>Cancellation, disposal, timeouts and closes: every pending operation ends, with the right error.</summary>
[Collection(LoopbackCollection.Name)]
public sealed class LifetimeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Connect_to_a_silent_port_is_cancellable()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var started = DateTime.UtcNow;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await QuicConnection.ConnectAsync(TestPeers.ClientOptions((IPEndPoint)silent.LocalEndPoint!), cts.Token));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Connect_to_a_silent_port_times_out_with_ConnectionTimeout()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        QuicException e = await Assert.ThrowsAsync<QuicException>(async () =>
            await QuicConnection.ConnectAsync(TestPeers.ClientOptions((IPEndPoint)silent.LocalEndPoint!, o => o.HandshakeTimeout = TimeSpan.FromMilliseconds(700))).AsTask().WaitAsync(Limit));
        Assert.Equal(QuicError.ConnectionTimeout, e.QuicError);
    }

    [Fact]
    public async Task A_refused_certificate_fails_ConnectAsync_with_AuthenticationException()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        await Assert.ThrowsAsync<System.Security.Authentication.AuthenticationException>(async () =>
            await TestPeers.ConnectAsync(listener, o => o.ClientAuthenticationOptions.RemoteCertificateValidationCallback = (_, _, _, _) => false).AsTask().WaitAsync(Limit));
    }

    [Fact]
    public async Task Unset_default_error_codes_are_refused_as_in_System_Net_Quic()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await TestPeers.ConnectAsync(listener, o => o.DefaultStreamErrorCode = -1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await TestPeers.ConnectAsync(listener, o => o.DefaultCloseErrorCode = -1));
    }

    [Fact]
    public async Task Peer_close_fails_pending_operations_with_its_application_error_code()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            await stream.WriteAsync(new byte[] { 1 });
            await using QuicStream inbound = await server.AcceptInboundStreamAsync();
            ValueTask<int> pendingRead = stream.ReadAsync(new byte[10]);
            ValueTask<QuicStream> pendingAccept = client.AcceptInboundStreamAsync();
            await server.CloseAsync(42);
            QuicException read = await Assert.ThrowsAsync<QuicException>(async () => await pendingRead.AsTask().WaitAsync(Limit));
            Assert.Equal(QuicError.ConnectionAborted, read.QuicError);
            Assert.Equal(42, read.ApplicationErrorCode);
            QuicException accept = await Assert.ThrowsAsync<QuicException>(async () => await pendingAccept.AsTask().WaitAsync(Limit));
            Assert.Equal(42, accept.ApplicationErrorCode);
            QuicException open = await Assert.ThrowsAsync<QuicException>(async () => await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional));
            Assert.Equal(QuicError.ConnectionAborted, open.QuicError);
        }
    }

    [Fact]
    public async Task Disposing_a_connection_completes_its_pending_operations()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (server)
        {
            QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            await stream.WriteAsync(new byte[] { 1 });

            // The server has the stream before the client goes away (a write completes once buffered, not sent).
            await using QuicStream opened = await server.AcceptInboundStreamAsync().AsTask().WaitAsync(Limit);
            ValueTask<int> pendingRead = stream.ReadAsync(new byte[10]);
            ValueTask<QuicStream> pendingAccept = client.AcceptInboundStreamAsync();
            await client.DisposeAsync();
            QuicException read = await Assert.ThrowsAsync<QuicException>(async () => await pendingRead.AsTask().WaitAsync(Limit));
            Assert.Equal(QuicError.OperationAborted, read.QuicError);
            QuicException accept = await Assert.ThrowsAsync<QuicException>(async () => await pendingAccept.AsTask().WaitAsync(Limit));
            Assert.Equal(QuicError.OperationAborted, accept.QuicError);
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional));

            // The server hears the default close code.
            QuicException serverSide = await Assert.ThrowsAsync<QuicException>(async () => await server.AcceptInboundStreamAsync().AsTask().WaitAsync(Limit));
            Assert.Equal(QuicError.ConnectionAborted, serverSide.QuicError);
            Assert.Equal(0x21, serverSide.ApplicationErrorCode);
            await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task Disposing_a_listener_ends_a_pending_accept()
    {
        QuicListener listener = await TestPeers.ListenAsync();
        ValueTask<QuicConnection> accept = listener.AcceptConnectionAsync();
        await listener.DisposeAsync();
        QuicException e = await Assert.ThrowsAsync<QuicException>(async () => await accept.AsTask().WaitAsync(Limit));
        Assert.Equal(QuicError.OperationAborted, e.QuicError);
    }

    [Fact]
    public async Task Accepted_connections_outlive_their_listener()
    {
        QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await listener.DisposeAsync();
        await using (client)
        await using (server)
        {
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            await stream.WriteAsync(new byte[] { 5, 6, 7 }, completeWrites: true);
            await using QuicStream inbound = await server.AcceptInboundStreamAsync().AsTask().WaitAsync(Limit);
            Assert.Equal(new byte[] { 5, 6, 7 }, await TestPeers.ReadToEndAsync(inbound));
        }
    }

    [Fact]
    public async Task Cancelled_accept_and_read_leave_the_connection_usable_and_lose_no_data()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            using (var cts = new CancellationTokenSource(100))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await server.AcceptInboundStreamAsync(cts.Token));
            }

            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            await stream.WriteAsync(new byte[] { 1 });
            await using QuicStream inbound = await server.AcceptInboundStreamAsync().AsTask().WaitAsync(Limit);
            Assert.Equal(1, await inbound.ReadAsync(new byte[10]));
            using (var cts = new CancellationTokenSource(100))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => _ = await inbound.ReadAsync(new byte[10], cts.Token));
            }

            await stream.WriteAsync(new byte[] { 2, 3 }, completeWrites: true);
            Assert.Equal(new byte[] { 2, 3 }, await TestPeers.ReadToEndAsync(inbound));
        }
    }

    [Fact]
    public async Task A_write_blocked_by_flow_control_is_cancellable_and_resets_the_stream()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            byte[] big = new byte[64 * 1024 * 1024];
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

            // Nobody reads on the server: the stream window and our send buffer fill, and the write waits.
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.WriteAsync(big, cts.Token));
            await using QuicStream inbound = await server.AcceptInboundStreamAsync().AsTask().WaitAsync(Limit);
            QuicException e = await Assert.ThrowsAsync<QuicException>(async () => await TestPeers.ReadToEndAsync(inbound).WaitAsync(Limit));
            Assert.Equal(QuicError.StreamAborted, e.QuicError);
            Assert.Equal(0x11, e.ApplicationErrorCode);
        }
    }

    [Fact]
    public async Task Stream_aborts_reach_the_peer_with_their_codes()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            await using QuicStream a = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            await a.WriteAsync(new byte[] { 1 });
            await using QuicStream aIn = await server.AcceptInboundStreamAsync().AsTask().WaitAsync(Limit);
            Assert.Equal(1, await aIn.ReadAsync(new byte[1]));

            // RESET_STREAM: the peer's read fails with our code.
            a.Abort(QuicAbortDirection.Write, 7);
            QuicException reset = await Assert.ThrowsAsync<QuicException>(async () => await aIn.ReadAsync(new byte[1]).AsTask().WaitAsync(Limit));
            Assert.Equal(QuicError.StreamAborted, reset.QuicError);
            Assert.Equal(7, reset.ApplicationErrorCode);
            await Assert.ThrowsAsync<QuicException>(() => aIn.ReadsClosed.WaitAsync(Limit));

            // STOP_SENDING: the peer's writes fail with our code (RFC 9000 §3.5).
            aIn.Abort(QuicAbortDirection.Read, 0); // already reset: a no-op
            a.Abort(QuicAbortDirection.Read, 9);
            QuicException stop = await Assert.ThrowsAsync<QuicException>(() => aIn.WritesClosed.WaitAsync(Limit));
            Assert.Equal(QuicError.StreamAborted, stop.QuicError);
            Assert.Equal(9, stop.ApplicationErrorCode);
            await Assert.ThrowsAsync<QuicException>(async () => await aIn.WriteAsync(new byte[] { 1 }));
        }
    }

    [Fact]
    public async Task Disposing_a_stream_completes_its_writes()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener);
        await using (client)
        await using (server)
        {
            QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
            await stream.WriteAsync(new byte[] { 4, 5 });
            await stream.DisposeAsync();
            await using QuicStream inbound = await server.AcceptInboundStreamAsync().AsTask().WaitAsync(Limit);
            Assert.Equal(QuicStreamType.Unidirectional, inbound.Type);
            Assert.False(inbound.CanWrite);
            Assert.Equal(new byte[] { 4, 5 }, await TestPeers.ReadToEndAsync(inbound));
        }
    }

    [Fact]
    public async Task Idle_connections_time_out_and_keep_alive_prevents_it()
    {
        await using QuicListener listener = await TestPeers.ListenAsync(o => o.IdleTimeout = TimeSpan.FromMilliseconds(600));
        var (client, server) = await TestPeers.PairAsync(listener, o => o.IdleTimeout = TimeSpan.FromMilliseconds(600));
        var (kept, keptServer) = await TestPeers.PairAsync(listener, o =>
        {
            o.IdleTimeout = TimeSpan.FromMilliseconds(600);
            o.KeepAliveInterval = TimeSpan.FromMilliseconds(150);
        });
        await using (client)
        await using (server)
        await using (kept)
        await using (keptServer)
        {
            QuicException e = await Assert.ThrowsAsync<QuicException>(async () => await client.AcceptInboundStreamAsync().AsTask().WaitAsync(Limit));
            Assert.Equal(QuicError.ConnectionIdle, e.QuicError);

            // Three idle periods later the kept-alive connection still carries data.
            await Task.Delay(1800);
            await using QuicStream stream = await kept.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            await stream.WriteAsync(new byte[] { 9 }, completeWrites: true);
            await using QuicStream inbound = await keptServer.AcceptInboundStreamAsync().AsTask().WaitAsync(Limit);
            Assert.Equal(new byte[] { 9 }, await TestPeers.ReadToEndAsync(inbound));
        }
    }

    [Fact]
    public async Task Graceful_close_delivers_the_application_code_and_finished_data()
    {
        await using QuicListener listener = await TestPeers.ListenAsync();
        var (client, server) = await TestPeers.PairAsync(listener, o => o.MaxInboundUnidirectionalStreams = 1);
        await using (client)
        await using (server)
        {
            await using QuicStream stream = await server.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
            byte[] payload = new byte[300_000];
            Random.Shared.NextBytes(payload);
            await stream.WriteAsync(payload, completeWrites: true);
            await stream.WritesClosed.WaitAsync(Limit);
            await server.CloseAsync(0x77);

            // Every acknowledged byte is still readable after the close.
            await using QuicStream inbound = await client.AcceptInboundStreamAsync().AsTask().WaitAsync(Limit);
            Assert.Equal(payload, await TestPeers.ReadToEndAsync(inbound));
            QuicException e = await Assert.ThrowsAsync<QuicException>(async () => await client.AcceptInboundStreamAsync().AsTask().WaitAsync(Limit));
            Assert.Equal(0x77, e.ApplicationErrorCode);
        }
    }
}
