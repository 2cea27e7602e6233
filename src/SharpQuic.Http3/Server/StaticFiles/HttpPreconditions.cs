using System.Globalization;

namespace SharpQuic.Http3;

/// <summary>The outcome of reading a Range field (RFC 9110 §14.2).</summary>
internal enum RangeRequest
{
    /// <summary>No usable Range: serve the whole representation (absent, malformed, another unit, or several ranges).</summary>
    Full,

    /// <summary>One satisfiable range: serve 206.</summary>
    Single,

    /// <summary>One well-formed range that selects nothing: 416.</summary>
    Unsatisfiable,
}

/// <summary>
/// The pieces of HTTP conditional and range requests (RFC 9110 §13, §14) a static file needs:
/// entity-tag lists, HTTP-dates, and one byte range. Every field value is peer input: a malformed
/// one is treated as absent (or as not matching), never thrown.
/// </summary>
internal static class HttpPreconditions
{
    // RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must accept.
    private static readonly string[] DateFormats =
    [
        "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        "dddd, dd-MMM-yy HH':'mm':'ss 'GMT'",
        "ddd MMM d HH':'mm':'ss yyyy",
    ];

    /// <summary>IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7).</summary>
    public static string FormatDate(DateTimeOffset time) => time.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);

    /// <summary>Parses an HTTP-date in any of its three forms (UTC).</summary>
    public static bool TryParseDate(string? value, out DateTimeOffset date)
    {
        date = default;
        return value is not null && value.Length <= 64 && DateTimeOffset.TryParseExact(
            value.Trim(),
            DateFormats,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AllowInnerWhite | DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out date);
    }

    /// <summary>
    /// Whether an If-None-Match value ("*" or a list of entity-tags) matches <paramref name="etag"/>
    /// by weak comparison (RFC 9110 §13.1.2, §8.8.3.2): opaque tags equal, W/ ignored. A malformed
    /// list matches only through the tags read before the fault.
    /// </summary>
    public static bool NoneMatchHits(string value, string etag) => ListHits(value, etag, strong: false);

    /// <summary>
    /// Whether an If-Match value ("*" or a list of entity-tags) matches <paramref name="etag"/> by
    /// strong comparison (RFC 9110 §13.1.1, §8.8.3.2): a weak tag never matches.
    /// </summary>
    public static bool MatchHits(string value, string etag) => ListHits(value, etag, strong: true);

    private static bool ListHits(string value, string etag, bool strong)
    {
        ReadOnlySpan<char> ours = Opaque(etag);
        ReadOnlySpan<char> rest = value.AsSpan().Trim(" \t");
        if (rest is "*")
        {
            return true; // the representation exists
        }

        while (!rest.IsEmpty)
        {
            rest = rest.TrimStart(" \t,");
            if (rest.IsEmpty)
            {
                break;
            }

            if (!TryReadTag(ref rest, out bool weak, out ReadOnlySpan<char> opaque))
            {
                return false;
            }

            if (!(strong && weak) && opaque.SequenceEqual(ours))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether an If-Range value lets the Range apply (RFC 9110 §13.1.5): an entity-tag must match
    /// <paramref name="etag"/> by strong comparison (a weak tag never does); a date must equal the
    /// last-modified time exactly (to the second).
    /// </summary>
    public static bool IfRangeHolds(string value, string etag, DateTimeOffset lastModified)
    {
        ReadOnlySpan<char> span = value.AsSpan().Trim(" \t");
        if (span.StartsWith("\"", StringComparison.Ordinal) || span.StartsWith("W/", StringComparison.Ordinal))
        {
            return TryReadTag(ref span, out bool weak, out ReadOnlySpan<char> opaque)
                && !weak && span.Trim(" \t").IsEmpty && opaque.SequenceEqual(Opaque(etag));
        }

        return TryParseDate(value, out DateTimeOffset date) && date == lastModified;
    }

    /// <summary>
    /// Reads a Range field for a representation of <paramref name="length"/> bytes: one
    /// "bytes=first-last", "bytes=first-" or "bytes=-suffix" range. Several ranges are answered with
    /// the full representation (RFC 9110 §14.2 lets a server ignore Range), which spares a
    /// multipart/byteranges body and the small-overlapping-ranges abuse of §17.15.
    /// </summary>
    public static RangeRequest ParseRange(string value, long length, out long start, out long count)
    {
        start = 0;
        count = 0;
        ReadOnlySpan<char> span = value.AsSpan().Trim(" \t");
        int equals = span.IndexOf('=');
        if (equals < 0 || !span[..equals].Trim(" \t").Equals("bytes", StringComparison.OrdinalIgnoreCase))
        {
            return RangeRequest.Full; // RFC 9110 §14.2: ignore an unknown range unit
        }

        span = span[(equals + 1)..].Trim(" \t,");
        if (span.Contains(','))
        {
            return RangeRequest.Full;
        }

        int dash = span.IndexOf('-');
        if (dash < 0)
        {
            return RangeRequest.Full;
        }

        ReadOnlySpan<char> first = span[..dash].Trim(" \t");
        ReadOnlySpan<char> last = span[(dash + 1)..].Trim(" \t");
        if (first.IsEmpty)
        {
            // suffix-range: the last N bytes (RFC 9110 §14.1.2); "-0" selects nothing.
            if (!TryDigits(last, out long suffix))
            {
                return RangeRequest.Full;
            }

            if (suffix == 0 || length == 0)
            {
                return RangeRequest.Unsatisfiable;
            }

            count = Math.Min(suffix, length);
            start = length - count;
            return RangeRequest.Single;
        }

        if (!TryDigits(first, out long firstPos))
        {
            return RangeRequest.Full;
        }

        long lastPos = long.MaxValue;
        if (!last.IsEmpty && (!TryDigits(last, out lastPos) || lastPos < firstPos))
        {
            return RangeRequest.Full; // RFC 9110 §14.1.1: last < first makes the range invalid
        }

        if (firstPos >= length)
        {
            return RangeRequest.Unsatisfiable;
        }

        start = firstPos;
        count = Math.Min(lastPos, length - 1) - firstPos + 1;
        return RangeRequest.Single;
    }

    /// <summary>Non-negative decimal digits; values beyond long saturate (they are past any file's end).</summary>
    private static bool TryDigits(ReadOnlySpan<char> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty)
        {
            return false;
        }

        foreach (char c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = value > (long.MaxValue - 9) / 10 ? long.MaxValue : (value * 10) + (c - '0');
        }

        return true;
    }

    /// <summary>Reads one entity-tag (RFC 9110 §8.8.3): optional "W/", then a quoted opaque tag.</summary>
    private static bool TryReadTag(ref ReadOnlySpan<char> span, out bool weak, out ReadOnlySpan<char> opaque)
    {
        weak = span.StartsWith("W/", StringComparison.Ordinal);
        if (weak)
        {
            span = span[2..];
        }

        opaque = default;
        if (span.IsEmpty || span[0] != '"')
        {
            return false;
        }

        int close = span[1..].IndexOf('"');
        if (close < 0)
        {
            return false;
        }

        opaque = span[1..(close + 1)];
        span = span[(close + 2)..];
        return true;
    }

    private static ReadOnlySpan<char> Opaque(string etag)
    {
        ReadOnlySpan<char> span = etag;
        if (span.StartsWith("W/", StringComparison.Ordinal))
        {
            span = span[2..];
        }

        return span.Trim('"');
    }
}
