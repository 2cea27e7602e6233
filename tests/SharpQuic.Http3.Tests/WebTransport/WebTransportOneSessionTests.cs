using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.WebTransport;

/// <summary>
/// Without flow control on both sides a connection carries one session at a time (draft-ietf-webtrans-http3 §5.1,
/// §5.2): our client refuses to open a second, and our server resets a second CONNECT with H3_REQUEST_REJECTED.
/// </summary>
public sealed class WebTransportOneSessionTests
{
    private static Task<WebTransportClientConnection> ConnectWithoutFlowControlAsync(Http3Server server)
    {
        WebTransportClientOptions options = WtLoopback.ClientOptions();
        options.EnableFlowControl = false;
        return WebTransportClientConnection.ConnectAsync(WtLoopback.Uri(server, "/"), options).WaitAsync(WtLoopback.Timeout);
    }

    [Fact]
    public async Task Our_client_without_flow_control_opens_one_session_at_a_time()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync();
        await using WebTransportClientConnection connection = await ConnectWithoutFlowControlAsync(server);
        Assert.False(connection.IsFlowControlled);

        WebTransportSession first = await connection.OpenSessionAsync("/echo").WaitAsync(WtLoopback.Timeout);
        Assert.False(first.IsFlowControlled);
        WebTransportException refused = await Assert.ThrowsAsync<WebTransportException>(() => connection.OpenSessionAsync("/echo"));
        Assert.Contains("§5.1", refused.Message, StringComparison.Ordinal);

        // Once the first has ended, the next may open.
        await first.CloseAsync();
        await using WebTransportSession second = await connection.OpenSessionAsync("/echo").WaitAsync(WtLoopback.Timeout);
        Assert.False(second.IsClosed);
    }

    [Fact]
    public async Task Our_server_rejects_a_second_session_from_a_client_without_flow_control()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync();
        await using WebTransportClientConnection connection = await ConnectWithoutFlowControlAsync(server);
        await using WebTransportSession first = await connection.OpenSessionAsync("/echo").WaitAsync(WtLoopback.Timeout);

        // A misbehaving client: the local §5.1 check is skipped to see the server enforce §5.2.
        WebTransportException refused = await Assert.ThrowsAsync<WebTransportException>(
            () => connection.OpenSessionCoreAsync("/echo", enforceOneSession: false, CancellationToken.None).WaitAsync(WtLoopback.Timeout));
        Assert.Equal((long)Http3ErrorCode.RequestRejected, refused.Http3ErrorCode);
        Assert.False(first.IsClosed);
    }

    [Fact]
    public async Task With_flow_control_on_both_sides_sessions_share_a_connection()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync();
        await using WebTransportClientConnection connection = await WtLoopback.ConnectionAsync(server);
        Assert.True(connection.IsFlowControlled);
        await using WebTransportSession a = await connection.OpenSessionAsync("/echo").WaitAsync(WtLoopback.Timeout);
        await using WebTransportSession b = await connection.OpenSessionAsync("/echo").WaitAsync(WtLoopback.Timeout);
        Assert.NotEqual(a.SessionId, b.SessionId);
    }
}
