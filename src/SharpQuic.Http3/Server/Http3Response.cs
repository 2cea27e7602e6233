using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;

namespace SharpQuic.Http3;

/// <summary>
/// The response a handler builds: status, fields, a streaming body and optional trailers. The
/// header section goes out on the first body write (or <see cref="StartAsync"/>, or when the
/// handler returns). Body writes complete when the transport has taken the bytes, so a handler
/// writing faster than the client reads is paused by flow control and never buffered without bound.
/// </summary>
public sealed class Http3Response
{
    private readonly IHttp3MessageWriter _writer;
    private readonly Http3BodyWriteStream _body;
    private PipeWriter? _bodyWriter;
    private int _statusCode = 200;

    internal Http3Response(IHttp3MessageWriter writer)
    {
        _writer = writer;
        _body = new Http3BodyWriteStream(this);
    }

    /// <summary>The status code, 200 unless set; fixed once the response has started.</summary>
    public int StatusCode
    {
        get => _statusCode;
        set
        {
            if (HasStarted)
            {
                throw new InvalidOperationException("The response has already started.");
            }

            ArgumentOutOfRangeException.ThrowIfLessThan(value, 100);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 999);
            _statusCode = value;
        }
    }

    /// <summary>The response fields; changes after the response started are not sent.</summary>
    public Http3Headers Headers { get; } = new();

    /// <summary>Fields sent after the body (RFC 9114 §4.1); sent only when not empty.</summary>
    public Http3Headers Trailers { get; } = new();

    /// <summary>Sets or reads the content-type field.</summary>
    public string? ContentType { get => Headers["content-type"]; set => Headers["content-type"] = value; }

    /// <summary>Sets or reads the content-length field.</summary>
    public long? ContentLength
    {
        get => Headers.TryGetValue("content-length", out string? v) && long.TryParse(v, out long n) ? n : null;
        set => Headers["content-length"] = value?.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Content bytes written so far.</summary>
    public long BodyBytesSent { get; private set; }

    /// <summary>Whether the header section has been sent.</summary>
    public bool HasStarted { get; private set; }

    /// <summary>Whether the response has been ended (FIN sent).</summary>
    public bool HasCompleted { get; private set; }

    /// <summary>The response content; the first write sends the header section.</summary>
    public Stream Body => _body;

    /// <summary>The response content as a pipe.</summary>
    public PipeWriter BodyWriter => _bodyWriter ??= PipeWriter.Create(_body, new StreamPipeWriterOptions(leaveOpen: true));

    internal IHttp3MessageWriter Writer => _writer;

    /// <summary>For HEAD (RFC 9110 §9.3.2): the header section is sent as for GET (content-length
    /// included), but body writes are only counted in <see cref="SuppressedBodyBytes"/>, never sent.</summary>
    internal bool SuppressBody { get; set; }

    /// <summary>The body bytes discarded because of <see cref="SuppressBody"/>.</summary>
    internal long SuppressedBodyBytes { get; private set; }

    /// <summary>Sends the header section now, without content.</summary>
    public async ValueTask StartAsync(CancellationToken cancellationToken = default)
    {
        await SendHeaderSectionAsync(endStream: false, cancellationToken).ConfigureAwait(false);
        await _writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends what is held back (the header section before the first body bytes).</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default) =>
        HasStarted ? _writer.FlushAsync(cancellationToken) : StartAsync(cancellationToken);

    /// <summary>Writes UTF-8 text to the body.</summary>
    public ValueTask WriteAsync(string text, CancellationToken cancellationToken = default) =>
        WriteBodyAsync(Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Writes bytes to the body.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask WriteBodyAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        if (HasCompleted)
        {
            throw new InvalidOperationException("The response has completed.");
        }

        if (!HasStarted)
        {
            await SendHeaderSectionAsync(endStream: false, cancellationToken).ConfigureAwait(false);
        }

        if (SuppressBody)
        {
            SuppressedBodyBytes += data.Length;
            return;
        }

        if (!data.IsEmpty)
        {
            await _writer.WriteDataAsync(data, endStream: false, cancellationToken).ConfigureAwait(false);
            BodyBytesSent += data.Length;
        }
    }

    /// <summary>Ends the response: sends the header section if not yet sent, then the trailers if
    /// any, then FIN. Called for the handler when it returns.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (HasCompleted)
        {
            return;
        }

        if (_bodyWriter is not null)
        {
            await _bodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!HasStarted)
        {
            bool noContent = Trailers.Count == 0;
            await SendHeaderSectionAsync(endStream: noContent, cancellationToken).ConfigureAwait(false);
            if (noContent)
            {
                HasCompleted = true;
                return;
            }
        }

        HasCompleted = true;
        if (Trailers.Count > 0)
        {
            await _writer.WriteTrailersAsync(Trailers, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Resets the response stream with an HTTP/3 error code (H3_REQUEST_CANCELLED by default).</summary>
    public void Abort(long errorCode = (long)Wire.Http3ErrorCode.RequestCancelled)
    {
        HasCompleted = true;
        _writer.Abort(errorCode);
    }

    private async ValueTask SendHeaderSectionAsync(bool endStream, CancellationToken cancellationToken)
    {
        if (HasStarted)
        {
            return;
        }

        HasStarted = true;
        var pseudo = new Http3Headers();
        pseudo.AddLowercase(":status", _statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await _writer.WriteHeadersAsync(pseudo, Headers, endStream, cancellationToken).ConfigureAwait(false);
    }

    private sealed class Http3BodyWriteStream(Http3Response response) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            response.WriteBodyAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            response.WriteBodyAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) =>
            response.WriteBodyAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => response.FlushAsync(cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
