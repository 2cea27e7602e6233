using SharpQuic.Cli.Get;
using SharpQuic.Cli.Serve;

namespace SharpQuic.Cli.Tests;

/// <summary><c>get --session-file F [--early-data]</c>: the ticket is stored, then resumes the next connection.</summary>
[Collection(CliLoopbackCollection.Name)]
public sealed class SessionFileGetTests
{
    [Fact]
    public async Task Session_file_is_written_then_resumes_the_next_get()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sharpquic-session-{Guid.NewGuid():N}");
        try
        {
            var log = new StringWriter();
            EchoServer? server = await ServeCommand.StartAsync(["--listen", "127.0.0.1:0"], log, log);
            Assert.NotNull(server);
            await using (server)
            {
                string[] args = [$"127.0.0.1:{server.LocalEndPoint.Port}", "--insecure", "--bytes", "4K", "--session-file", path, "--early-data"];
                var first = new StringWriter();
                Assert.True(await GetCommand.RunAsync(args, Stream.Null, first) == 0, first.ToString());
                Assert.Contains("session: full handshake", first.ToString());
                Assert.True(File.Exists(path));
                if (!OperatingSystem.IsWindows())
                {
                    Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                }

                var second = new StringWriter();
                Assert.True(await GetCommand.RunAsync(args, Stream.Null, second) == 0, second.ToString());
                Assert.Contains("session: resumed", second.ToString());
                Assert.Contains("echo verified", second.ToString());
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Early_data_without_session_file_is_a_usage_error()
    {
        var report = new StringWriter();
        int rc = await GetCommand.RunAsync(["127.0.0.1:1", "--early-data"], Stream.Null, report);
        Assert.Equal(2, rc);
        Assert.Contains("--session-file", report.ToString());
    }
}
