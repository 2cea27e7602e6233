using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;

namespace SharpQuic.Cli.Get;

/// <summary>
/// <c>get --datagram N</c>: sends N datagrams (RFC 9221) to the echo server, each carrying its sequence number and
/// send time, and measures how many came back and their round-trip times. At most <see cref="Window"/> are
/// outstanding at once, so the RTT measured is the path's and not a queue's we filled ourselves; one that does not
/// come back within <see cref="LossTimeout"/> stops holding its place.
/// </summary>
internal static class DatagramProbe
{
    /// <summary>The sequence number and the send timestamp.</summary>
    public const int HeaderSize = 16;

    private const int Window = 32;
    private static readonly TimeSpan LossTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>The outcome of one run.</summary>
    internal sealed record Result(int Sent, int Echoed, int Corrupt, double P50Ms, double P99Ms, double MaxMs, double EchoedPerSecond)
    {
        public string Describe() => string.Create(
            CultureInfo.InvariantCulture,
            $"datagrams: sent {Sent}, echoed {Echoed} ({100.0 * (Sent - Echoed) / Math.Max(1, Sent):F1} % lost){(Corrupt > 0 ? $", {Corrupt} corrupt" : "")}, RTT p50 {P50Ms:F3} ms p99 {P99Ms:F3} ms max {MaxMs:F3} ms, {EchoedPerSecond:F0} echoed/s");
    }

    /// <summary>Runs the probe on an open connection; the server must echo datagrams.</summary>
    public static async Task<Result> RunAsync(QuicConnection connection, int count, int size, CancellationToken cancellationToken)
    {
        var rtts = new double[count];
        var seen = new bool[count];
        int echoed = 0;
        int corrupt = 0;
        using var window = new SemaphoreSlim(Window, Window);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clock = Stopwatch.StartNew();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task ReceiveAsync()
        {
            byte[] buffer = new byte[65527];
            try
            {
                while (echoed < count)
                {
                    int length = await connection.ReceiveDatagramAsync(buffer, stop.Token).ConfigureAwait(false);
                    long now = Stopwatch.GetTimestamp();
                    long sequence = length >= HeaderSize ? BinaryPrimitives.ReadInt64LittleEndian(buffer) : -1;
                    if (length != size || sequence < 0 || sequence >= count || seen[sequence] || !FillerIntact(buffer.AsSpan(HeaderSize, length - HeaderSize), sequence))
                    {
                        corrupt++;
                        continue;
                    }

                    seen[sequence] = true;
                    rtts[echoed++] = Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(8)), now).TotalMilliseconds;
                    if (window.CurrentCount < Window)
                    {
                        window.Release(); // Else its place was already given up after the loss timeout.
                    }
                }

                done.TrySetResult();
            }
            catch (OperationCanceledException)
            {
                done.TrySetResult();
            }
        }

        Task receiving = ReceiveAsync();
        byte[] datagram = new byte[size];
        for (int i = 0; i < count; i++)
        {
            // Wait for a place; give it up after the loss timeout (that datagram or its echo is presumed lost).
            await window.WaitAsync(LossTimeout, cancellationToken).ConfigureAwait(false);
            BinaryPrimitives.WriteInt64LittleEndian(datagram, i);
            BinaryPrimitives.WriteInt64LittleEndian(datagram.AsSpan(8), Stopwatch.GetTimestamp());
            Fill(datagram.AsSpan(HeaderSize), i);
            await connection.SendDatagramAsync(datagram, cancellationToken).ConfigureAwait(false);
        }

        // The last echoes: wait for them, at most the loss timeout after the last send.
        await Task.WhenAny(done.Task, Task.Delay(LossTimeout * 2, cancellationToken)).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync().ConfigureAwait(false);
        await receiving.ConfigureAwait(false);
        Array.Sort(rtts, 0, echoed);
        return new Result(count, echoed, corrupt, Percentile(rtts, echoed, 0.50), Percentile(rtts, echoed, 0.99), echoed > 0 ? rtts[echoed - 1] : 0, echoed / Math.Max(seconds, 1e-9));
    }

    /// <summary>The nearest-rank percentile of the first <paramref name="count"/> sorted values.</summary>
    internal static double Percentile(double[] sorted, int count, double p)
    {
        if (count == 0)
        {
            return 0;
        }

        int rank = (int)Math.Ceiling(p * count);
        return sorted[Math.Clamp(rank - 1, 0, count - 1)];
    }

    private static void Fill(Span<byte> filler, long sequence)
    {
        for (int i = 0; i < filler.Length; i++)
        {
            filler[i] = (byte)(sequence + i);
        }
    }

    private static bool FillerIntact(ReadOnlySpan<byte> filler, long sequence)
    {
        for (int i = 0; i < filler.Length; i++)
        {
            if (filler[i] != (byte)(sequence + i))
            {
                return false;
            }
        }

        return true;
    }
}
