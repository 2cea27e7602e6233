using System.Net;
using System.Net.Security;
using SharpQuic.Runtime;

namespace SharpQuic.Tests.Api;

/// <summary><see cref="QuicConnectionOptions.KeyLogFile"/>: NSS key log lines on both ends, and none unless asked for.</summary>
[Collection(LoopbackCollection.Name)]
public sealed class KeyLogTests
{
    private static readonly string[] s_labels =
        ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"];

    [Fact]
    public async Task Both_ends_write_the_same_four_secrets_for_one_client_random()
    {
        string directory = Directory.CreateTempSubdirectory("sharpquic-keylog-").FullName;
        try
        {
            string clientFile = Path.Combine(directory, "client.keys");
            string serverFile = Path.Combine(directory, "server.keys");
            await using QuicListener listener = await TestPeers.ListenAsync(o => o.KeyLogFile = serverFile);
            var (client, server) = await TestPeers.PairAsync(listener, o => o.KeyLogFile = clientFile);
            await using (client)
            await using (server)
            {
                // One round trip on a stream: the server has then read the client's Finished (its 1-RTT read secret).
                await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
                await stream.WriteAsync("ping"u8.ToArray(), completeWrites: true);
                await using QuicStream inbound = await server.AcceptInboundStreamAsync();
                Assert.Equal("ping"u8.ToArray(), await TestPeers.ReadToEndAsync(inbound));
            }

            Dictionary<string, (string Random, string Secret)> clientLines = Parse(clientFile);
            Dictionary<string, (string Random, string Secret)> serverLines = Parse(serverFile);
            foreach (string label in s_labels)
            {
                Assert.True(clientLines.ContainsKey(label), $"client key log lacks {label}");
                Assert.True(serverLines.ContainsKey(label), $"server key log lacks {label}");

                // Same client random everywhere (32 bytes, RFC 8446bis §4.1.2), and the two ends derived the same secret.
                Assert.Equal(64, clientLines[label].Random.Length);
                Assert.Equal(clientLines[s_labels[0]].Random, clientLines[label].Random);
                Assert.Equal(clientLines[label].Random, serverLines[label].Random);
                Assert.Equal(clientLines[label].Secret, serverLines[label].Secret);
                Assert.Equal(64, clientLines[label].Secret.Length); // SHA-256 suites: 32-byte secrets
            }

            Assert.Equal(clientLines[s_labels[0]].Random, serverLines[s_labels[1]].Random);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task An_unwritable_key_log_does_not_fail_the_connection()
    {
        string missing = Path.Combine(Path.GetTempPath(), "sharpquic-no-such-folder-" + Guid.NewGuid().ToString("N"), "keys.log");
        await using QuicListener listener = await TestPeers.ListenAsync(o => o.KeyLogFile = missing);
        var (client, server) = await TestPeers.PairAsync(listener, o => o.KeyLogFile = missing);
        await using (client)
        await using (server)
        {
            await using QuicStream stream = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional);
            await stream.WriteAsync("ping"u8.ToArray(), completeWrites: true);
            await using QuicStream inbound = await server.AcceptInboundStreamAsync();
            Assert.Equal("ping"u8.ToArray(), await TestPeers.ReadToEndAsync(inbound));
        }

        Assert.False(File.Exists(missing));
    }

    [Fact]
    public void Nothing_is_written_when_the_option_is_unset()
    {
        var clientOptions = TestPeers.ClientOptions(new IPEndPoint(IPAddress.Loopback, 1));
        QuicServerConnectionOptions serverOptions = TestPeers.ServerOptions();
        Assert.Null(clientOptions.KeyLogFile);
        Assert.Null(RuntimeOptions.ToClientTls(clientOptions, "localhost").KeyLog);
        Assert.Null(RuntimeOptions.ToServerTls(serverOptions, [TestPeers.Alpn]).KeyLog);

        // And set, the same options produce a sink: the assertions above are not vacuous.
        clientOptions.KeyLogFile = Path.Combine(Path.GetTempPath(), "never-written.keys");
        Assert.NotNull(RuntimeOptions.ToClientTls(clientOptions, "localhost").KeyLog);
    }

    private static Dictionary<string, (string Random, string Secret)> Parse(string file)
    {
        var lines = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(file))
        {
            string[] parts = line.Split(' ');
            Assert.Equal(3, parts.Length);
            Assert.True(lines.TryAdd(parts[0], (parts[1], parts[2])), $"{parts[0]} logged twice in {file}");
        }

        return lines;
    }
}
