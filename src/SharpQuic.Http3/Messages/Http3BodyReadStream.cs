using System.Runtime.CompilerServices;

namespace SharpQuic.Http3;

/// <summary>A read-only <see cref="Stream"/> over the content of an HTTP/3 message.</summary>
internal sealed class Http3BodyReadStream(IHttp3MessageReader reader) : ReadOnlyMessageStream
{
    private bool _ended;

    /// <summary>Whether the end of the content has been read.</summary>
    public bool Ended => _ended;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_ended || buffer.IsEmpty)
        {
            return 0;
        }

        int read = await reader.ReadDataAsync(buffer, cancellationToken).ConfigureAwait(false);
        _ended = read == 0;
        return read;
    }
}
