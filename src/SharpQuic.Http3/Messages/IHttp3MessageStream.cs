namespace SharpQuic.Http3;

/// <summary>A decoded header section: the pseudo-headers (":method", ":status", …) and the fields.</summary>
internal readonly record struct Http3HeaderSection(Http3Headers PseudoHeaders, Http3Headers Fields);

/// <summary>
/// One HTTP/3 request stream (RFC 9114 §4.1) with both halves of its message exchange. The server
/// reads a request and writes a response on it; the client writes a request and reads a response.
/// </summary>
internal interface IHttp3MessageStream : IHttp3MessageWriter, IHttp3MessageReader
{
    /// <summary>The QUIC stream ID.</summary>
    long StreamId { get; }

    /// <summary>
    /// Reads the next header section: the request's on the server; on the client the response's,
    /// skipping interim (1xx) responses. Validated per RFC 9114 §4.3 and QPACK-decoded (waiting
    /// if the section is blocked on the encoder stream). Throws <see cref="Http3Exception"/> on a
    /// malformed message, a reset, or when the stream ends before a header section.
    /// </summary>
    ValueTask<Http3HeaderSection> ReadHeadersAsync(CancellationToken cancellationToken);
}

/// <summary>An HTTP/3 client connection to one origin, as the message handler uses it.</summary>
internal interface IHttp3ClientConnection : IAsyncDisposable
{
    /// <summary>False once the server sent GOAWAY or the connection closed: open no new requests on it.</summary>
    bool IsUsable { get; }

    /// <summary>Opens a request stream. Throws <see cref="Http3Exception"/> with
    /// H3_REQUEST_REJECTED when the connection can take no new request (GOAWAY, closed), so the caller can retry on a new one.</summary>
    ValueTask<IHttp3MessageStream> OpenRequestStreamAsync(CancellationToken cancellationToken);
}
