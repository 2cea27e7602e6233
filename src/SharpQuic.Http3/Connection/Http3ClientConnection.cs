using System.Net.Security;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// The client side of an HTTP/3 connection: opens request streams; after the server's GOAWAY
/// (RFC 9114 §5.2) opens none, so new requests go to a new connection.
/// </summary>
internal sealed class Http3ClientConnection : Http3Connection, IHttp3ClientConnection
{
    /// <summary>The ALPN token of HTTP/3 (RFC 9114 §3.1).</summary>
    public static readonly SslApplicationProtocol Alpn = new("h3");

    private long _goAwayId = -1;

    private Http3ClientConnection(QuicConnection quic, Http3ConnectionSettings settings)
        : base(quic, isClient: true, settings)
    {
    }

    /// <summary>False after GOAWAY or once the connection closed.</summary>
    public bool IsUsable => !Closing.IsCancellationRequested && Interlocked.Read(ref _goAwayId) < 0;

    /// <summary>Connects, opens the control and QPACK streams, and returns without waiting for the
    /// server's SETTINGS (requests may go out at once, RFC 9114 §6.2.1).</summary>
    public static async ValueTask<Http3ClientConnection> ConnectAsync(QuicClientConnectionOptions options, Http3ConnectionSettings? settings = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        PrepareOptions(options);
        QuicConnection quic = await QuicConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        var connection = new Http3ClientConnection(quic, settings ?? new Http3ConnectionSettings());
        try
        {
            await connection.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return connection;
    }

    /// <summary>Fills in what HTTP/3 needs of a client's QUIC options, leaving what the caller set.</summary>
    public static void PrepareOptions(QuicClientConnectionOptions options)
    {
        options.ClientAuthenticationOptions ??= new SslClientAuthenticationOptions();
        options.ClientAuthenticationOptions.ApplicationProtocols ??= [Alpn];
        // RFC 9114 §6.2: the server opens at least its control and two QPACK streams; leave room for GREASE ones.
        options.MaxInboundUnidirectionalStreams = Math.Max(options.MaxInboundUnidirectionalStreams, 16);
        if (options.DefaultStreamErrorCode < 0)
        {
            options.DefaultStreamErrorCode = (long)Http3ErrorCode.RequestCancelled;
        }

        if (options.DefaultCloseErrorCode < 0)
        {
            options.DefaultCloseErrorCode = (long)Http3ErrorCode.NoError;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IHttp3MessageStream> OpenRequestStreamAsync(CancellationToken cancellationToken) =>
        await OpenRequestAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>Opens a request stream (waits for stream credit).</summary>
    public async ValueTask<Http3RequestStream> OpenRequestAsync(CancellationToken cancellationToken)
    {
        if (!IsUsable)
        {
            throw new Http3Exception(Http3ErrorCode.RequestRejected, "The connection accepts no new requests (GOAWAY or closed).");
        }

        QuicStream stream;
        try
        {
            stream = await Quic.OpenOutboundStreamAsync(QuicStreamType.Bidirectional, cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw new Http3Exception(Http3ErrorCode.RequestRejected, "The connection closed: " + ex.Message, ex);
        }

        long goAway = Interlocked.Read(ref _goAwayId);
        if (goAway >= 0 && stream.Id >= goAway)
        {
            // §5.2: the server will not process it; say so before anything is sent.
            TryAbort(stream, QuicAbortDirection.Both, Http3ErrorCode.RequestCancelled);
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new Http3Exception(Http3ErrorCode.RequestRejected, "The server sent GOAWAY.");
        }

        return new Http3RequestStream(this, stream);
    }

    /// <summary>Says goodbye with GOAWAY (RFC 9114 §5.2: a client's carries a push ID; we allow none, so 0), then closes with H3_NO_ERROR.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (!Closing.IsCancellationRequested)
        {
            try
            {
                byte[] frame = new byte[3];
                Http3FrameWriter.TryWriteGoAway(frame, 0, out int n);
                await SendControlFrameAsync(frame.AsMemory(0, n), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is QuicException or InvalidOperationException or ObjectDisposedException or Http3Exception)
            {
                // Already closing: the GOAWAY is a courtesy.
            }
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override void OnPeerBidirectionalStream(QuicStream stream)
    {
        if (WebTransport is WebTransportManager webTransport)
        {
            // draft-ietf-webtrans-http3 §4.3: with WebTransport a server may open bidirectional streams, signal first.
            _ = webTransport.OnServerBidirectionalStreamAsync(stream);
            return;
        }

        // RFC 9114 §6.1: server-initiated bidirectional streams need an extension we did not negotiate.
        TryAbort(stream, QuicAbortDirection.Both, Http3ErrorCode.StreamCreationError);
        Abort(Http3ErrorCode.StreamCreationError);
    }

    /// <inheritdoc/>
    protected override void OnGoAway(ulong id)
    {
        Interlocked.Exchange(ref _goAwayId, (long)id);

        // draft-ietf-webtrans-http3 §4.6: a GOAWAY also asks every WebTransport session to wind down.
        WebTransport?.DrainAll();
    }
}
