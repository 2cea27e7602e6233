using System.Buffers;
using System.Globalization;

namespace SharpQuic.Http3;

/// <summary>
/// Serves files from a directory: content-type by extension, content-length, last-modified, a
/// strong ETag, conditional GET (304), single byte ranges (206/416), and streaming in bounded
/// chunks so a file is never held in memory. Anything that could reach outside the root is a 404.
/// </summary>
public static class Http3StaticFiles
{
    /// <summary>The read buffer, rented per response: the most a response holds of a file at once.</summary>
    internal const int ChunkSize = 64 * 1024;

    private const string IndexFile = "index.html";
    private static readonly byte[] NotFoundBody = "404 Not Found\n"u8.ToArray();

    /// <summary>
    /// Maps GET (and so HEAD) <c>prefix/{*path}</c> to the files under <paramref name="rootDirectory"/>.
    /// </summary>
    /// <param name="routes">The route table.</param>
    /// <param name="prefix">A literal path prefix such as "/static" (or "/" for the whole site).</param>
    /// <param name="rootDirectory">The directory served; only files under it are ever opened.</param>
    /// <exception cref="ArgumentException">The prefix is not a literal path or the root is empty.</exception>
    public static Http3RouteTable MapStaticFiles(this Http3RouteTable routes, string prefix, string rootDirectory)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        if (prefix.AsSpan().IndexOfAny("{}") >= 0)
        {
            throw new ArgumentException($"The static files prefix '{prefix}' must be literal.", nameof(prefix));
        }

        string root = StaticFilePath.NormalizeRoot(rootDirectory);
        string pattern = prefix.TrimEnd('/') + "/{*path}";
        return routes.MapGet(pattern, context =>
            ServeAsync(context, root, context.Request.RouteValues.TryGetValue("path", out string? path) ? path : string.Empty));
    }

    /// <summary>
    /// Answers the request with the file at <paramref name="relativePath"/> under
    /// <paramref name="rootDirectory"/> (a directory answers with its index.html), or 404.
    /// </summary>
    /// <param name="context">The request being served (GET or HEAD; other methods get 405).</param>
    /// <param name="rootDirectory">The directory served.</param>
    /// <param name="relativePath">The path under the root, already percent-decoded once (as route values
    /// are); it is not decoded again. '/' separates segments.</param>
    public static async Task ServeAsync(Http3Context context, string rootDirectory, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        ArgumentNullException.ThrowIfNull(relativePath);
        Http3Request request = context.Request;
        Http3Response response = context.Response;
        bool head = request.Method == "HEAD";
        if (!head && request.Method != "GET")
        {
            response.StatusCode = 405;
            response.Headers["allow"] = "GET, HEAD";
            return;
        }

        string root = StaticFilePath.NormalizeRoot(rootDirectory);
        FileInfo? info = FindFile(root, relativePath, out string name);
        if (info is null)
        {
            await WriteNotFoundAsync(context).ConfigureAwait(false);
            return;
        }

        if (!SetHeaders(request, response, info, name, out long start, out long count))
        {
            return;
        }

        // Opened only when bytes are needed. Besides sparing HEAD, 304 and empty files the open,
        // this never opens what reports no size: a FIFO, socket or device in the root would block
        // open(2) (and a thread) until a writer appears.
        if (head || count == 0)
        {
            return;
        }

        FileStream? file = OpenRead(info.FullName);
        if (file is null)
        {
            // Gone between the stat and the open; nothing has been sent yet.
            response.Headers.Clear();
            await WriteNotFoundAsync(context).ConfigureAwait(false);
            return;
        }

        await using (file.ConfigureAwait(false))
        {
            await CopyAsync(file, start, count, context).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sets the status and fields for <paramref name="info"/>: validators, then the preconditions
    /// (412, 304), then the range (206, 416). True when content follows: bytes
    /// [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of the file.
    /// </summary>
    private static bool SetHeaders(Http3Request request, Http3Response response, FileInfo info, string name, out long start, out long count)
    {
        start = 0;
        count = 0;
        long length = info.Length;
        DateTime written = info.LastWriteTimeUtc;

        // HTTP-dates have whole seconds; compare and tag with the same precision.
        var lastModified = new DateTimeOffset(written.Ticks - (written.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        string etag = string.Create(CultureInfo.InvariantCulture, $"\"{length:x}-{written.Ticks:x}\"");
        response.Headers["etag"] = etag;
        response.Headers["last-modified"] = HttpPreconditions.FormatDate(lastModified);

        if (PreconditionFailed(request.Headers, etag, lastModified))
        {
            response.StatusCode = 412;
            response.ContentLength = 0;
            return false;
        }

        if (NotModified(request.Headers, etag, lastModified))
        {
            // RFC 9110 §15.4.5: 304 carries the validators but no content.
            response.StatusCode = 304;
            return false;
        }

        response.ContentType = StaticContentTypes.For(name); // the name asked for, not a link's target
        response.Headers["accept-ranges"] = "bytes";
        count = length;
        switch (SelectRange(request, etag, lastModified, length, out long rangeStart, out long rangeCount))
        {
            case RangeRequest.Single:
                start = rangeStart;
                count = rangeCount;
                response.StatusCode = 206;
                response.Headers["content-range"] = string.Create(CultureInfo.InvariantCulture, $"bytes {start}-{start + count - 1}/{length}");
                break;
            case RangeRequest.Unsatisfiable:
                // RFC 9110 §15.5.17: 416 says the current length.
                response.StatusCode = 416;
                response.ContentType = null;
                response.Headers["content-range"] = string.Create(CultureInfo.InvariantCulture, $"bytes */{length}");
                response.ContentLength = 0;
                return false;
        }

        response.ContentLength = count;
        return true;
    }

    /// <summary>The regular file the path names (a directory's index.html), or null for anything refused or missing.</summary>
    private static FileInfo? FindFile(string root, string relativePath, out string fullPath)
    {
        if (!StaticFilePath.TryResolve(root, relativePath, out fullPath))
        {
            return null;
        }

        bool isDirectory = Directory.Exists(fullPath);
        if (!isDirectory && relativePath.EndsWith('/'))
        {
            return null; // "file.txt/" names a directory that is not there
        }

        if (isDirectory)
        {
            // The index is resolved like any other name, so an index.html link leading outside is refused too.
            string relativeIndex = relativePath.Length == 0 || relativePath.EndsWith('/') ? relativePath + IndexFile : relativePath + "/" + IndexFile;
            if (!StaticFilePath.TryResolve(root, relativeIndex, out fullPath))
            {
                return null;
            }
        }

        // FileInfo.Exists is false for directories. A link's own FileInfo has the link's size and
        // times, so describe its final target (StaticFilePath checked that it is inside the root).
        var info = new FileInfo(fullPath);
        if (info.Exists && info.LinkTarget is not null)
        {
            info = info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
        }

        return info is { Exists: true } ? info : null;
    }

    private static FileStream? OpenRead(string fullPath)
    {
        try
        {
            // No FileStream buffer: reads go straight into our one pooled chunk.
            return new FileStream(fullPath, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>RFC 9110 §13.2.2 steps 1–2: If-Match decides when present, else If-Unmodified-Since.</summary>
    private static bool PreconditionFailed(Http3Headers headers, string etag, DateTimeOffset lastModified)
    {
        if (headers.Contains("if-match"))
        {
            foreach (string line in headers.GetValues("if-match"))
            {
                if (HttpPreconditions.MatchHits(line, etag))
                {
                    return false;
                }
            }

            return true;
        }

        return headers.TryGetValue("if-unmodified-since", out string? since)
            && HttpPreconditions.TryParseDate(since, out DateTimeOffset date)
            && lastModified > date;
    }

    /// <summary>RFC 9110 §13.2.2 steps 3–4: If-None-Match decides when present, else If-Modified-Since.</summary>
    private static bool NotModified(Http3Headers headers, string etag, DateTimeOffset lastModified)
    {
        if (headers.Contains("if-none-match"))
        {
            // Several field lines form one list (RFC 9110 §5.3).
            foreach (string line in headers.GetValues("if-none-match"))
            {
                if (HttpPreconditions.NoneMatchHits(line, etag))
                {
                    return true;
                }
            }

            return false;
        }

        return headers.TryGetValue("if-modified-since", out string? since)
            && HttpPreconditions.TryParseDate(since, out DateTimeOffset date)
            && lastModified <= date;
    }

    /// <summary>RFC 9110 §13.2.2 step 5 and §14.2: Range applies to GET only, and only if If-Range (when sent) holds.</summary>
    private static RangeRequest SelectRange(Http3Request request, string etag, DateTimeOffset lastModified, long length, out long start, out long count)
    {
        start = 0;
        count = length;
        if (request.Method != "GET" || !request.Headers.TryGetValue("range", out string? range))
        {
            return RangeRequest.Full;
        }

        if (request.Headers.TryGetValue("if-range", out string? ifRange) && !HttpPreconditions.IfRangeHolds(ifRange, etag, lastModified))
        {
            return RangeRequest.Full;
        }

        return HttpPreconditions.ParseRange(range, length, out start, out count);
    }

    /// <summary>Streams <paramref name="count"/> bytes from <paramref name="start"/> through one pooled
    /// chunk, waiting for each write to be taken before reading the next.</summary>
    private static async Task CopyAsync(FileStream file, long start, long count, Http3Context context)
    {
        CancellationToken aborted = context.RequestAborted;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            file.Position = start;
            long remaining = count;
            while (remaining > 0)
            {
                int read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(ChunkSize, remaining)), aborted).ConfigureAwait(false);
                if (read == 0)
                {
                    // The file shrank after content-length was sent: the response cannot be completed honestly.
                    context.Response.Abort((long)Wire.Http3ErrorCode.InternalError);
                    return;
                }

                await context.Response.WriteBodyAsync(buffer.AsMemory(0, read), aborted).ConfigureAwait(false);
                remaining -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task WriteNotFoundAsync(Http3Context context)
    {
        Http3Response response = context.Response;
        response.StatusCode = 404;
        response.ContentType = "text/plain; charset=utf-8";
        response.ContentLength = NotFoundBody.Length;
        await response.WriteBodyAsync(NotFoundBody, context.RequestAborted).ConfigureAwait(false);
    }
}
