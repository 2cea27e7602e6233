using System.Runtime.CompilerServices;
using System.Buffers;
using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// One request stream (RFC 9114 §4.1): HEADERS, DATA…, optional trailing HEADERS, in each
/// direction. Frames that break this order are H3_FRAME_UNEXPECTED (a connection error, §4.1);
/// a message that is malformed — bad fields, content-length not matching the DATA (§4.1.2) — is
/// a stream error H3_MESSAGE_ERROR. Reads and writes may run concurrently (one reader, one writer).
/// </summary>
internal sealed class Http3RequestStream : IHttp3MessageStream, IAsyncDisposable
{
    private const int ReadBufferSize = 16 * 1024;

    private readonly Http3Connection _connection;
    private readonly QuicStream _stream;
    private readonly Http3FrameReader _frames;
    private readonly Http3FieldSection.Kind _inboundKind;
    private byte[]? _readBuffer;
    private int _readStart;
    private int _readEnd;
    private bool _fin;
    private ReadState _readState;
    private long _expectedLength = -1;
    private long _received;
    private bool _writeEnded;
    private byte[]? _pendingHeaders;
    private byte[]? _frameHeader; // a HEADERS frame held back to travel with the first DATA or the FIN

    public Http3RequestStream(Http3Connection connection, QuicStream stream)
    {
        _connection = connection;
        _stream = stream;
        _frames = new Http3FrameReader(Http3StreamKind.Request, connection.IsClient, connection.FrameReaderOptions);
        _inboundKind = connection.IsClient ? Http3FieldSection.Kind.Response : Http3FieldSection.Kind.Request;
    }

    private enum ReadState
    {
        Headers,
        Body,
        Ended,
    }

    public long StreamId => _stream.Id;

    /// <summary>The HTTP/3 connection the stream belongs to.</summary>
    public Http3Connection Connection => _connection;

    /// <summary>
    /// The session ID of the WT_STREAM signal (draft-ietf-webtrans-http3 §4.3) once
    /// <see cref="ReadHeadersOrWebTransportAsync"/> found one: the stream is then a WebTransport stream.
    /// </summary>
    public long? WebTransportSessionId { get; private set; }

    /// <summary>Whether the stream's ID is past our GOAWAY: served only if it turns out to be a WebTransport stream.</summary>
    public bool ArrivedAfterGoAway { get; init; }

    public QuicStream QuicStream => _stream;

    public Http3Headers? Trailers { get; private set; }

    /// <summary>The request's priority (RFC 9218), as last set by its field or a PRIORITY_UPDATE.</summary>
    public Http3Priority Priority { get; set; } = Http3Priority.Default;

    public async ValueTask<Http3HeaderSection> ReadHeadersAsync(CancellationToken cancellationToken) =>
        await ReadHeadersOrWebTransportAsync(cancellationToken).ConfigureAwait(false)
            ?? throw ConnectionError(Http3ErrorCode.FrameUnexpected);

    /// <summary>
    /// Reads the header section, or returns null when the stream opens with the WT_STREAM signal
    /// (only when WebTransport is enabled): <see cref="WebTransportSessionId"/> is then set and
    /// <see cref="TakeBufferedBytes"/> returns the application bytes already read after it.
    /// </summary>
    public async ValueTask<Http3HeaderSection?> ReadHeadersOrWebTransportAsync(CancellationToken cancellationToken)
    {
        if (_readState != ReadState.Headers)
        {
            throw new InvalidOperationException("The header section has already been read.");
        }

        while (true)
        {
            (bool found, ValueTask<Http3HeaderSection> decoding) = await ReadHeadersFrameAsync(_inboundKind, cancellationToken).ConfigureAwait(false);
            if (WebTransportSessionId is not null)
            {
                _readState = ReadState.Ended;
                return null;
            }

            if (!found)
            {
                // §4.1.2: a request stream that ends without a complete request.
                throw new Http3Exception(Http3ErrorCode.RequestIncomplete, "The stream ended before a header section.");
            }

            Http3HeaderSection headers = await DecodeAsync(decoding).ConfigureAwait(false);
            if (_inboundKind == Http3FieldSection.Kind.Response && headers.PseudoHeaders[":status"]![0] == '1')
            {
                // §4.1: interim responses precede the final one; 101 is not allowed in HTTP/3.
                if (headers.PseudoHeaders[":status"] == "101")
                {
                    throw Malformed("101 is not allowed in HTTP/3");
                }

                continue;
            }

            if (!Http3FieldSection.TryGetContentLength(headers.Fields, out _expectedLength))
            {
                throw Malformed("invalid content-length");
            }

            _readState = ReadState.Body;
            return headers;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<int> ReadDataAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_readState == ReadState.Headers)
        {
            throw new InvalidOperationException("Read the header section first.");
        }

        if (_readState == ReadState.Ended || buffer.IsEmpty)
        {
            return 0;
        }

        while (true)
        {
            if (_readStart == _readEnd && !_fin)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            if (_readStart == _readEnd && _fin)
            {
                EndOfMessage();
                return 0;
            }

            // Offer the reader at most what fits the caller's buffer, so a DATA chunk never exceeds it
            // (a frame header cut short is kept by the reader until the next call).
            int offered = Math.Min(_readEnd - _readStart, buffer.Length);
            Http3FrameReadStatus status = _frames.Read(_readBuffer.AsSpan(_readStart, offered), out int consumed, out Http3FrameEvent frame);
            switch (status)
            {
                case Http3FrameReadStatus.DataChunk:
                    int n = frame.Payload.Length;
                    frame.Payload.CopyTo(buffer.Span);
                    _readStart += consumed;
                    _received += n;
                    if (_expectedLength >= 0 && _received > _expectedLength)
                    {
                        throw Malformed("more content than content-length");
                    }

                    if (n > 0)
                    {
                        return n;
                    }

                    break;
                case Http3FrameReadStatus.Frame:
                    _readStart += consumed;
                    if (frame.Type != (ulong)Http3FrameType.Headers)
                    {
                        break;
                    }

                    // Trailers (§4.1): decoded, then the stream must end.
                    ValueTask<Http3HeaderSection> decodingTrailers = _connection.DecodeHeadersAsync(StreamId, frame.Payload, Http3FieldSection.Kind.Trailers);
                    Http3HeaderSection trailers = await DecodeAsync(decodingTrailers).ConfigureAwait(false);
                    Trailers = trailers.Fields;
                    await ExpectEndAfterTrailersAsync(cancellationToken).ConfigureAwait(false);
                    EndOfMessage();
                    return 0;
                case Http3FrameReadStatus.Error:
                    throw ConnectionError(frame.Error);
                default:
                    _readStart += consumed;
                    break;
            }
        }
    }

    public async ValueTask WriteHeadersAsync(Http3Headers pseudoHeaders, Http3Headers fields, bool endStream, CancellationToken cancellationToken)
    {
        var section = new ArrayBufferWriter<byte>(256);
        _connection.EncodeHeaders(StreamId, pseudoHeaders, fields, section);
        if (!endStream && !_connection.IsClient && _pendingHeaders is null && !_writeEnded)
        {
            // A response's HEADERS wait for the first DATA, the end of the message or a flush: a small response then
            // leaves in one write (and usually one packet) instead of two.
            int headerLength = Http3FrameWriter.HeaderLength((ulong)Http3FrameType.Headers, (ulong)section.WrittenCount);
            byte[] frame = new byte[headerLength + section.WrittenCount];
            Http3FrameWriter.TryWriteHeader(frame, (ulong)Http3FrameType.Headers, (ulong)section.WrittenCount, out _);
            section.WrittenSpan.CopyTo(frame.AsSpan(headerLength));
            _pendingHeaders = frame;
            return;
        }

        await WriteFrameAsync((ulong)Http3FrameType.Headers, section.WrittenMemory, endStream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a held-back HEADERS frame now.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_pendingHeaders is byte[] frame)
        {
            _pendingHeaders = null;
            try
            {
                await _stream.WriteAsync(frame, completeWrites: false, cancellationToken).ConfigureAwait(false);
            }
            catch (QuicException ex)
            {
                throw Translate(ex);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteDataAsync(ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancellationToken)
    {
        if (data.IsEmpty)
        {
            if (endStream)
            {
                await CompleteAsync(cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await WriteFrameAsync((ulong)Http3FrameType.Data, data, endStream, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask WriteTrailersAsync(Http3Headers trailers, CancellationToken cancellationToken)
    {
        var section = new ArrayBufferWriter<byte>(128);
        _connection.EncodeHeaders(StreamId, new Http3Headers(), trailers, section);
        await WriteFrameAsync((ulong)Http3FrameType.Headers, section.WrittenMemory, endStream: true, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (_pendingHeaders is byte[] frame && !_writeEnded)
        {
            _pendingHeaders = null;
            _writeEnded = true;
            return WriteRawAsync(frame, cancellationToken);
        }

        if (!_writeEnded)
        {
            _writeEnded = true;
            try
            {
                _stream.CompleteWrites();
            }
            catch (Exception ex) when (ex is QuicException or ObjectDisposedException)
            {
                return ValueTask.FromException(Translate(ex));
            }
        }

        return ValueTask.CompletedTask;
    }

    void IHttp3MessageWriter.Abort(long errorCode)
    {
        _writeEnded = true;
        _pendingHeaders = null;
        Http3Connection.TryAbort(_stream, QuicAbortDirection.Write, (Http3ErrorCode)(ulong)errorCode);
    }

    void IHttp3MessageReader.Abort(long errorCode) => AbortRead((Http3ErrorCode)(ulong)errorCode);

    /// <summary>Stops reading (STOP_SENDING) and tells QPACK the stream's sections will never be read.</summary>
    public void AbortRead(Http3ErrorCode code)
    {
        if (_readState == ReadState.Ended)
        {
            return;
        }

        if (_readState == ReadState.Headers)
        {
            _connection.CancelStream(StreamId);
        }

        _readState = ReadState.Ended;
        Http3Connection.TryAbort(_stream, QuicAbortDirection.Read, code);
    }

    /// <summary>The bytes read past the WT_STREAM signal and not yet consumed (a copy); empties the buffer.</summary>
    public byte[] TakeBufferedBytes()
    {
        byte[] rest = _readBuffer is null ? [] : _readBuffer.AsSpan(_readStart, _readEnd - _readStart).ToArray();
        _readStart = _readEnd;
        return rest;
    }

    /// <summary>Resets both directions with <paramref name="code"/>.</summary>
    public void Abort(Http3ErrorCode code)
    {
        AbortRead(code);
        _writeEnded = true;
        _pendingHeaders = null;
        Http3Connection.TryAbort(_stream, QuicAbortDirection.Write, code);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (_readBuffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_readBuffer);
            _readBuffer = null;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteFrameAsync(ulong type, ReadOnlyMemory<byte> payload, bool endStream, CancellationToken cancellationToken)
    {
        if (_writeEnded)
        {
            throw new InvalidOperationException("The message has already been completed.");
        }

        _writeEnded = endStream;
        byte[]? held = _pendingHeaders;
        _pendingHeaders = null;
        int heldLength = held?.Length ?? 0;
        int headerLength = Http3FrameWriter.HeaderLength(type, (ulong)payload.Length);
        try
        {
            if (payload.Length <= 16 * 1024)
            {
                // Small frames go out in one write: a held HEADERS frame, this frame's header and payload together.
                byte[] frame = ArrayPool<byte>.Shared.Rent(heldLength + headerLength + payload.Length);
                try
                {
                    held?.CopyTo(frame, 0);
                    Http3FrameWriter.TryWriteHeader(frame.AsSpan(heldLength), type, (ulong)payload.Length, out _);
                    payload.Span.CopyTo(frame.AsSpan(heldLength + headerLength));
                    await _stream.WriteAsync(frame.AsMemory(0, heldLength + headerLength + payload.Length), endStream, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(frame);
                }

                return;
            }

            // One writer per stream: the frame header of a large frame reuses a per-stream buffer.
            byte[] header = held is null ? (_frameHeader ??= new byte[16]) : new byte[heldLength + headerLength];
            held?.CopyTo(header, 0);
            Http3FrameWriter.TryWriteHeader(header.AsSpan(heldLength), type, (ulong)payload.Length, out _);
            await _stream.WriteAsync(header.AsMemory(0, heldLength + headerLength), completeWrites: false, cancellationToken).ConfigureAwait(false);
            await _stream.WriteAsync(payload, endStream, cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw Translate(ex);
        }
    }

    private async ValueTask WriteRawAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.WriteAsync(bytes, completeWrites: true, cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw Translate(ex);
        }
    }

    /// <summary>
    /// Reads frames until a HEADERS frame, whose decoding starts while its bytes are still in the read buffer
    /// (QPACK copies a section only when it blocks); not found at the end of the stream or on a WebTransport signal.
    /// </summary>
    private async ValueTask<(bool Found, ValueTask<Http3HeaderSection> Decoding)> ReadHeadersFrameAsync(Http3FieldSection.Kind kind, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_readStart == _readEnd)
            {
                if (_fin)
                {
                    if (!_frames.TryComplete(out Http3ErrorCode error))
                    {
                        throw ConnectionError(error);
                    }

                    return (false, default);
                }

                await FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            Http3FrameReadStatus status = _frames.Read(_readBuffer.AsSpan(_readStart, _readEnd - _readStart), out int consumed, out Http3FrameEvent frame);
            _readStart += consumed;
            switch (status)
            {
                case Http3FrameReadStatus.Frame when frame.Type == (ulong)Http3FrameType.Headers:
                    return (true, _connection.DecodeHeadersAsync(StreamId, frame.Payload, kind));
                case Http3FrameReadStatus.DataChunk:
                    // §4.1: DATA before HEADERS is H3_FRAME_UNEXPECTED.
                    throw ConnectionError(Http3ErrorCode.FrameUnexpected);
                case Http3FrameReadStatus.WebTransportStream when _readState == ReadState.Headers && !_connection.IsClient:
                    // draft-ietf-webtrans-http3 §4.3: the frame reader allows the signal only first on the stream.
                    WebTransportSessionId = (long)frame.Value;
                    return (false, default);
                case Http3FrameReadStatus.WebTransportStream:
                    throw ConnectionError(Http3ErrorCode.FrameUnexpected);
                case Http3FrameReadStatus.Error:
                    throw ConnectionError(frame.Error);
            }
        }
    }

    private async ValueTask ExpectEndAfterTrailersAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_readStart == _readEnd)
            {
                if (_fin)
                {
                    return;
                }

                await FillAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            Http3FrameReadStatus status = _frames.Read(_readBuffer.AsSpan(_readStart, _readEnd - _readStart), out int consumed, out Http3FrameEvent frame);
            _readStart += consumed;
            if (status is Http3FrameReadStatus.DataChunk or Http3FrameReadStatus.Frame && (status != Http3FrameReadStatus.Frame || frame.Type is (ulong)Http3FrameType.Headers or (ulong)Http3FrameType.Data))
            {
                // §4.1: nothing but unknown frames may follow the trailers.
                throw ConnectionError(Http3ErrorCode.FrameUnexpected);
            }

            if (status == Http3FrameReadStatus.Error)
            {
                throw ConnectionError(frame.Error);
            }
        }
    }

    private void EndOfMessage()
    {
        if (_readState == ReadState.Ended)
        {
            return;
        }

        if (!_frames.TryComplete(out Http3ErrorCode error))
        {
            throw ConnectionError(error);
        }

        _readState = ReadState.Ended;
        if (_expectedLength >= 0 && _received != _expectedLength)
        {
            throw Malformed("content shorter than content-length");
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        _readBuffer ??= ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        if (_readStart == _readEnd)
        {
            _readStart = _readEnd = 0;
        }
        else if (_readStart > 0)
        {
            Buffer.BlockCopy(_readBuffer, _readStart, _readBuffer, 0, _readEnd - _readStart);
            _readEnd -= _readStart;
            _readStart = 0;
        }

        int read;
        try
        {
            read = await _stream.ReadAsync(_readBuffer.AsMemory(_readEnd), cancellationToken).ConfigureAwait(false);
        }
        catch (QuicException ex)
        {
            throw Translate(ex);
        }

        if (read == 0)
        {
            _fin = true;
        }

        _readEnd += read;
    }

    private async ValueTask<Http3HeaderSection> DecodeAsync(ValueTask<Http3HeaderSection> decoding)
    {
        try
        {
            return await decoding.ConfigureAwait(false);
        }
        catch (Http3Exception ex) when (ex.ErrorCode == Http3ErrorCode.MessageError)
        {
            throw Malformed(ex.Message);
        }
    }

    private Http3Exception Malformed(string reason)
    {
        // §4.1.2: a malformed message is a stream error of type H3_MESSAGE_ERROR.
        Abort(Http3ErrorCode.MessageError);
        return new Http3Exception(Http3ErrorCode.MessageError, "Malformed HTTP/3 message: " + reason);
    }

    private Http3Exception ConnectionError(Http3ErrorCode code)
    {
        _connection.Abort(code);
        return new Http3Exception(code, $"HTTP/3 connection error {code} on stream {StreamId}.");
    }

    private Exception Translate(Exception ex) => ex switch
    {
        QuicException { QuicError: QuicError.StreamAborted, ApplicationErrorCode: long code } =>
            new Http3Exception((Http3ErrorCode)(ulong)code, $"The peer reset stream {StreamId} with {(Http3ErrorCode)(ulong)code}.", ex),
        QuicException { ApplicationErrorCode: long code } =>
            new Http3Exception((Http3ErrorCode)(ulong)code, $"The connection closed with {(Http3ErrorCode)(ulong)code}.", ex),
        QuicException => new Http3Exception(_connection.CloseError ?? Http3ErrorCode.InternalError, "The QUIC connection failed: " + ex.Message, ex),
        _ => ex,
    };
}
