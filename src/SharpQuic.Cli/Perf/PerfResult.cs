using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SharpQuic.Cli.Perf;

/// <summary>One perf measurement: printed readably, then as one JSON object on the last line.</summary>
internal sealed class PerfResult
{
    private PerfResult(string mode, TimeSpan elapsed)
    {
        Mode = mode;
        Seconds = elapsed.TotalSeconds;
    }

    public string Mode { get; }

    public double Seconds { get; }

    public long? Bytes { get; private init; }

    public double? ThroughputGbps { get; private init; }

    public long? Count { get; private init; }

    public double? HandshakesPerSecond { get; private init; }

    public double? RequestsPerSecond { get; private init; }

    public double? LatencyP50Microseconds { get; private init; }

    public double? LatencyP99Microseconds { get; private init; }

    public double? LatencyMaxMicroseconds { get; private init; }

    public double? ConnectMilliseconds { get; private init; }

    public double? CloseMilliseconds { get; private init; }

    public long Errors { get; private init; }

    public string? FirstError { get; private init; }

    public static PerfResult Transfer(string mode, long bytes, TimeSpan elapsed) => new(mode, elapsed)
    {
        Bytes = bytes,
        ThroughputGbps = bytes * 8.0 / Math.Max(elapsed.TotalSeconds, 1e-9) / 1e9,
    };

    /// <summary>A handshakes result; the mean times of ConnectAsync and of CloseAsync (overlapped with later handshakes) go in the readable line.</summary>
    public static PerfResult Handshakes(long count, TimeSpan elapsed, long errors, string? firstError, double connectMilliseconds, double closeMilliseconds) => new("handshakes", elapsed)
    {
        Count = count,
        ConnectMilliseconds = connectMilliseconds,
        CloseMilliseconds = closeMilliseconds,
        HandshakesPerSecond = count / Math.Max(elapsed.TotalSeconds, 1e-9),
        Errors = errors,
        FirstError = firstError,
    };

    /// <summary>A requests result; <paramref name="sortedTicks"/> are the latencies in <see cref="Stopwatch"/> ticks, ascending.</summary>
    public static PerfResult Requests(long count, long bytes, TimeSpan elapsed, long[] sortedTicks, long errors, string? firstError) => new("requests", elapsed)
    {
        Count = count,
        Bytes = bytes,
        RequestsPerSecond = count / Math.Max(elapsed.TotalSeconds, 1e-9),
        LatencyP50Microseconds = Percentile(sortedTicks, 0.50),
        LatencyP99Microseconds = Percentile(sortedTicks, 0.99),
        LatencyMaxMicroseconds = sortedTicks.Length == 0 ? null : TicksToMicroseconds(sortedTicks[^1]),
        Errors = errors,
        FirstError = firstError,
    };

    /// <summary>The readable lines, then the JSON line (last, for scripts).</summary>
    public void WriteTo(TextWriter output)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Mode}: {Seconds:F3} s");
        if (Bytes is long bytes)
        {
            text.Append(CultureInfo.InvariantCulture, $", {bytes} bytes");
        }

        if (ThroughputGbps is double gbps)
        {
            text.Append(CultureInfo.InvariantCulture, $", {gbps:F3} Gbit/s");
        }

        if (HandshakesPerSecond is double hps)
        {
            text.Append(CultureInfo.InvariantCulture, $", {Count} handshakes, {hps:F1} handshakes/s (mean connect {ConnectMilliseconds:F2} ms, close {CloseMilliseconds:F2} ms)");
        }

        if (RequestsPerSecond is double rps)
        {
            text.Append(CultureInfo.InvariantCulture, $", {Count} requests, {rps:F1} requests/s, latency p50 {LatencyP50Microseconds:F0} us, p99 {LatencyP99Microseconds:F0} us, max {LatencyMaxMicroseconds:F0} us");
        }

        if (Errors > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $", {Errors} errors");
        }

        output.WriteLine(text.ToString());
        output.WriteLine(ToJson());
    }

    /// <summary>The JSON object with the fields that apply to the mode.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("mode", Mode);
            Number(json, "throughput_gbps", ThroughputGbps);
            Number(json, "handshakes_per_s", HandshakesPerSecond);
            Number(json, "requests_per_s", RequestsPerSecond);
            Number(json, "latency_p50_us", LatencyP50Microseconds);
            Number(json, "latency_p99_us", LatencyP99Microseconds);
            if (Bytes is long bytes)
            {
                json.WriteNumber("bytes", bytes);
            }

            if (Count is long count)
            {
                json.WriteNumber(Mode, count);
            }

            json.WriteNumber("seconds", Math.Round(Seconds, 6));
            json.WriteNumber("errors", Errors);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Number(Utf8JsonWriter json, string name, double? value)
    {
        if (value is double v)
        {
            json.WriteNumber(name, Math.Round(v, 3));
        }
    }

    private static double? Percentile(long[] sorted, double fraction)
    {
        if (sorted.Length == 0)
        {
            return null;
        }

        // Nearest rank: the smallest sample with at least this fraction of samples at or below it.
        int rank = (int)Math.Ceiling(fraction * sorted.Length);
        return TicksToMicroseconds(sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)]);
    }

    private static double TicksToMicroseconds(long ticks) => ticks * 1e6 / Stopwatch.Frequency;
}
