using System.Net.Security;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3.Tests.Connection;

/// <summary>
/// A raw QUIC client that breaks RFC 9114's rules against <see cref="Http3Server"/>: every violation
/// must end in the right HTTP/3 error code (a connection close or a stream reset), never a crash.
/// </summary>
public sealed class Http3ViolationTests
{
    private static readonly byte[] ValidSettings = [0x00, 0x04, 0x00]; // control stream type, SETTINGS, empty

    [Fact]
    public async Task Data_before_headers_on_a_request_stream_is_H3_FRAME_UNEXPECTED()
    {
        await using var peer = await RawPeer.StartAsync();
        await peer.OpenControlAsync(ValidSettings);
        QuicStream request = await peer.Quic.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
        await request.WriteAsync(new byte[] { 0x00, 0x02, 0xAA, 0xBB }, completeWrites: true); // DATA first

        Assert.Equal(Http3ErrorCode.FrameUnexpected, await peer.ClosedWithAsync());
    }

    [Fact]
    public async Task Control_stream_not_starting_with_SETTINGS_is_H3_MISSING_SETTINGS()
    {
        await using var peer = await RawPeer.StartAsync();
        await peer.OpenControlAsync([0x00, 0x07, 0x01, 0x00]); // GOAWAY first

        Assert.Equal(Http3ErrorCode.MissingSettings, await peer.ClosedWithAsync());
    }

    [Fact]
    public async Task Second_control_stream_is_H3_STREAM_CREATION_ERROR()
    {
        await using var peer = await RawPeer.StartAsync();
        await peer.OpenControlAsync(ValidSettings);
        await peer.OpenControlAsync(ValidSettings);

        Assert.Equal(Http3ErrorCode.StreamCreationError, await peer.ClosedWithAsync());
    }

    [Fact]
    public async Task Closing_the_control_stream_is_H3_CLOSED_CRITICAL_STREAM()
    {
        await using var peer = await RawPeer.StartAsync();
        QuicStream control = await peer.OpenControlAsync(ValidSettings);
        control.CompleteWrites();

        Assert.Equal(Http3ErrorCode.ClosedCriticalStream, await peer.ClosedWithAsync());
    }

    [Fact]
    public async Task Push_stream_from_a_client_is_H3_STREAM_CREATION_ERROR()
    {
        await using var peer = await RawPeer.StartAsync();
        await peer.OpenControlAsync(ValidSettings);
        QuicStream push = await peer.Quic.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
        await push.WriteAsync(new byte[] { 0x01, 0x00 });

        Assert.Equal(Http3ErrorCode.StreamCreationError, await peer.ClosedWithAsync());
    }

    [Fact]
    public async Task Garbage_on_the_QPACK_encoder_stream_is_QPACK_ENCODER_STREAM_ERROR()
    {
        await using var peer = await RawPeer.StartAsync();
        await peer.OpenControlAsync(ValidSettings);
        QuicStream encoder = await peer.Quic.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
        // Insert With Name Reference to static index 200 (there are 99 entries).
        await encoder.WriteAsync(new byte[] { 0x02, 0xFF, 0x89, 0x01, 0x01, 0x61 });

        Assert.Equal(Http3ErrorCode.QPackEncoderStreamError, await peer.ClosedWithAsync());
    }

    [Fact]
    public async Task Header_block_referencing_a_missing_static_entry_is_QPACK_DECOMPRESSION_FAILED()
    {
        await using var peer = await RawPeer.StartAsync();
        await peer.OpenControlAsync(ValidSettings);
        QuicStream request = await peer.Quic.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
        // HEADERS: prefix (RIC 0, base 0), indexed static field line 120 (out of range).
        await request.WriteAsync(new byte[] { 0x01, 0x04, 0x00, 0x00, 0xFF, 0x39 }, completeWrites: true);

        Assert.Equal(Http3ErrorCode.QPackDecompressionFailed, await peer.ClosedWithAsync());
    }

    [Fact]
    public async Task Headers_frame_larger_than_our_field_section_limit_is_H3_EXCESSIVE_LOAD()
    {
        await using var peer = await RawPeer.StartAsync(o => o.MaxFieldSectionSize = 1024);
        await peer.OpenControlAsync(ValidSettings);
        QuicStream request = await peer.Quic.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
        // HEADERS claiming 5,000 bytes: refused from the frame header, never buffered.
        await request.WriteAsync(new byte[] { 0x01, 0x53, 0x88, 0x00, 0x00 });

        Assert.Equal(Http3ErrorCode.ExcessiveLoad, await peer.ClosedWithAsync());
    }

    [Fact]
    public async Task Unknown_and_grease_stream_types_and_frames_are_ignored()
    {
        await using var peer = await RawPeer.StartAsync();
        // SETTINGS with a GREASE setting, then a reserved frame type (0x21) on the control stream.
        await peer.OpenControlAsync([0x00, 0x04, 0x03, 0x40, 0x21, 0x05, 0x40, 0x21, 0x02, 0xAB, 0xCD]);
        QuicStream unknown = await peer.Quic.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
        await unknown.WriteAsync(new byte[] { 0x40, 0x21, 0x01, 0x02, 0x03 });

        // The connection still serves a request afterwards.
        await using Http3ClientConnection check = await H3Loopback.ConnectAsync(peer.Server);
        await using Http3RequestStream stream = await check.OpenRequestAsync(default);
        await stream.WriteHeadersAsync(H3Loopback.RequestPseudo("GET", "/", peer.Server.LocalEndPoint.Port), new Http3Headers(), true, default);
        Assert.Equal("200", (await stream.ReadHeadersAsync(default)).PseudoHeaders[":status"]);
        Assert.Null(await peer.ClosedWithinAsync(TimeSpan.FromMilliseconds(300)));
    }

    private sealed class RawPeer : IAsyncDisposable
    {
        private RawPeer(Http3Server server, QuicConnection quic)
        {
            Server = server;
            Quic = quic;
        }

        public Http3Server Server { get; }

        public QuicConnection Quic { get; }

        public static async Task<RawPeer> StartAsync(Action<Http3ServerOptions>? configure = null)
        {
            Http3Server server = await H3Loopback.StartServerAsync(ctx => ctx.Response.WriteAsync("ok").AsTask(), configure);
            QuicClientConnectionOptions options = H3Loopback.ClientOptions(server.LocalEndPoint.Port);
            options.ClientAuthenticationOptions.ApplicationProtocols = [new SslApplicationProtocol("h3")];
            options.MaxInboundUnidirectionalStreams = 10;
            options.DefaultStreamErrorCode = 0x10c;
            options.DefaultCloseErrorCode = 0x100;
            return new RawPeer(server, await QuicConnection.ConnectAsync(options));
        }

        public async Task<QuicStream> OpenControlAsync(byte[] bytes)
        {
            QuicStream control = await Quic.OpenOutboundStreamAsync(QuicStreamType.Unidirectional);
            await control.WriteAsync(bytes);
            return control;
        }

        public async Task<Http3ErrorCode> ClosedWithAsync() =>
            await ClosedWithinAsync(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException("The server did not close the connection.");

        public async Task<Http3ErrorCode?> ClosedWithinAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                while (true)
                {
                    QuicStream s = await Quic.AcceptInboundStreamAsync(cts.Token);
                    _ = DrainAsync(s);
                }
            }
            catch (QuicException ex) when (ex.ApplicationErrorCode is long code)
            {
                return (Http3ErrorCode)(ulong)code;
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Quic.DisposeAsync();
            await Server.DisposeAsync();
        }

        private static async Task DrainAsync(QuicStream s)
        {
            try
            {
                await s.CopyToAsync(Stream.Null);
            }
            catch (QuicException)
            {
            }
        }
    }
}
