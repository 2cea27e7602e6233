using SharpQuic.Cli.Get;
using SharpQuic.Cli.Serve;

namespace SharpQuic.Cli.Tests;

/// <summary><c>serve --early-data</c>: a resumed <c>get --early-data</c> has its 0-RTT data accepted; without the flag its tickets allow none.</summary>
[Collection(CliLoopbackCollection.Name)]
public sealed class ServeEarlyDataTests
{
    [Theory]
    [InlineData(true, "early data accepted")]
    [InlineData(false, "early data not sent")] // its tickets do not allow 0-RTT (max_early_data_size 0)
    public async Task Serve_early_data_flag_decides_whether_0rtt_is_accepted(bool flag, string expected)
    {
        string path = Path.Combine(Path.GetTempPath(), $"sharpquic-session-{Guid.NewGuid():N}");
        try
        {
            var log = new StringWriter();
            string[] serveArgs = flag ? ["--listen", "127.0.0.1:0", "--early-data"] : ["--listen", "127.0.0.1:0"];
            EchoServer? server = await ServeCommand.StartAsync(serveArgs, log, log);
            Assert.NotNull(server);
            await using (server)
            {
                Assert.Equal(flag, log.ToString().Contains("0-RTT accepted", StringComparison.Ordinal));
                string[] first = [$"127.0.0.1:{server.LocalEndPoint.Port}", "--insecure", "--bytes", "4K", "--session-file", path];
                Assert.True(await GetCommand.RunAsync(first, Stream.Null, new StringWriter()) == 0);
                var second = new StringWriter();
                Assert.True(await GetCommand.RunAsync(first, Stream.Null, second) == 0, second.ToString());
                Assert.Contains("session: resumed", second.ToString());

                var third = new StringWriter();
                Assert.True(await GetCommand.RunAsync([.. first, "--early-data"], Stream.Null, third) == 0, third.ToString());
                Assert.Contains("session: resumed", third.ToString());
                Assert.Contains(expected, third.ToString());
                Assert.Contains("echo verified", third.ToString());
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
