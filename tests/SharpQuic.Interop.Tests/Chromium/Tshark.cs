using System.Globalization;
using System.Runtime.InteropServices;

namespace SharpQuic.Interop.Tests.Chromium;

/// <summary>
/// tshark on loopback: a capture of one UDP port (stopped with SIGTERM so the file is complete),
/// then reads of that file with a TLS key log, the port decoded as QUIC.
/// </summary>
internal static partial class Tshark
{
    private const int SigTerm = 15;

    /// <summary>tshark's program, or null when it is not installed.</summary>
    public static string? FindExecutable() => Ngtcp2.Find("tshark", Ngtcp2.SearchDirectories());

    /// <summary>
    /// Starts capturing UDP <paramref name="port"/> on lo into <paramref name="file"/> and returns
    /// once tshark says it captures. Stop it with <see cref="StopAsync"/>.
    /// </summary>
    public static async Task<PeerProcess> StartCaptureAsync(int port, string file)
    {
        PeerProcess tshark = PeerProcess.Start(FindExecutable()!,
            ["-i", "lo", "-f", "udp port " + port.ToString(CultureInfo.InvariantCulture), "-w", file], TimeSpan.FromSeconds(60));
        try
        {
            await tshark.WaitForOutputAsync("Capturing on", TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        }
        catch
        {
            tshark.Dispose();
            throw;
        }

        // "Capturing on" comes as dumpcap opens the interface; give the filter a moment to be live.
        await Task.Delay(300).ConfigureAwait(false);
        return tshark;
    }

    /// <summary>Stops a capture the way Ctrl-C would (SIGTERM), so that tshark writes out every packet.</summary>
    public static async Task StopAsync(PeerProcess capture)
    {
        // Packets written in the last moment of the run: let them reach the capture first.
        await Task.Delay(300).ConfigureAwait(false);
        if (!capture.HasExited && Kill(capture.ProcessId, SigTerm) != 0)
        {
            Assert.Fail($"kill(SIGTERM) of tshark failed: errno {Marshal.GetLastPInvokeError()}");
        }

        await capture.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads <paramref name="capture"/> with <paramref name="keyLog"/>, UDP <paramref name="port"/>
    /// decoded as QUIC (its port number may belong to another protocol in tshark's tables), with
    /// more arguments (a display filter, fields); returns stdout.
    /// </summary>
    public static async Task<string> ReadAsync(string capture, string keyLog, int port, params string[] arguments)
    {
        List<string> args = ["-r", capture, "-d", $"udp.port=={port.ToString(CultureInfo.InvariantCulture)},quic", "-o", "tls.keylog_file:" + keyLog];
        args.AddRange(arguments);
        using PeerProcess tshark = PeerProcess.Start(FindExecutable()!, args, TimeSpan.FromSeconds(30));
        int exit = await tshark.WaitForExitAsync(TimeSpan.FromSeconds(25)).ConfigureAwait(false);
        Assert.True(exit == 0, $"tshark failed ({exit}).\n{tshark.Describe()}");
        return tshark.StandardOutput;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
