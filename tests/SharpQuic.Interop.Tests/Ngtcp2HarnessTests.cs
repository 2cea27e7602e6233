using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;

namespace SharpQuic.Interop.Tests;

/// <summary>The harness itself, checked with ngtcp2 against ngtcp2.</summary>
[Collection(InteropCollection.Name)]
[Trait("Category", "Interop")]
public sealed class Ngtcp2HarnessTests
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Ngtcp2_client_downloads_a_file_from_ngtcp2_server_intact()
    {
        using var scratch = new InteropScratch();
        byte[] content = RandomNumberGenerator.GetBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(scratch.HtDocs, "file.bin"), content);

        using var server = await Ngtcp2Peer.StartServerAsync(scratch);
        using var client = Ngtcp2Peer.StartClient(scratch, new IPEndPoint(IPAddress.Loopback, server.Port), ["file.bin"]);
        int rc = await client.Process.WaitForExitAsync(ClientTimeout);

        // gtlsclient exits 0 even after a failed connection: the file is the evidence.
        Assert.Equal(0, rc);
        string downloaded = Path.Combine(scratch.Downloads, "file.bin");
        Assert.True(File.Exists(downloaded), client.Process.Describe());
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(await File.ReadAllBytesAsync(downloaded)));
        Assert.False(server.Process.HasExited, server.Process.Describe());
    }

    [Fact]
    public async Task A_numeric_path_returns_that_many_zero_bytes()
    {
        using var scratch = new InteropScratch();
        using var server = await Ngtcp2Peer.StartServerAsync(scratch);
        using var client = Ngtcp2Peer.StartClient(scratch, new IPEndPoint(IPAddress.Loopback, server.Port), ["123457"]);
        await client.Process.WaitForExitAsync(ClientTimeout);

        byte[] body = await File.ReadAllBytesAsync(Path.Combine(scratch.Downloads, "123457"));
        Assert.Equal(123457, body.Length);
        Assert.DoesNotContain(body, b => b != 0);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_client_log_reports_the_completed_handshake_and_ALPN(bool secp256r1Only)
    {
        string[] groups = secp256r1Only ? ["--groups=-GROUP-ALL:+GROUP-SECP256R1"] : [];
        using var scratch = new InteropScratch();
        using var server = await Ngtcp2Peer.StartServerAsync(scratch, groups);
        using var client = Ngtcp2Peer.StartClient(scratch, new IPEndPoint(IPAddress.Loopback, server.Port), ["1000"], groups, quiet: false);
        await client.Process.WaitForExitAsync(ClientTimeout);

        string log = client.Process.StandardError + client.Process.StandardOutput;
        Assert.True(Ngtcp2Peer.HandshakeCompleted(log), client.Process.Describe());
        Assert.Equal("h3", Ngtcp2Peer.NegotiatedAlpn(log));
        Assert.Equal(1000, new FileInfo(Path.Combine(scratch.Downloads, "1000")).Length);
    }

    [Fact]
    public async Task A_client_without_a_server_does_not_report_a_handshake()
    {
        using var scratch = new InteropScratch();
        int port = InteropScratch.FreeUdpPort();
        using var client = Ngtcp2Peer.StartClient(scratch, new IPEndPoint(IPAddress.Loopback, port), ["10"], ["--timeout=300ms"], quiet: false);
        await client.Process.WaitForExitAsync(ClientTimeout);

        string log = client.Process.StandardError + client.Process.StandardOutput;
        Assert.False(Ngtcp2Peer.HandshakeCompleted(log));
        Assert.Null(Ngtcp2Peer.NegotiatedAlpn(log));
        Assert.False(File.Exists(Path.Combine(scratch.Downloads, "10")));
    }

    [Fact]
    public async Task Dispose_kills_the_server_by_pid_and_frees_its_port()
    {
        using var scratch = new InteropScratch();
        var server = await Ngtcp2Peer.StartServerAsync(scratch);
        int pid = server.Process.ProcessId;
        int port = server.Port;
        Assert.True(InteropScratch.IsUdpPortBound(port));

        server.Dispose();

        Assert.False(IsRunning(pid));
        Assert.False(InteropScratch.IsUdpPortBound(port));
    }

    [Fact]
    public async Task The_hard_deadline_kills_a_process_that_hangs()
    {
        using var sleeper = PeerProcess.Start("/bin/sleep", ["60"], TimeSpan.FromMilliseconds(300));
        var stopwatch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<Exception>(() => sleeper.WaitForExitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(sleeper.TimedOut);
        Assert.True(sleeper.HasExited);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Waiting_for_output_sees_what_was_printed_and_fails_on_what_never_comes()
    {
        using (var echo = PeerProcess.Start("/bin/echo", ["handshake done"], TimeSpan.FromSeconds(10)))
        {
            await echo.WaitForOutputAsync("handshake done", TimeSpan.FromSeconds(5));
        }

        using var quiet = PeerProcess.Start("/bin/echo", ["something else"], TimeSpan.FromSeconds(10));
        await Assert.ThrowsAnyAsync<Exception>(() => quiet.WaitForOutputAsync("handshake done", TimeSpan.FromSeconds(5)));
        Assert.True(quiet.HasExited);
    }

    [Fact]
    public void A_missing_program_is_not_found_and_the_failure_says_to_run_test_sh()
    {
        string empty = Directory.CreateTempSubdirectory("sharpquic-nopath-").FullName;
        try
        {
            Assert.Null(Ngtcp2.Find(Ngtcp2.ServerProgram, [empty]));
            File.WriteAllText(Path.Combine(empty, Ngtcp2.ServerProgram), "");
            Assert.Equal(Path.Combine(empty, Ngtcp2.ServerProgram), Ngtcp2.Find(Ngtcp2.ServerProgram, ["", empty]));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }

        string message = Ngtcp2.MissingMessage(Ngtcp2.ClientProgram, "ngtcp2-client");
        Assert.Contains("test.sh", message);
        Assert.Contains("ngtcp2-client", message);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
