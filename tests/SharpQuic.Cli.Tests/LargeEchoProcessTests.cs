using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SharpQuic.Cli.Tests;

/// <summary>
/// Streaming both ways between two processes: <c>sharpquic get --data -</c> uploads 1 GiB to
/// <c>sharpquic serve</c>'s <c>/echo</c> and writes the echo to stdout while the upload goes on.
/// Both streams are hashed here as they pass; both processes' peak resident memory is sampled and
/// must stay far below the size of the transfer (nothing accepted is buffered without bound).
/// </summary>
[Collection(CliLoopbackCollection.Name)]
public sealed partial class LargeEchoProcessTests(ITestOutputHelper output)
{
    private const long UploadBytes = 1L << 30;
    private const long MemoryBound = 400L << 20;

    [Fact]
    public async Task One_GiB_POST_to_echo_streams_through_two_processes_with_bounded_memory()
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "SharpQuic.Cli.dll");
        using Process serve = Start(cli, "serve --listen 127.0.0.1:0 --quiet", redirectInput: false);
        try
        {
            int port = await ReadPortAsync(serve);
            using Process get = Start(cli, $"get https://127.0.0.1:{port}/echo --data - --insecure", redirectInput: true);
            try
            {
                var peaks = new long[2];
                using var sampling = new CancellationTokenSource();
                Task sampler = SamplePeaksAsync([serve, get], peaks, sampling.Token);
                Task<string> errors = get.StandardError.ReadToEndAsync();
                var clock = Stopwatch.StartNew();

                Task<byte[]> upload = UploadAsync(get.StandardInput.BaseStream);
                Task<(byte[] Hash, long Length)> download = DownloadAsync(get.StandardOutput.BaseStream);
                await Task.WhenAll(upload, download).WaitAsync(TimeSpan.FromMinutes(4));
                await get.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                double seconds = clock.Elapsed.TotalSeconds;
                sampling.Cancel();
                await sampler;

                string stderr = await errors;
                Assert.True(get.ExitCode == 0, stderr);
                (byte[] echoedHash, long echoedLength) = await download;
                Assert.Equal(UploadBytes, echoedLength);
                Assert.Equal(await upload, echoedHash);
                output.WriteLine($"1 GiB echoed in {seconds:F1} s ({UploadBytes * 8 / seconds / 1e9:F2} Gbit/s each way); peak working set: serve {peaks[0] >> 20} MiB, get {peaks[1] >> 20} MiB");
                Assert.InRange(peaks[0], 1, MemoryBound);
                Assert.InRange(peaks[1], 1, MemoryBound);
            }
            finally
            {
                Kill(get);
            }
        }
        finally
        {
            Kill(serve);
        }
    }

    private static Process Start(string cli, string arguments, bool redirectInput)
    {
        var info = new ProcessStartInfo("dotnet", $"\"{cli}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        return Process.Start(info) ?? throw new InvalidOperationException("cannot start " + arguments);
    }

    private static async Task<int> ReadPortAsync(Process serve)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await serve.StandardOutput.ReadLineAsync(timeout.Token) is string line)
        {
            Match m = ListeningLine().Match(line);
            if (m.Success)
            {
                _ = serve.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("serve exited before listening: " + await serve.StandardError.ReadToEndAsync());
    }

    /// <summary>Writes 1 GiB of seeded pseudo-random bytes (generated as they go) and returns their SHA-256.</summary>
    private static async Task<byte[]> UploadAsync(Stream stdin)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var random = new Random(20261122);
        byte[] chunk = new byte[256 * 1024];
        for (long sent = 0; sent < UploadBytes; sent += chunk.Length)
        {
            random.NextBytes(chunk);
            hash.AppendData(chunk);
            await stdin.WriteAsync(chunk);
        }

        await stdin.DisposeAsync();
        return hash.GetHashAndReset();
    }

    private static async Task<(byte[] Hash, long Length)> DownloadAsync(Stream stdout)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[256 * 1024];
        long total = 0;
        int n;
        while ((n = await stdout.ReadAsync(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, n);
            total += n;
        }

        return (hash.GetHashAndReset(), total);
    }

    private static async Task SamplePeaksAsync(Process[] processes, long[] peaks, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            for (int i = 0; i < processes.Length; i++)
            {
                try
                {
                    processes[i].Refresh();
                    peaks[i] = Math.Max(peaks[i], processes[i].PeakWorkingSet64);
                }
                catch (InvalidOperationException)
                {
                    // Exited: its last sample stands.
                }
            }

            try
            {
                await Task.Delay(100, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    [GeneratedRegex(@"listening on https://127\.0\.0\.1:(\d+)/")]
    private static partial Regex ListeningLine();
}
