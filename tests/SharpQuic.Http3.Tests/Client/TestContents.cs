using System.Net;

namespace SharpQuic.Http3.Tests.Client;

/// <summary>
/// Content of unknown length that writes <c>rounds</c> chunks (chunk i filled with byte i), waiting before each
/// next chunk until the test releases <see cref="EchoSeen"/> (unless told not to wait). Not replayable.
/// </summary>
internal sealed class PingPongContent(int rounds, int chunkSize, bool waitForEcho = true) : HttpContent
{
    public SemaphoreSlim EchoSeen { get; } = new(0);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        for (int round = 0; round < rounds; round++)
        {
            byte[] chunk = new byte[chunkSize];
            Array.Fill(chunk, (byte)round);
            await stream.WriteAsync(chunk);
            if (waitForEcho)
            {
                await EchoSeen.WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            EchoSeen.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>Content that writes a few bytes then throws.</summary>
internal sealed class FailingContent : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(new byte[] { 1, 2, 3 });
        throw new FormatException("the content broke");
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>Content that writes a few bytes, then throws once <see cref="Fail"/> is set.</summary>
internal sealed class GatedFailingContent : HttpContent
{
    public TaskCompletionSource Fail { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(new byte[] { 1, 2, 3 });
        await Fail.Task;
        throw new FormatException("the content broke late");
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>A read-only stream that cannot seek (so a <see cref="StreamContent"/> over it cannot be sent twice).</summary>
internal sealed class OneWayStream(byte[] data) : Stream
{
    private int _position;

    public int TimesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        TimesRead++;
        int n = Math.Min(count, data.Length - _position);
        Array.Copy(data, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
