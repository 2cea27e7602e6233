using System.Globalization;
using System.Net;
using System.Net.Security;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// A client HTTP/3 connection for WebTransport (draft-ietf-webtrans-http3): datagrams enabled in
/// QUIC and HTTP/3 (§3.1), the server's SETTINGS awaited before any session (§4.6), and any number of
/// sessions opened on it with <see cref="OpenSessionAsync"/>.
/// </summary>
public sealed class WebTransportClientConnection : IAsyncDisposable
{
    private readonly Http3ClientConnection _http3;
    private readonly string _authority;
    private readonly string? _origin;
    private int _disposed;

    private readonly string[] _protocols;
    private readonly bool _requireProtocol;

    private WebTransportClientConnection(Http3ClientConnection http3, string authority, string? origin, string[] protocols, bool requireProtocol)
    {
        _http3 = http3;
        _authority = authority;
        _origin = origin;
        _protocols = protocols;
        _requireProtocol = requireProtocol;
    }

    /// <summary>Whether WebTransport flow control is on: both we and the server enabled it by SETTINGS (§5.1).</summary>
    public bool IsFlowControlled =>
        Manager.Limits.FlowControl && Manager.PeerSettingsOrNull is Http3Settings server && WebTransportNegotiation.PeerEnablesFlowControl(server);

    /// <summary>Which WebTransport draft the server's SETTINGS show (None until they arrive).</summary>
    public WebTransportVariant ServerVariant => Manager.PeerVariant;

    /// <summary>Datagrams dropped for naming no open session (RFC 9297 §2.1) or a full session queue.</summary>
    public long DatagramsDropped => Manager.DatagramsDropped;

    /// <summary>Sessions open now.</summary>
    public int SessionCount => Manager.SessionCount;

    internal Http3ClientConnection Http3 => _http3;

    internal WebTransportManager Manager => _http3.WebTransport!;

    /// <summary>Connects to the host and port of <paramref name="uri"/> (an https URI) and waits for the server's SETTINGS.</summary>
    /// <exception cref="WebTransportException">The server's SETTINGS offer no WebTransport.</exception>
    public static async Task<WebTransportClientConnection> ConnectAsync(Uri uri, WebTransportClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (options is not null && options.SessionDataWindow is < 1 or > (1L << 60))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "SessionDataWindow must be between 1 and 2^60.");
        }

        string[] protocols = [.. options?.ApplicationProtocols ?? []];
        foreach (string protocol in protocols)
        {
            // §3.3: sent as Structured Field Strings, which hold printable ASCII only.
            if (string.IsNullOrEmpty(protocol) || !StructuredFieldStrings.IsValidString(protocol))
            {
                throw new ArgumentException("An application protocol is a non-empty string of printable ASCII.", nameof(options));
            }
        }

        if (options is { RequireApplicationProtocol: true } && protocols.Length == 0)
        {
            throw new ArgumentException("RequireApplicationProtocol needs ApplicationProtocols to offer.", nameof(options));
        }

        if (!uri.IsAbsoluteUri || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("WebTransport over HTTP/3 needs an absolute https URI (§3.2).", nameof(uri));
        }

        options ??= new WebTransportClientOptions();
        IPAddress address = IPAddress.TryParse(uri.IdnHost, out IPAddress? literal)
            ? literal
            : (await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken).ConfigureAwait(false))[0];
        var quic = new QuicClientConnectionOptions
        {
            RemoteEndPoint = new IPEndPoint(address, uri.Port),
            ClientAuthenticationOptions = new SslClientAuthenticationOptions
            {
                TargetHost = uri.IdnHost,
                RemoteCertificateValidationCallback = options.RemoteCertificateValidationCallback,
            },
            // RFC 9221 §3 (§3.1 of the draft): datagrams need max_datagram_frame_size above 0.
            MaxDatagramReceiveSize = options.MaxDatagramReceiveSize,
            // The server opens WebTransport streams too (§4.2, §4.3).
            MaxInboundBidirectionalStreams = options.MaxStreamsPerSession,
            MaxInboundUnidirectionalStreams = 16 + options.MaxStreamsPerSession,
        };
        if (options.IdleTimeout > TimeSpan.Zero)
        {
            quic.IdleTimeout = options.IdleTimeout;
        }

        options.ConfigureConnection?.Invoke(quic);
        var settings = new Http3ConnectionSettings
        {
            H3Datagram = true,
            WebTransport = new WebTransportLimits
            {
                MaxSessions = int.MaxValue,
                MaxStreamsPerSession = options.MaxStreamsPerSession,
                SessionDataWindow = options.SessionDataWindow,
                FlowControl = options.EnableFlowControl,
                MaxDatagramReceiveSize = options.MaxDatagramReceiveSize,
                DatagramQueueLength = options.DatagramQueueLength,
            },
        };
        Http3ClientConnection http3 = await Http3ClientConnection.ConnectAsync(quic, settings, cancellationToken).ConfigureAwait(false);
        string authority = uri.IsDefaultPort ? uri.IdnHost : string.Create(CultureInfo.InvariantCulture, $"{uri.IdnHost}:{uri.Port}");
        var connection = new WebTransportClientConnection(http3, authority, options.Origin, protocols, options.RequireApplicationProtocol);
        try
        {
            // §4.6: no session before the server's SETTINGS say which WebTransport it speaks.
            Http3Settings server = await http3.PeerSettings.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!WebTransportNegotiation.ServerAllowsSessions(server))
            {
                throw new WebTransportException("The server's SETTINGS offer no WebTransport (extended CONNECT, HTTP Datagrams and a WebTransport setting are needed).");
            }

            if (WebTransportNegotiation.GetVariant(server) == WebTransportVariant.Current && !WebTransportNegotiation.MeetsTransportRequirements(http3.Quic))
            {
                // §3.1: no session unless the server's transport parameters allow QUIC datagrams and RESET_STREAM_AT.
                throw new WebTransportException(
                    "The server's transport parameters lack max_datagram_frame_size or reset_stream_at, which WebTransport needs.",
                    (long)Http3ErrorCode.WebTransportRequirementsNotMet);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return connection;
    }

    /// <summary>
    /// Opens a session on this connection: an extended CONNECT for <paramref name="pathAndQuery"/> with
    /// :protocol webtransport-h3 (or "webtransport" for a server of an earlier draft), established on a 2xx (§3.2).
    /// </summary>
    /// <exception cref="WebTransportException">The server refused (with <see cref="WebTransportException.StatusCode"/> or a reset code).</exception>
    public Task<WebTransportSession> OpenSessionAsync(string pathAndQuery, CancellationToken cancellationToken = default) =>
        OpenSessionCoreAsync(pathAndQuery, enforceOneSession: true, cancellationToken);

    /// <summary>As <see cref="OpenSessionAsync(string, CancellationToken)"/>; the tests may break §5.1 to see the server enforce it.</summary>
    internal async Task<WebTransportSession> OpenSessionCoreAsync(string pathAndQuery, bool enforceOneSession, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathAndQuery);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Manager.IsDraining)
        {
            // §4.6: after the server's GOAWAY, new sessions need a new connection.
            throw new WebTransportException("The server sent GOAWAY: open new sessions on a new connection.");
        }

        WebTransportVariant variant = Manager.PeerVariant;
        if (enforceOneSession && variant == WebTransportVariant.Current && !IsFlowControlled && Manager.SessionCount > 0)
        {
            // §5.1: without flow control on both sides, a client establishes one session at a time.
            throw new WebTransportException("Flow control is off on this connection, so it carries one session at a time (draft-ietf-webtrans-http3 §5.1).");
        }

        Http3RequestStream stream;
        try
        {
            stream = await _http3.OpenRequestAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Http3Exception ex)
        {
            throw new WebTransportException("No session could be opened: " + ex.Message, (long)ex.ErrorCode, innerException: ex);
        }

        // Registered before the CONNECT leaves, so streams and datagrams the server sends right after its 2xx find it (§4.6).
        var session = new WebTransportSession(Manager, stream, request: null);
        if (!Manager.TryAddSession(session))
        {
            stream.Abort(Http3ErrorCode.RequestCancelled);
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new WebTransportException("The connection is closed.");
        }

        var pseudo = new Http3Headers();
        pseudo.AddLowercase(":method", "CONNECT");
        pseudo.AddLowercase(":protocol", variant == WebTransportVariant.Current ? WebTransportNegotiation.ProtocolCurrent : WebTransportNegotiation.ProtocolDraft);
        pseudo.AddLowercase(":scheme", "https");
        pseudo.AddLowercase(":authority", _authority);
        pseudo.AddLowercase(":path", pathAndQuery);
        var fields = new Http3Headers();
        if (_origin is not null)
        {
            fields.AddLowercase("origin", _origin);
        }

        if (variant != WebTransportVariant.Current)
        {
            fields.AddLowercase("sec-webtransport-http3-draft02", "1");
        }

        if (_protocols.Length > 0)
        {
            // §3.3: the protocols we can speak over the session, most preferred first.
            fields.AddLowercase("wt-available-protocols", StructuredFieldStrings.FormatList(_protocols));
        }

        try
        {
            await stream.WriteHeadersAsync(pseudo, fields, endStream: false, cancellationToken).ConfigureAwait(false);
            Http3HeaderSection head = await stream.ReadHeadersAsync(cancellationToken).ConfigureAwait(false);
            int status = int.Parse(head.PseudoHeaders[":status"]!, NumberStyles.None, CultureInfo.InvariantCulture);
            if (status is < 200 or > 299)
            {
                session.AbortSession(Http3ErrorCode.RequestCancelled, "The server refused the session.");
                await stream.DisposeAsync().ConfigureAwait(false);
                throw new WebTransportException($"The server refused the session with status {status}.", statusCode: status);
            }

            if (_protocols.Length > 0)
            {
                // §3.3: a malformed wt-protocol is ignored; one we did not offer, or none when we require one, is WT_ALPN_ERROR.
                string? chosen = StructuredFieldStrings.TryParseStringItem(head.Fields["wt-protocol"], out string value) ? value : null;
                if ((chosen is not null && Array.IndexOf(_protocols, chosen) < 0) || (chosen is null && _requireProtocol))
                {
                    session.AbortSession(Http3ErrorCode.WebTransportAlpnError, "The server chose no protocol we offered.");
                    await stream.DisposeAsync().ConfigureAwait(false);
                    throw new WebTransportException(
                        chosen is null ? "The server chose no application protocol." : $"The server chose \"{chosen}\", which was not offered.",
                        (long)Http3ErrorCode.WebTransportAlpnError);
                }

                session.ApplicationProtocol = chosen;
            }

            session.OfferedProtocols = _protocols;
        }
        catch (Http3Exception ex)
        {
            session.AbortSession(Http3ErrorCode.RequestCancelled, "The CONNECT request failed.");
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new WebTransportException("The server refused the session: " + ex.Message, (long)ex.ErrorCode, innerException: ex);
        }
        catch (OperationCanceledException)
        {
            session.AbortSession(Http3ErrorCode.RequestCancelled, "Cancelled.");
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _ = RunSessionAsync(session, stream);
        return session;
    }

    /// <summary>Closes every session and the connection (H3_NO_ERROR).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _http3.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connection once the session's close has been delivered (or a second passed).</summary>
    internal async Task CloseAfterAsync(Task connectWritesClosed)
    {
        try
        {
            await connectWritesClosed.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or QuicException or OperationCanceledException)
        {
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    private static async Task RunSessionAsync(WebTransportSession session, Http3RequestStream stream)
    {
        await session.RunAsync().ConfigureAwait(false);
        try
        {
            await stream.QuicStream.WritesClosed.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or QuicException or OperationCanceledException)
        {
        }

        await stream.DisposeAsync().ConfigureAwait(false);
    }
}
