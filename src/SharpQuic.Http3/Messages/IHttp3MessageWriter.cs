namespace SharpQuic.Http3;

/// <summary>
/// The sending half of one HTTP/3 message (a request on the client, a response on the server):
/// HEADERS, then DATA, then optional trailers (RFC 9114 §4.1). Implemented over a QUIC request
/// stream by <c>Http3RequestStream</c>, and by in-memory fakes in tests. Writes complete when the
/// transport has taken the bytes, so a writer faster than its reader is paused by flow control.
/// </summary>
internal interface IHttp3MessageWriter
{
    /// <summary>Sends a HEADERS frame: <paramref name="pseudoHeaders"/> first, then <paramref name="fields"/>.</summary>
    ValueTask WriteHeadersAsync(Http3Headers pseudoHeaders, Http3Headers fields, bool endStream, CancellationToken cancellationToken);

    /// <summary>Sends DATA (nothing when empty, unless <paramref name="endStream"/> just ends the stream).</summary>
    ValueTask WriteDataAsync(ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancellationToken);

    /// <summary>Sends the trailer section and ends the stream.</summary>
    ValueTask WriteTrailersAsync(Http3Headers trailers, CancellationToken cancellationToken);

    /// <summary>Sends anything held back (a HEADERS frame waits for the first DATA or the end of the message).</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Ends the stream (FIN) if it is not ended yet.</summary>
    ValueTask CompleteAsync(CancellationToken cancellationToken);

    /// <summary>Resets the sending side with an HTTP/3 error code (RESET_STREAM).</summary>
    void Abort(long errorCode);
}

/// <summary>
/// The receiving half of one HTTP/3 message after its header section: the content of its DATA
/// frames, then its trailers.
/// </summary>
internal interface IHttp3MessageReader
{
    /// <summary>Reads content bytes; 0 at the end of the message. Throws <see cref="Http3Exception"/>
    /// when the peer reset the stream or the message is malformed.</summary>
    ValueTask<int> ReadDataAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    /// <summary>The trailer section, once <see cref="ReadDataAsync"/> has returned 0; null when there was none.</summary>
    Http3Headers? Trailers { get; }

    /// <summary>Stops reading (STOP_SENDING with the code) when the application no longer wants the body.</summary>
    void Abort(long errorCode);
}
