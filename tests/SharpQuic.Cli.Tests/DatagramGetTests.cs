using System.Text.RegularExpressions;
using SharpQuic.Cli.Get;
using SharpQuic.Cli.Serve;

namespace SharpQuic.Cli.Tests;

[Collection(CliLoopbackCollection.Name)]
public sealed partial class DatagramGetTests
{
    [Fact]
    public async Task Get_datagram_sends_N_datagrams_that_serve_echoes_and_reports_their_rtt()
    {
        var log = new StringWriter();
        EchoServer? server = await ServeCommand.StartAsync(["--listen", "127.0.0.1:0"], log, log);
        Assert.NotNull(server);
        await using (server)
        {
            var report = new StringWriter();
            int rc = await GetCommand.RunAsync([$"127.0.0.1:{server.LocalEndPoint.Port}", "--insecure", "--datagram", "300", "--datagram-size", "500"], Stream.Null, report);
            string text = report.ToString();
            Assert.True(rc == 0, text);
            Match m = Report().Match(text);
            Assert.True(m.Success, text);
            Assert.Equal(300, int.Parse(m.Groups["sent"].Value, System.Globalization.CultureInfo.InvariantCulture));
            int echoed = int.Parse(m.Groups["echoed"].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(echoed, 1, 300);
            double p50 = double.Parse(m.Groups["p50"].Value, System.Globalization.CultureInfo.InvariantCulture);
            double p99 = double.Parse(m.Groups["p99"].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(p50 > 0 && p50 <= p99, text);
        }

        // The server counted what it echoed, in its per-connection log line.
        Assert.Matches(@"\d+ datagram\(s\) echoed", log.ToString());
    }

    [Fact]
    public async Task Get_datagram_refuses_a_size_that_does_not_fit_in_a_packet()
    {
        var log = new StringWriter();
        EchoServer? server = await ServeCommand.StartAsync(["--listen", "127.0.0.1:0"], log, log);
        Assert.NotNull(server);
        await using (server)
        {
            var report = new StringWriter();
            int rc = await GetCommand.RunAsync([$"127.0.0.1:{server.LocalEndPoint.Port}", "--insecure", "--datagram", "5", "--datagram-size", "60000"], Stream.Null, report);
            Assert.Equal(1, rc);
            Assert.Contains("fit in one packet", report.ToString());
        }
    }

    [Theory]
    [InlineData("--datagram", "0")]
    [InlineData("--datagram", "x")]
    [InlineData("--datagram-size", "100")]
    public async Task Bad_datagram_arguments_are_usage_errors(string option, string value)
    {
        var report = new StringWriter();
        int rc = await GetCommand.RunAsync(["127.0.0.1:1", option, value], Stream.Null, report);
        Assert.Equal(2, rc);
        Assert.Contains(option, report.ToString());
    }

    [Fact]
    public void Percentiles_use_the_nearest_rank()
    {
        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(5, DatagramProbe.Percentile(sorted, 10, 0.50));
        Assert.Equal(10, DatagramProbe.Percentile(sorted, 10, 0.99));
        Assert.Equal(2, DatagramProbe.Percentile(sorted, 3, 0.50));
        Assert.Equal(0, DatagramProbe.Percentile(sorted, 0, 0.50));
    }

    [GeneratedRegex(@"datagrams: sent (?<sent>\d+), echoed (?<echoed>\d+) .*RTT p50 (?<p50>[\d.]+) ms p99 (?<p99>[\d.]+) ms")]
    private static partial Regex Report();
}
