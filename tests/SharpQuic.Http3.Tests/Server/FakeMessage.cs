using System.Security.Cryptography;
using System.Text;

namespace SharpQuic.Http3.Tests.Server;

/// <summary>An in-memory request body: the chunks in order, then the trailers.</summary>
internal sealed class FakeMessageReader(IReadOnlyList<byte[]>? chunks = null, Http3Headers? trailers = null) : IHttp3MessageReader
{
    private readonly IReadOnlyList<byte[]> _chunks = chunks ?? [];
    private int _chunk;
    private int _offset;

    public Http3Headers? Trailers => _chunk >= _chunks.Count ? trailers : null;

    public long? AbortCode { get; private set; }

    public ValueTask<int> ReadDataAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (_chunk < _chunks.Count && _offset == _chunks[_chunk].Length)
        {
            _chunk++;
            _offset = 0;
        }

        if (_chunk >= _chunks.Count)
        {
            return ValueTask.FromResult(0);
        }

        int n = Math.Min(buffer.Length, _chunks[_chunk].Length - _offset);
        _chunks[_chunk].AsSpan(_offset, n).CopyTo(buffer.Span);
        _offset += n;
        return ValueTask.FromResult(n);
    }

    public void Abort(long errorCode) => AbortCode = errorCode;
}

/// <summary>
/// Records what a response sends. With <see cref="Slow"/> each DATA write completes only after a
/// yield and a short delay, and the bytes handed over but not yet taken are tracked, so a test can
/// see how much a handler keeps in flight. With <see cref="HashOnly"/> DATA is hashed, not kept.
/// </summary>
internal sealed class FakeMessageWriter : IHttp3MessageWriter
{
    private readonly MemoryStream _data = new();
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _outstanding;

    public bool Slow { get; init; }

    public bool HashOnly { get; init; }

    public Http3Headers? Pseudo { get; private set; }

    public Http3Headers? Fields { get; private set; }

    public Http3Headers? SentTrailers { get; private set; }

    public bool Fin { get; private set; }

    public long? AbortCode { get; private set; }

    public int HeaderSections { get; private set; }

    public int DataWrites { get; private set; }

    public long DataBytes { get; private set; }

    public int MaxWrite { get; private set; }

    public long MaxOutstanding { get; private set; }

    public int Status => int.Parse(Pseudo![":status"]!, System.Globalization.CultureInfo.InvariantCulture);

    public byte[] Body => _data.ToArray();

    public string BodyText => Encoding.UTF8.GetString(Body);

    public byte[] BodyHash => _hash.GetCurrentHash();

    public string? Field(string name) => Fields?[name];

    public ValueTask WriteHeadersAsync(Http3Headers pseudoHeaders, Http3Headers fields, bool endStream, CancellationToken cancellationToken)
    {
        Assert.False(Fin, "headers after FIN");
        HeaderSections++;
        Pseudo = pseudoHeaders;
        Fields = Copy(fields);
        Fin |= endStream;
        return ValueTask.CompletedTask;
    }

    public async ValueTask WriteDataAsync(ReadOnlyMemory<byte> data, bool endStream, CancellationToken cancellationToken)
    {
        Assert.False(Fin, "DATA after FIN");
        Assert.Equal(1, HeaderSections);
        DataWrites++;
        DataBytes += data.Length;
        MaxWrite = Math.Max(MaxWrite, data.Length);
        _outstanding += data.Length;
        MaxOutstanding = Math.Max(MaxOutstanding, _outstanding);
        if (Slow)
        {
            // The caller's buffer must stay untouched until the write completes; take it only then.
            await Task.Yield();
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (HashOnly)
        {
            _hash.AppendData(data.Span);
        }
        else
        {
            _data.Write(data.Span);
        }

        _outstanding -= data.Length;
        Fin |= endStream;
    }

    public ValueTask WriteTrailersAsync(Http3Headers trailers, CancellationToken cancellationToken)
    {
        SentTrailers = Copy(trailers);
        Fin = true;
        return ValueTask.CompletedTask;
    }

    public ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        Fin = true;
        return ValueTask.CompletedTask;
    }

    public void Abort(long errorCode) => AbortCode = errorCode;

    private static Http3Headers Copy(Http3Headers source)
    {
        var copy = new Http3Headers();
        foreach (KeyValuePair<string, string> field in source)
        {
            copy.Add(field.Key, field.Value);
        }

        return copy;
    }
}

/// <summary>Builds a server-side context over the fakes, through the internal constructors.</summary>
internal static class FakeContext
{
    public static Http3Context Create(string method, string pathAndQuery, FakeMessageWriter writer, Http3Headers? headers = null, CancellationToken aborted = default)
    {
        var request = new Http3Request(method, "https", "example.test", pathAndQuery, null, headers ?? new Http3Headers(), new FakeMessageReader());
        return new Http3Context(request, new Http3Response(writer), aborted);
    }

    /// <summary>Dispatches like the server host does: route, then complete the response.</summary>
    public static async Task<FakeMessageWriter> RunAsync(Http3RouteTable routes, string method, string pathAndQuery, Http3Headers? headers = null, FakeMessageWriter? writer = null)
    {
        writer ??= new FakeMessageWriter();
        Http3Context context = Create(method, pathAndQuery, writer, headers);
        await routes.DispatchAsync(context);
        await context.Response.CompleteAsync();
        Assert.True(writer.Fin);
        return writer;
    }
}
