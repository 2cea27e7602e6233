using System.Text;
using SharpQuic.Http3.Tests.Connection;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.WebTransport;

/// <summary>SETTINGS negotiation, the earlier drafts' CONNECT (what Chromium sends), and flow-control enforcement.</summary>
public sealed class WebTransportNegotiationTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Local_settings_carry_every_variant_and_survive_the_wire(bool isClient)
    {
        var local = new Http3Settings();
        WebTransportNegotiation.AddLocalSettings(local, new WebTransportLimits { MaxSessions = 5, MaxStreamsPerSession = 7 }, isClient);
        byte[] payload = new byte[local.GetPayloadLength()];
        Assert.True(local.TryWritePayload(payload, out int written));
        Assert.True(Http3Settings.TryParse(payload.AsSpan(0, written), out Http3Settings? parsed, out _));

        Assert.True(parsed!.H3Datagram);
        Assert.True(parsed.H3DatagramDraft04);
        Assert.True(parsed.WebTransportEnabled);
        Assert.True(parsed.EnableWebTransportDraft02);
        Assert.Equal(7UL, parsed.WebTransportInitialMaxStreamsBidi);
        Assert.Equal(7UL, parsed.WebTransportInitialMaxStreamsUni);
        Assert.True(WebTransportNegotiation.PeerEnablesFlowControl(parsed));
        Assert.Equal(!isClient, parsed.EnableConnectProtocol);
        Assert.Equal(isClient ? null : 5UL, parsed.WebTransportMaxSessionsDraft07);
        Assert.Equal(!isClient, WebTransportNegotiation.ServerAllowsSessions(parsed));
    }

    [Fact]
    public void The_variant_is_the_newest_the_peer_shows()
    {
        // What Chromium 156 sends (interop/README.md): 0x33, 0xffd277 and 0x2b603742, all 1.
        var chromium = new Http3Settings { H3Datagram = true, H3DatagramDraft04 = true, EnableWebTransportDraft02 = true };
        Assert.Equal(WebTransportVariant.Draft02, WebTransportNegotiation.GetVariant(chromium));
        Assert.False(WebTransportNegotiation.PeerEnablesFlowControl(chromium));
        Assert.True(WebTransportNegotiation.PeerSupportsDatagrams(new Http3Settings { H3DatagramDraft04 = true }));
        Assert.False(WebTransportNegotiation.PeerSupportsDatagrams(new Http3Settings()));
        Assert.Equal(WebTransportVariant.Draft07, WebTransportNegotiation.GetVariant(new Http3Settings { EnableWebTransportDraft02 = true, WebTransportMaxSessionsDraft07 = 1 }));
        Assert.Equal(WebTransportVariant.Current, WebTransportNegotiation.GetVariant(new Http3Settings { WebTransportEnabled = true, EnableWebTransportDraft02 = true }));
        Assert.Equal(WebTransportVariant.None, WebTransportNegotiation.GetVariant(new Http3Settings { WebTransportMaxSessionsDraft07 = 0 }));
        Assert.False(WebTransportNegotiation.ServerAllowsSessions(new Http3Settings { WebTransportEnabled = true, H3Datagram = true }));
    }

    [Fact]
    public async Task A_draft02_CONNECT_like_Chromiums_gets_200_with_the_draft_field_and_a_stream_works()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync();
        var settings = new Http3ConnectionSettings { H3Datagram = true, WebTransport = new WebTransportLimits() };
        QuicClientConnectionOptions quic = H3Loopback.ClientOptions(server.LocalEndPoint.Port);
        quic.MaxDatagramReceiveSize = 1500;
        await using Http3ClientConnection client = await Http3ClientConnection.ConnectAsync(quic, settings);
        Http3Settings peer = await client.PeerSettings.WaitAsync(WtLoopback.Timeout);
        Assert.True(peer.EnableWebTransportDraft02);

        Http3RequestStream connect = await client.OpenRequestAsync(default);
        Http3Headers pseudo = H3Loopback.RequestPseudo("CONNECT", "/echo", server.LocalEndPoint.Port);
        pseudo.AddLowercase(":protocol", "webtransport");
        var fields = new Http3Headers();
        fields.AddLowercase("sec-webtransport-http3-draft02", "1");
        fields.AddLowercase("origin", "null");
        await connect.WriteHeadersAsync(pseudo, fields, endStream: false, default);
        Http3HeaderSection head = await connect.ReadHeadersAsync(default).AsTask().WaitAsync(WtLoopback.Timeout);

        Assert.Equal("200", head.PseudoHeaders[":status"]);
        Assert.Equal("draft02", head.Fields["sec-webtransport-http3-draft"]);

        // A raw WebTransport bidirectional stream: signal 0x41, the session ID, then data (§4.3).
        QuicStream raw = await client.Quic.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
        byte[] header = new byte[16];
        SharpQuic.Core.Wire.VarInt.TryWrite(header, 0x41, out int n1);
        SharpQuic.Core.Wire.VarInt.TryWrite(header.AsSpan(n1), (ulong)connect.StreamId, out int n2);
        await raw.WriteAsync(header.AsMemory(0, n1 + n2));
        await raw.WriteAsync(Encoding.UTF8.GetBytes("chromium-style"), completeWrites: true);
        Assert.Equal("chromium-style", await WtLoopback.ReadStringAsync(raw));
    }

    [Fact]
    public async Task Another_extended_CONNECT_protocol_on_a_WebTransport_route_gets_501()
    {
        await using Http3Server server = await WtLoopback.StartEchoAsync();
        await using Http3ClientConnection client = await H3Loopback.ConnectAsync(server);
        await client.PeerSettings.WaitAsync(WtLoopback.Timeout);
        Http3RequestStream connect = await client.OpenRequestAsync(default);
        Http3Headers pseudo = H3Loopback.RequestPseudo("CONNECT", "/echo", server.LocalEndPoint.Port);
        pseudo.AddLowercase(":protocol", "websocket");
        await connect.WriteHeadersAsync(pseudo, new Http3Headers(), endStream: false, default);

        Http3HeaderSection head = await connect.ReadHeadersAsync(default).AsTask().WaitAsync(WtLoopback.Timeout);
        Assert.Equal("501", head.PseudoHeaders[":status"]);
    }

    [Fact]
    public async Task A_peer_opening_more_streams_than_granted_loses_the_session_with_WT_FLOW_CONTROL_ERROR()
    {
        var serverClosed = new TaskCompletionSource<WebTransportCloseInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using Http3Server server = await WtLoopback.StartAsync(
            routes => routes.MapWebTransport("/hold", async (session, ct) => serverClosed.TrySetResult(await session.Closed)),
            o => o.MaxStreamsPerSession = 2);
        await using WebTransportClientConnection connection = await WtLoopback.ConnectionAsync(server);
        WebTransportSession session = await connection.OpenSessionAsync("/hold");

        // Bypass the client's own credit accounting: three raw streams naming the session, none finished.
        for (int i = 0; i < 3; i++)
        {
            QuicStream raw = await connection.Http3.Quic.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
            byte[] preamble = new byte[16];
            SharpQuic.Core.Wire.VarInt.TryWrite(preamble, 0x54, out int n1);
            SharpQuic.Core.Wire.VarInt.TryWrite(preamble.AsSpan(n1), (ulong)session.SessionId, out int n2);
            await raw.WriteAsync(preamble.AsMemory(0, n1 + n2));
        }

        WebTransportCloseInfo seenByServer = await serverClosed.Task.WaitAsync(WtLoopback.Timeout);
        WebTransportCloseInfo seenByClient = await session.Closed.WaitAsync(WtLoopback.Timeout);
        Assert.True(seenByServer.Abrupt);
        Assert.True(seenByClient.Abrupt);
        Assert.Contains(nameof(Http3ErrorCode.WebTransportFlowControlError), seenByClient.Reason, StringComparison.Ordinal);
    }
}
