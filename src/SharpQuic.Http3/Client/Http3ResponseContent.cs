using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;

namespace SharpQuic.Http3;

/// <summary>
/// The content of an HTTP/3 response, streamed from the request stream as it arrives (never buffered here). It can
/// be read once. Disposing it before the end stops the stream (STOP_SENDING H3_REQUEST_CANCELLED).
/// </summary>
internal sealed class Http3ResponseContent : HttpContent
{
    private readonly Http3ResponseStream _stream;
    private int _consumed;

    public Http3ResponseContent(Http3RequestExchange exchange, HttpResponseMessage response)
    {
        _stream = new Http3ResponseStream(exchange, response);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Stream source = Consume();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult(Consume());

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => Task.FromResult(Consume());

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => Consume();

    protected override bool TryComputeLength(out long length)
    {
        // The length is whatever content-length the server sent (already in Headers); nothing to compute.
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Dispose();
        }

        base.Dispose(disposing);
    }

    private Stream Consume()
    {
        if (Interlocked.Exchange(ref _consumed, 1) != 0)
        {
            throw new InvalidOperationException("The HTTP/3 response content has already been read; it is streamed and can be read once.");
        }

        return _stream;
    }
}

/// <summary>
/// Reads a response's content through <see cref="IHttp3MessageReader.ReadDataAsync"/>; at the end copies the trailers
/// into <see cref="HttpResponseMessage.TrailingHeaders"/>. Failures surface as <see cref="HttpIOException"/>.
/// </summary>
internal sealed class Http3ResponseStream(Http3RequestExchange exchange, HttpResponseMessage response) : ReadOnlyMessageStream
{
    private bool _ended;
    private int _disposed;

    public override bool CanRead => Volatile.Read(ref _disposed) == 0;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_ended || buffer.IsEmpty)
        {
            return 0;
        }

        int read;
        try
        {
            read = await exchange.Stream.ReadDataAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // A cancelled read leaves the body at an unknown point: the response is abandoned.
            exchange.AbandonResponse(ended: false);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException || exchange.UploadError is not null)
        {
            exchange.AbandonResponse(ended: false);
            Exception cause = exchange.UploadError ?? e;
            throw new HttpIOException(
                e is Http3Exception or QuicException { ApplicationErrorCode: not null } ? HttpRequestError.HttpProtocolError : HttpRequestError.Unknown,
                cause is Http3Exception h3
                    ? $"The HTTP/3 response body failed: {h3.ErrorCode} (0x{(ulong)h3.ErrorCode:x})."
                    : "The HTTP/3 response body failed: " + cause.Message,
                cause);
        }

        if (read == 0)
        {
            _ended = true;
            Http3MessageMapping.CopyTrailers(exchange.Stream.Trailers, response);
            exchange.ResponseEnded();
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            exchange.AbandonResponse(_ended);
        }

        base.Dispose(disposing);
    }
}
