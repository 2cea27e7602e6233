using System.Diagnostics;
using System.Security.Authentication;

namespace SharpQuic.Cli.Perf;

/// <summary>The timed loops of <c>perf client</c>: handshakes and requests, many in parallel.</summary>
internal static class PerfLoops
{
    /// <summary>Connect and close, <see cref="PerfClientSettings.Connections"/> loops in parallel, for the duration.</summary>
    public static async Task<PerfResult> HandshakesAsync(PerfClientSettings settings, QuicClientConnectionOptions options, CancellationToken cancellationToken)
    {
        var loops = new Task<LoopOutcome>[settings.Connections];
        long start = Stopwatch.GetTimestamp();
        long deadline = start + (long)(settings.Duration.TotalSeconds * Stopwatch.Frequency);
        for (int i = 0; i < loops.Length; i++)
        {
            loops[i] = HandshakeLoopAsync(options, deadline, cancellationToken);
        }

        LoopOutcome total = await Sum(loops).ConfigureAwait(false);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        double connectMs = total.Count == 0 ? 0 : total.ConnectTicks * 1e3 / Stopwatch.Frequency / total.Count;
        double closeMs = total.Count == 0 ? 0 : total.CloseTicks * 1e3 / Stopwatch.Frequency / total.Count;
        return PerfResult.Handshakes(total.Count, elapsed, total.Errors, total.FirstError, connectMs, closeMs);
    }

    /// <summary>
    /// <see cref="PerfClientSettings.Connections"/> connections, each with <see cref="PerfClientSettings.Streams"/>
    /// request loops in flight, for the duration; each request's latency is kept.
    /// </summary>
    public static async Task<PerfResult> RequestsAsync(PerfClientSettings settings, QuicClientConnectionOptions options, CancellationToken cancellationToken)
    {
        var connections = new QuicConnection[settings.Connections];
        try
        {
            for (int i = 0; i < connections.Length; i++)
            {
                connections[i] = await QuicConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
            }

            var loops = new Task<LoopOutcome>[settings.Connections * settings.Streams];
            var recorders = new LatencyRecorder[loops.Length];
            long start = Stopwatch.GetTimestamp();
            long deadline = start + (long)(settings.Duration.TotalSeconds * Stopwatch.Frequency);
            for (int i = 0; i < loops.Length; i++)
            {
                recorders[i] = new LatencyRecorder();
                loops[i] = RequestLoopAsync(connections[i % connections.Length], settings, recorders[i], deadline, cancellationToken);
            }

            LoopOutcome total = await Sum(loops).ConfigureAwait(false);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            long[] latencies = LatencyRecorder.Merge(recorders);
            long bytes = total.Count * (settings.RequestSize + settings.ResponseSize);
            return PerfResult.Requests(total.Count, bytes, elapsed, latencies, total.Errors, total.FirstError);
        }
        finally
        {
            foreach (QuicConnection? connection in connections)
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task<LoopOutcome> HandshakeLoopAsync(QuicClientConnectionOptions options, long deadline, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var outcome = new LoopOutcome();

        // Closes overlap the next handshake: CloseAsync lasts the closing period (three PTOs, RFC 9000 §10.2),
        // far longer than a loopback handshake, and it is the handshake rate being measured.
        var closes = new List<Task<long>>();
        while (Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                long start = Stopwatch.GetTimestamp();
                QuicConnection connection = await QuicConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
                outcome.ConnectTicks += Stopwatch.GetTimestamp() - start;
                outcome.Count++;
                closes.Add(CloseAsync(connection));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is QuicException or AuthenticationException)
            {
                outcome.Fail(e);
            }
        }

        foreach (Task<long> close in closes)
        {
            try
            {
                outcome.CloseTicks += await close.ConfigureAwait(false);
            }
            catch (QuicException e)
            {
                outcome.Fail(e);
            }
        }

        return outcome;
    }

    private static async Task<long> CloseAsync(QuicConnection connection)
    {
        long start = Stopwatch.GetTimestamp();
        await using (connection.ConfigureAwait(false))
        {
            await connection.CloseAsync(0).ConfigureAwait(false);
        }

        return Stopwatch.GetTimestamp() - start;
    }

    private static async Task<LoopOutcome> RequestLoopAsync(QuicConnection connection, PerfClientSettings settings, LatencyRecorder latencies, long deadline, CancellationToken cancellationToken)
    {
        await Task.Yield();
        var outcome = new LoopOutcome();

        // One buffer per loop for the whole run: the hot loop allocates only what opening a stream costs.
        byte[] buffer = new byte[PerfProtocol.BufferSize];
        while (Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                QuicStream stream = await connection.OpenOutboundStreamAsync(QuicStreamType.Bidirectional, cancellationToken).ConfigureAwait(false);
                long received;
                await using (stream.ConfigureAwait(false))
                {
                    await PerfProtocol.SendRequestAsync(stream, settings.ResponseSize, settings.RequestSize, buffer, cancellationToken).ConfigureAwait(false);
                    received = await PerfProtocol.DrainAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
                }

                if (received != settings.ResponseSize)
                {
                    outcome.Fail(new PerfException($"asked for {settings.ResponseSize} bytes, received {received}"));
                    continue;
                }

                latencies.Add(Stopwatch.GetTimestamp() - start);
                outcome.Count++;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (QuicException e)
            {
                outcome.Fail(e);
                if (e.QuicError is not QuicError.StreamAborted)
                {
                    // The connection is gone: this loop cannot go on.
                    break;
                }
            }
        }

        return outcome;
    }

    private static async Task<LoopOutcome> Sum(Task<LoopOutcome>[] loops)
    {
        var total = new LoopOutcome();
        foreach (Task<LoopOutcome> loop in loops)
        {
            LoopOutcome one = await loop.ConfigureAwait(false);
            total.Count += one.Count;
            total.Errors += one.Errors;
            total.ConnectTicks += one.ConnectTicks;
            total.CloseTicks += one.CloseTicks;
            total.FirstError ??= one.FirstError;
        }

        return total;
    }

    private sealed class LoopOutcome
    {
        public long Count;
        public long Errors;
        public long ConnectTicks;
        public long CloseTicks;
        public string? FirstError;

        public void Fail(Exception e)
        {
            Errors++;
            FirstError ??= e.Message;
        }
    }
}

/// <summary>Request latencies in <see cref="Stopwatch"/> ticks, kept by one loop (no locking: one writer).</summary>
internal sealed class LatencyRecorder
{
    private long[] _samples = new long[16 * 1024];
    private int _count;

    /// <summary>Records one latency; the array doubles when full, so the steady state allocates nothing.</summary>
    public void Add(long ticks)
    {
        if (_count == _samples.Length)
        {
            Array.Resize(ref _samples, _samples.Length * 2);
        }

        _samples[_count++] = ticks;
    }

    /// <summary>All samples of all recorders, sorted.</summary>
    public static long[] Merge(LatencyRecorder[] recorders)
    {
        int total = 0;
        foreach (LatencyRecorder r in recorders)
        {
            total += r._count;
        }

        long[] all = new long[total];
        int at = 0;
        foreach (LatencyRecorder r in recorders)
        {
            Array.Copy(r._samples, 0, all, at, r._count);
            at += r._count;
        }

        Array.Sort(all);
        return all;
    }
}
