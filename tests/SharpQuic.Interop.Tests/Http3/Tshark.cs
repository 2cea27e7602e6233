using System.Globalization;

namespace SharpQuic.Interop.Tests.Http3;

/// <summary>Wireshark's command-line analyzer (Debian package tshark; ./test.sh installs it).</summary>
internal static class Tshark
{
    /// <summary>The program's path, or null when it is not installed.</summary>
    public static string? Path { get; } = Ngtcp2.Find("tshark", Ngtcp2.SearchDirectories());

    /// <summary>Starts capturing UDP <paramref name="port"/> on loopback into <paramref name="file"/>; returns once tshark says it captures.</summary>
    public static async Task<PeerProcess> StartCaptureAsync(int port, string file, TimeSpan hardTimeout)
    {
        string filter = "udp port " + port.ToString(CultureInfo.InvariantCulture);
        var capture = PeerProcess.Start(Path!, ["-i", "lo", "-f", filter, "-w", file], hardTimeout);
        try
        {
            await capture.WaitForOutputAsync("Capturing on", TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch
        {
            capture.Dispose();
            throw;
        }

        return capture;
    }

    /// <summary>Stops a capture the way Ctrl-C does (SIGINT, by its PID), so the capture file is complete.</summary>
    public static async Task StopCaptureAsync(PeerProcess capture)
    {
        using var kill = PeerProcess.Start("/bin/kill", ["-INT", capture.ProcessId.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        await kill.WaitForExitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await capture.WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    /// <summary>Reads <paramref name="capture"/> decrypting with <paramref name="keyLog"/>; returns what tshark printed to stdout.</summary>
    public static async Task<string> ReadAsync(string capture, string keyLog, IReadOnlyList<string> arguments)
    {
        var all = new List<string> { "-r", capture, "-o", "tls.keylog_file:" + keyLog };
        all.AddRange(arguments);
        using var reader = PeerProcess.Start(Path!, all, TimeSpan.FromSeconds(30));
        int exit = await reader.WaitForExitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        Assert.True(exit == 0, $"tshark failed\n{reader.Describe()}");
        return reader.StandardOutput;
    }
}

/// <summary>A fact that is skipped, saying why, when tshark is not installed.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
internal sealed class TsharkFactAttribute : FactAttribute
{
    public TsharkFactAttribute()
    {
        if (Tshark.Path is null)
        {
            Skip = "tshark was not found (Debian package tshark): run ./test.sh at the repository root, which installs it.";
        }
    }
}
