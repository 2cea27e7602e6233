using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.WebTransport;

/// <summary>Application protocol negotiation (draft-ietf-webtrans-http3 §3.3): wt-available-protocols and wt-protocol.</summary>
public sealed class WebTransportProtocolNegotiationTests
{
    private static WebTransportClientOptions Offering(bool require, params string[] protocols)
    {
        WebTransportClientOptions options = WtLoopback.ClientOptions();
        foreach (string p in protocols)
        {
            options.ApplicationProtocols.Add(p);
        }

        options.RequireApplicationProtocol = require;
        return options;
    }

    private static Task<Http3Server> StartAsync(TaskCompletionSource<WebTransportSession> seen, Action<WebTransportServerOptions> configure) =>
        WtLoopback.StartAsync(
            routes => routes.MapWebTransport("/wt", async (session, ct) =>
            {
                seen.TrySetResult(session);
                await session.Closed.WaitAsync(ct);
            }),
            configure);

    [Fact]
    public async Task The_server_chooses_one_of_the_offered_protocols_and_both_ends_know_it()
    {
        var seen = new TaskCompletionSource<WebTransportSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        IReadOnlyList<string>? offeredToSelector = null;
        await using Http3Server server = await StartAsync(seen, o => o.ProtocolSelector = (request, offered) =>
        {
            offeredToSelector = offered;
            return offered.Contains("chat/2") ? "chat/2" : null;
        });

        await using WebTransportSession client = await WebTransportSession.ConnectAsync(
            WtLoopback.Uri(server, "/wt"), Offering(require: true, "moq-00", "chat/2", "say \"hi\"")).WaitAsync(WtLoopback.Timeout);
        WebTransportSession held = await seen.Task.WaitAsync(WtLoopback.Timeout);

        Assert.Equal("chat/2", client.ApplicationProtocol);
        Assert.Equal("chat/2", held.ApplicationProtocol);
        Assert.Equal(["moq-00", "chat/2", "say \"hi\""], held.OfferedProtocols);
        Assert.Equal(held.OfferedProtocols, offeredToSelector);
        Assert.Equal(client.OfferedProtocols, held.OfferedProtocols);
    }

    [Fact]
    public async Task Without_a_choice_the_session_opens_unless_the_client_requires_one()
    {
        var seen = new TaskCompletionSource<WebTransportSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await StartAsync(seen, o => o.ProtocolSelector = (_, _) => null);

        await using (WebTransportSession optional = await WebTransportSession.ConnectAsync(
            WtLoopback.Uri(server, "/wt"), Offering(require: false, "moq-00")).WaitAsync(WtLoopback.Timeout))
        {
            Assert.Null(optional.ApplicationProtocol);
            Assert.False(optional.IsClosed);
        }

        WebTransportException refused = await Assert.ThrowsAsync<WebTransportException>(() =>
            WebTransportSession.ConnectAsync(WtLoopback.Uri(server, "/wt"), Offering(require: true, "moq-00")).WaitAsync(WtLoopback.Timeout));
        Assert.Equal((long)Http3ErrorCode.WebTransportAlpnError, refused.Http3ErrorCode);
    }

    [Fact]
    public async Task A_server_that_requires_a_protocol_refuses_a_client_offering_none_with_400()
    {
        var seen = new TaskCompletionSource<WebTransportSession>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await StartAsync(seen, o =>
        {
            o.ProtocolSelector = (_, offered) => offered[0];
            o.RequireApplicationProtocol = true;
        });

        WebTransportException refused = await Assert.ThrowsAsync<WebTransportException>(() => WtLoopback.ConnectAsync(server, "/wt"));
        Assert.Equal(400, refused.StatusCode);

        await using WebTransportSession accepted = await WebTransportSession.ConnectAsync(
            WtLoopback.Uri(server, "/wt"), Offering(require: false, "only")).WaitAsync(WtLoopback.Timeout);
        Assert.Equal("only", accepted.ApplicationProtocol);
    }

    [Fact]
    public async Task A_choice_the_client_did_not_offer_is_WT_ALPN_ERROR()
    {
        // A hand-made endpoint that answers the extended CONNECT with a protocol nobody offered.
        await using Http3Server server = await WtLoopback.StartAsync(routes => routes.Map("CONNECT", "/liar", async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.Headers["wt-protocol"] = "\"evil/1\"";
            await context.Response.StartAsync(context.RequestAborted);
            await Task.Delay(2_000, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        }));

        WebTransportException refused = await Assert.ThrowsAsync<WebTransportException>(() =>
            WebTransportSession.ConnectAsync(WtLoopback.Uri(server, "/liar"), Offering(require: false, "good/1")).WaitAsync(WtLoopback.Timeout));
        Assert.Equal((long)Http3ErrorCode.WebTransportAlpnError, refused.Http3ErrorCode);
        Assert.Contains("evil/1", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"a\", \"b\"", new[] { "a", "b" })]
    [InlineData("  \"a\";q=1;x, \"b\\\"c\\\\\";v=\"p\";t=tok/1;n=-1.5;b=?1;d=@1;s=:AAE=:;ds=%\"x\"  ", new[] { "a", "b\"c\\" })]
    [InlineData("", new string[0])]
    public void Lists_of_strings_parse_and_parameters_are_ignored(string field, string[] expected)
    {
        Assert.True(StructuredFieldStrings.TryParseStringList(field, out List<string> values));
        Assert.Equal(expected, values);
        Assert.True(StructuredFieldStrings.TryParseStringList(StructuredFieldStrings.FormatList(values), out List<string> again));
        Assert.Equal(expected, again);
    }

    [Theory]
    [InlineData("\"a\", token")] // a Token member: the whole field is ignored (§3.3)
    [InlineData("(\"a\" \"b\")")] // an Inner List
    [InlineData("\"a\",")] // trailing comma
    [InlineData("\"a\" \"b\"")] // no comma
    [InlineData("\"unterminated")]
    [InlineData("\"bad \\x escape\"")]
    [InlineData("\"a\";Q=1")] // keys are lowercase
    [InlineData("\"caf\u00e9\"")] // not ASCII
    public void Anything_else_invalidates_the_list(string field)
    {
        Assert.False(StructuredFieldStrings.TryParseStringList(field, out _));
    }

    [Fact]
    public void Hostile_sizes_are_refused()
    {
        Assert.False(StructuredFieldStrings.TryParseStringList(string.Join(", ", Enumerable.Repeat("\"x\"", StructuredFieldStrings.MaxMembers + 1)), out _));
        Assert.True(StructuredFieldStrings.TryParseStringList(string.Join(", ", Enumerable.Repeat("\"x\"", StructuredFieldStrings.MaxMembers)), out _));
        Assert.False(StructuredFieldStrings.TryParseStringItem("\"" + new string('a', StructuredFieldStrings.MaxFieldLength) + "\"", out _));
    }

    [Theory]
    [InlineData("\"chat/2\"", true, "chat/2")]
    [InlineData("\"chat/2\";v=1", true, "chat/2")]
    [InlineData("chat", false, "")]
    [InlineData("\"a\", \"b\"", false, "")]
    [InlineData("?1", false, "")]
    public void A_protocol_item_is_one_string(string field, bool valid, string expected)
    {
        Assert.Equal(valid, StructuredFieldStrings.TryParseStringItem(field, out string value));
        if (valid)
        {
            Assert.Equal(expected, value);
        }
    }
}
