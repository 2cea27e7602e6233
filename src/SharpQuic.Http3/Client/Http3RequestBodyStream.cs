using System.Runtime.CompilerServices;

namespace SharpQuic.Http3;

/// <summary>
/// The write-only <see cref="Stream"/> a request's <see cref="HttpContent"/> is copied into: each write becomes
/// DATA frames of at most <see cref="MaxChunk"/> bytes. Holds the content to its declared length: writing more is
/// refused (RFC 9114 §4.1.2 makes such a message malformed), so is ending short (checked by the caller).
/// </summary>
internal sealed class Http3RequestBodyStream(IHttp3MessageWriter writer, long? declaredLength) : Stream
{
    /// <summary>The largest DATA payload written at once, so one big write does not become one huge frame.</summary>
    public const int MaxChunk = 64 * 1024;

    /// <summary>Content bytes written so far.</summary>
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (declaredLength is long limit && buffer.Length > limit - BytesWritten)
        {
            throw new HttpRequestException(HttpRequestError.Unknown, $"The request content is longer than its content-length ({limit}).");
        }

        while (!buffer.IsEmpty)
        {
            ReadOnlyMemory<byte> chunk = buffer.Length > MaxChunk ? buffer[..MaxChunk] : buffer;
            await writer.WriteDataAsync(chunk, endStream: false, cancellationToken).ConfigureAwait(false);
            BytesWritten += chunk.Length;
            buffer = buffer[chunk.Length..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
