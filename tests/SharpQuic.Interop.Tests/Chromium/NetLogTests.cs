namespace SharpQuic.Interop.Tests.Chromium;

/// <summary>
/// The net-log reader on small hand-written logs (no browser): the loopback check must tell
/// Chromium's connect-only IPv6 probe from real traffic, or the Chromium tests prove nothing.
/// </summary>
public sealed class NetLogTests
{
    // Event and source type numbers are whatever the log's constants say; these are made up.
    private const string Constants = """
        "constants": {
          "logEventTypes": { "SOCKET_ALIVE": 1, "UDP_CONNECT": 2, "UDP_LOCAL_ADDRESS": 3, "UDP_BYTES_SENT": 4, "QUIC_SESSION": 5,
                             "HTTP3_HEADERS_DECODED": 6, "TCP_CONNECT_ATTEMPT": 7, "SOCKET_CONNECT": 8, "DNS_TRANSACTION": 9 },
          "logSourceType": { "UDP_SOCKET": 1, "UDP_CLIENT_SOCKET": 2, "QUIC_SESSION": 3, "SOCKET": 4, "DNS": 5 }
        }
        """;

    [Fact]
    public void A_connect_only_udp_probe_is_not_traffic_but_a_udp_socket_that_sent_is()
    {
        NetLog log = Parse("""
            { "source": { "id": 10, "type": 2 }, "type": 8, "params": { "address": "[2001:4860:4860::8888]:443" } },
            { "source": { "id": 11, "type": 1 }, "type": 1, "params": { "source_dependency": { "id": 10, "type": 2 } } },
            { "source": { "id": 11, "type": 1 }, "type": 2, "params": { "address": "[2001:4860:4860::8888]:443" } },
            { "source": { "id": 11, "type": 1 }, "type": 3, "params": { "address": "[fd00::2]:40000" } },
            { "source": { "id": 20, "type": 2 }, "type": 8, "params": { "address": "192.0.2.7:443" } },
            { "source": { "id": 21, "type": 1 }, "type": 1, "params": { "source_dependency": { "id": 20, "type": 2 } } },
            { "source": { "id": 21, "type": 1 }, "type": 3, "params": { "address": "10.1.2.3:5000" } },
            { "source": { "id": 21, "type": 1 }, "type": 4, "params": { "byte_count": 1200 } }
            """);

        Assert.Equal(3, log.ConnectOnlyProbes.Count);
        Assert.All(log.ConnectOnlyProbes, static p => Assert.True(p.Contains("2001:4860", StringComparison.Ordinal) || p.Contains("fd00::2", StringComparison.Ordinal), p));
        // Both halves of the socket that sent a datagram to 192.0.2.7 count.
        Assert.Equal(2, log.NonLoopbackTraffic.Count);
        Assert.Contains(log.NonLoopbackTraffic, static t => t.Contains("192.0.2.7:443", StringComparison.Ordinal));
        Assert.Contains(log.NonLoopbackTraffic, static t => t.Contains("10.1.2.3:5000", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tcp_attempt_beyond_loopback_is_traffic_and_loopback_quic_is_recorded()
    {
        NetLog log = Parse("""
            { "source": { "id": 1, "type": 4 }, "type": 7, "params": { "address": "203.0.113.9:443" } },
            { "source": { "id": 2, "type": 3 }, "type": 5, "params": { "host": "127.0.0.1", "port": 4433 } },
            { "source": { "id": 2, "type": 3 }, "type": 6, "params": { "stream_id": 0 } },
            { "source": { "id": 2, "type": 3 }, "type": 6 },
            { "source": { "id": 3, "type": 2 }, "type": 8, "params": { "address": "127.0.0.1:4433" } },
            { "source": { "id": 4, "type": 1 }, "type": 1, "params": { "source_dependency": { "id": 3, "type": 2 } } },
            { "source": { "id": 4, "type": 1 }, "type": 3, "params": { "address": "127.0.0.1:51000" } },
            { "source": { "id": 4, "type": 1 }, "type": 4, "params": { "byte_count": 1250 } },
            { "source": { "id": 5, "type": 5 }, "type": 9, "params": { "hostname": "example.com" } }
            """);

        Assert.Equal(["SOCKET TCP_CONNECT_ATTEMPT 203.0.113.9:443"], log.NonLoopbackTraffic);
        Assert.Empty(log.ConnectOnlyProbes);
        Assert.Equal(["127.0.0.1:4433"], log.QuicSessions);
        Assert.Equal(2, log.Http3HeadersDecoded);
        Assert.Equal(["127.0.0.1:51000"], log.LoopbackUdpLocalAddresses);
        Assert.Equal(["example.com"], log.DnsTransactions);
    }

    [Theory]
    [InlineData("127.0.0.1:443", true)]
    [InlineData("127.8.9.10:1", true)]
    [InlineData("[::1]:443", true)]
    [InlineData("::1", true)]
    [InlineData("[2001:4860:4860::8888]:443", false)]
    [InlineData("8.8.8.8:53", false)]
    [InlineData("localhost:443", false)]
    [InlineData("", false)]
    public void Loopback_addresses_are_recognised(string endpoint, bool loopback)
    {
        Assert.Equal(loopback, NetLog.IsLoopback(endpoint));
    }

    [Fact]
    public void A_truncated_log_fails_clearly()
    {
        string path = Path.Combine(Path.GetTempPath(), "sharpquic-netlog-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, "{" + Constants + ", \"events\": [ { \"source\": { \"id\": 1, \"type\": 4 }, \"type\": 7");
        try
        {
            var e = Assert.ThrowsAny<Exception>(() => NetLog.Load(path));
            Assert.Contains("not complete JSON", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static NetLog Parse(string events)
    {
        string path = Path.Combine(Path.GetTempPath(), "sharpquic-netlog-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, "{" + Constants + ", \"events\": [" + events + "] }");
        try
        {
            return NetLog.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
