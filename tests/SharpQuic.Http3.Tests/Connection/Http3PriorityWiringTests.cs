using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.Connection;

/// <summary>The priority field and PRIORITY_UPDATE frames reach the request (RFC 9218 §4, §7).</summary>
public sealed class Http3PriorityWiringTests
{
    [Fact]
    public async Task Priority_field_sets_the_request_priority_and_its_absence_means_the_default()
    {
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, Http3Priority>();
        await using Http3Server server = await H3Loopback.StartServerAsync(ctx =>
        {
            seen[ctx.Request.Path] = ctx.Request.Priority;
            return ctx.Response.WriteAsync("ok").AsTask();
        });
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);

        foreach ((string path, string? field) in new[] { ("/urgent", "u=1, i"), ("/plain", null), ("/bad", "u=9") })
        {
            await using Http3RequestStream stream = await client.OpenRequestAsync(default);
            var fields = new Http3Headers();
            if (field is not null)
            {
                fields.Add("priority", field);
            }

            await stream.WriteHeadersAsync(H3Loopback.RequestPseudo("GET", path, server.LocalEndPoint.Port), fields, true, default);
            await stream.ReadHeadersAsync(default);
            await H3Loopback.ReadAllAsync(stream);
        }

        Assert.Equal(new Http3Priority(1, true), seen["/urgent"]);
        Assert.Equal(Http3Priority.Default, seen["/plain"]);
        Assert.Equal(Http3Priority.Default, seen["/bad"]);
    }

    [Fact]
    public async Task PRIORITY_UPDATE_changes_a_request_in_flight()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var observed = new TaskCompletionSource<Http3Priority>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await H3Loopback.StartServerAsync(async ctx =>
        {
            started.TrySetResult();
            for (int i = 0; i < 500 && ctx.Request.Priority == Http3Priority.Default; i++)
            {
                await Task.Delay(10);
            }

            observed.TrySetResult(ctx.Request.Priority);
            await ctx.Response.WriteAsync("ok");
        });
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);
        await using Http3RequestStream stream = await client.OpenRequestAsync(default);
        await stream.WriteHeadersAsync(H3Loopback.RequestPseudo("GET", "/", server.LocalEndPoint.Port), new Http3Headers(), true, default);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));

        byte[] frame = new byte[32];
        Http3FrameWriter.TryWritePriorityUpdate(frame, forPush: false, (ulong)stream.StreamId, "u=0"u8, out int n);
        await client.SendControlFrameAsync(frame.AsMemory(0, n), default);

        Assert.Equal(new Http3Priority(0, false), await observed.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task PRIORITY_UPDATE_for_a_non_request_stream_is_H3_ID_ERROR()
    {
        await using Http3Server server = await H3Loopback.StartServerAsync(ctx => ctx.Response.WriteAsync("ok").AsTask());
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);
        byte[] frame = new byte[32];
        Http3FrameWriter.TryWritePriorityUpdate(frame, forPush: false, 2, "u=0"u8, out int n); // a unidirectional stream ID

        await client.SendControlFrameAsync(frame.AsMemory(0, n), default);

        await Task.Delay(Timeout.Infinite, client.Closing).ContinueWith(_ => { });
        Assert.Equal(Http3ErrorCode.IdError, client.CloseError);
    }
}
