using System.Security.Cryptography;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.WebTransport;

/// <summary>Session-level data flow control (draft-ietf-webtrans-http3 §5.4, §5.6.4): WT_MAX_DATA both ways.</summary>
public sealed class WebTransportDataFlowControlTests
{
    private const int Window = 64 * 1024;

    private static WebTransportClientOptions SmallWindowClient()
    {
        WebTransportClientOptions options = WtLoopback.ClientOptions();
        options.SessionDataWindow = Window;
        return options;
    }

    private static Task<WebTransportSession> ConnectSmallAsync(Http3Server server, string path = "/echo") =>
        WebTransportSession.ConnectAsync(WtLoopback.Uri(server, path), SmallWindowClient()).WaitAsync(WtLoopback.Timeout);

    [Fact]
    public async Task The_peers_initial_window_from_SETTINGS_is_the_send_credit()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync(o => o.SessionDataWindow = Window);
        await using WebTransportSession session = await ConnectSmallAsync(server);

        Assert.True(session.IsFlowControlled);
        Assert.Equal(Window, session.AvailableSendCredit);
    }

    [Fact]
    public async Task A_megabyte_echo_crosses_a_64_KiB_window_in_both_directions_byte_for_byte()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync(o => o.SessionDataWindow = Window);
        await using WebTransportSession session = await ConnectSmallAsync(server);

        byte[] payload = RandomNumberGenerator.GetBytes(1024 * 1024);
        await using WebTransportStream stream = await session.OpenBidirectionalStreamAsync();
        Task<byte[]> echo = WtLoopback.ReadToEndAsync(stream);
        await stream.WriteAsync(payload, completeWrites: true).AsTask().WaitAsync(WtLoopback.Timeout);

        Assert.Equal(SHA256.HashData(payload), SHA256.HashData(await echo));
        // Only WT_MAX_DATA grants could have let 16 windows through; the credit never exceeds one window.
        Assert.InRange(session.AvailableSendCredit, 0, Window);
    }

    [Fact]
    public async Task Concurrent_streams_of_both_kinds_share_the_session_window()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync(o => o.SessionDataWindow = Window);
        await using WebTransportSession session = await ConnectSmallAsync(server);

        var payloads = new byte[4][];
        var bidiEchoes = new Task<byte[]>[2];
        var sends = new List<Task>();
        for (int i = 0; i < 4; i++)
        {
            payloads[i] = RandomNumberGenerator.GetBytes(256 * 1024 + i);
        }

        // The echoes share the one window too: read them as they come, or the session stalls (as it should).
        Task<List<byte[]>> returnedTask = ReadReturnedStreamsAsync(session, 2);
        for (int i = 0; i < 2; i++)
        {
            WebTransportStream bidi = await session.OpenBidirectionalStreamAsync();
            bidiEchoes[i] = WtLoopback.ReadToEndAsync(bidi);
            sends.Add(bidi.WriteAsync(payloads[i], completeWrites: true).AsTask());
            WebTransportStream uni = await session.OpenUnidirectionalStreamAsync();
            sends.Add(uni.WriteAsync(payloads[2 + i], completeWrites: true).AsTask());
        }

        await Task.WhenAll(sends).WaitAsync(WtLoopback.Timeout);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(payloads[i], await bidiEchoes[i]);
        }

        // The echo sends each unidirectional stream back on a new one; match them by length.
        List<byte[]> returned = await returnedTask.WaitAsync(WtLoopback.Timeout);
        returned.Sort((a, b) => a.Length.CompareTo(b.Length));
        Assert.Equal(payloads[2], returned[0]);
        Assert.Equal(payloads[3], returned[1]);
    }

    [Fact]
    public async Task A_handler_that_does_not_read_stops_the_writer_at_the_window_until_it_reads()
    {
        var accepted = new TaskCompletionSource<WebTransportStream>(TaskCreationOptions.RunContinuationsAsynchronously);
        var startReading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartAsync(
            routes => routes.MapWebTransport("/sink", async (session, ct) =>
            {
                WebTransportStream stream = await session.AcceptStreamAsync(ct);
                accepted.TrySetResult(stream);
                await startReading.Task.WaitAsync(ct);
                received.TrySetResult(await WtLoopback.ReadToEndAsync(stream));
                await session.Closed.WaitAsync(ct);
            }),
            o => o.SessionDataWindow = Window);
        await using WebTransportSession session = await ConnectSmallAsync(server, "/sink");

        byte[] payload = RandomNumberGenerator.GetBytes(3 * Window);
        await using WebTransportStream stream = await session.OpenUnidirectionalStreamAsync();
        Task write = stream.WriteAsync(payload, completeWrites: true).AsTask();
        await accepted.Task.WaitAsync(WtLoopback.Timeout);

        // The session's credit runs out at one window; the rest of the write waits for WT_MAX_DATA.
        await WaitUntilAsync(() => session.AvailableSendCredit == 0);
        await Task.Delay(200);
        Assert.False(write.IsCompleted);
        Assert.Equal(0, session.AvailableSendCredit);

        startReading.SetResult();
        await write.WaitAsync(WtLoopback.Timeout);
        Assert.Equal(payload, await received.Task.WaitAsync(WtLoopback.Timeout));
    }

    [Fact]
    public async Task A_larger_WT_MAX_DATA_raises_the_peers_credit()
    {
        var serverSession = new TaskCompletionSource<WebTransportSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartAsync(routes => routes.MapWebTransport("/hold", async (session, ct) =>
        {
            serverSession.TrySetResult(session);
            await session.Closed.WaitAsync(ct);
        }));
        await using WebTransportSession client = await ConnectSmallAsync(server, "/hold");
        WebTransportSession held = await serverSession.Task.WaitAsync(WtLoopback.Timeout);
        Assert.Equal(Window, held.AvailableSendCredit);

        await client.WriteCapsuleAsync(Capsule(CapsuleType.WebTransportMaxData, 1_000_000));

        await WaitUntilAsync(() => held.AvailableSendCredit == 1_000_000);
        Assert.False(held.IsClosed);
    }

    [Theory]
    [InlineData((ulong)CapsuleType.WebTransportMaxData, 1000UL)] // below the initial window: does not increase
    [InlineData((ulong)CapsuleType.WebTransportMaxData, (ulong)Window)] // equal: does not increase either
    [InlineData((ulong)CapsuleType.WebTransportMaxStreamsBidi, 5UL)] // below the initial stream limit
    [InlineData((ulong)CapsuleType.WebTransportMaxStreamsUni, (1UL << 60) + 1)] // no stream ID could carry it
    public async Task A_flow_control_capsule_that_breaks_the_rules_closes_the_session_with_WT_FLOW_CONTROL_ERROR(ulong type, ulong value)
    {
        var serverSession = new TaskCompletionSource<WebTransportSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartAsync(routes => routes.MapWebTransport("/hold", async (session, ct) =>
        {
            serverSession.TrySetResult(session);
            await session.Closed.WaitAsync(ct);
        }));
        await using WebTransportSession client = await ConnectSmallAsync(server, "/hold");
        WebTransportSession held = await serverSession.Task.WaitAsync(WtLoopback.Timeout);

        await client.WriteCapsuleAsync(Capsule((CapsuleType)type, value));

        WebTransportCloseInfo serverSide = await held.Closed.WaitAsync(WtLoopback.Timeout);
        Assert.True(serverSide.Abrupt);
        WebTransportCloseInfo clientSide = await client.Closed.WaitAsync(WtLoopback.Timeout);
        Assert.True(clientSide.Abrupt);
        Assert.Contains(nameof(Http3ErrorCode.WebTransportFlowControlError), clientSide.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_that_sends_past_the_window_is_caught_by_the_final_size_even_if_nobody_reads()
    {
        var held = new TaskCompletionSource<WebTransportSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartAsync(
            routes => routes.MapWebTransport("/sink", async (session, ct) =>
            {
                held.TrySetResult(session);
                await session.AcceptStreamAsync(ct); // accepted, never read
                await session.Closed.WaitAsync(ct);
            }),
            o => o.SessionDataWindow = Window);
        await using WebTransportSession client = await ConnectSmallAsync(server, "/sink");
        WebTransportSession serverSession = await held.Task.WaitAsync(WtLoopback.Timeout);

        // A misbehaving client: the stream header goes the normal way, then 200 KB straight into the QUIC stream,
        // past the session credit (64 KiB), ended with a FIN so the server learns the final size.
        WebTransportStream stream = await client.OpenUnidirectionalStreamAsync();
        await stream.QuicStream.WriteAsync(new byte[200_000], completeWrites: true);

        WebTransportCloseInfo closed = await serverSession.Closed.WaitAsync(WtLoopback.Timeout);
        Assert.True(closed.Abrupt);
        Assert.Contains("more data than the session allows", closed.Reason, StringComparison.Ordinal);
        WebTransportCloseInfo clientSide = await client.Closed.WaitAsync(WtLoopback.Timeout);
        Assert.Contains(nameof(Http3ErrorCode.WebTransportFlowControlError), clientSide.Reason, StringComparison.Ordinal);
    }

    private static byte[] Capsule(CapsuleType type, ulong value)
    {
        byte[] capsule = new byte[24];
        Assert.True(CapsuleWriter.TryWriteVarIntCapsule(capsule, type, value, out int written));
        return capsule[..written];
    }

    private static async Task<List<byte[]>> ReadReturnedStreamsAsync(WebTransportSession session, int count)
    {
        var reads = new List<Task<byte[]>>();
        for (int i = 0; i < count; i++)
        {
            WebTransportStream back = await session.AcceptStreamAsync().AsTask().WaitAsync(WtLoopback.Timeout);
            reads.Add(WtLoopback.ReadToEndAsync(back));
        }

        return [.. await Task.WhenAll(reads)];
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(WtLoopback.Timeout);
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
