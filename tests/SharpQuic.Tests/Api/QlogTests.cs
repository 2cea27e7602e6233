using System.Net;
using System.Text.Json;

namespace SharpQuic.Tests.Api;

[Collection(LoopbackCollection.Name)]
public sealed class QlogTests
{
    [Fact]
    public async Task Both_ends_write_a_JSON_SEQ_file_per_connection_named_by_the_original_DCID()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sharpquic-qlog-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (QuicListener listener = await QuicListener.ListenAsync(new QuicListenerOptions
            {
                ListenEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
                ApplicationProtocols = [TestPeers.Alpn],
                QlogDirectory = dir,
                ConnectionOptionsCallback = (_, _, _) => ValueTask.FromResult(TestPeers.ServerOptions()),
            }))
            {
                var (client, server) = await TestPeers.PairAsync(listener, o => o.QlogDirectory = dir);
                await using (server)
                {
                    await using (QuicStream s = await client.OpenOutboundStreamAsync(QuicStreamType.Bidirectional))
                    {
                        await s.WriteAsync(new byte[5000], completeWrites: true);
                        await using QuicStream inbound = await server.AcceptInboundStreamAsync();
                        Assert.Equal(5000, (await TestPeers.ReadToEndAsync(inbound)).Length);
                    }

                    await client.CloseAsync(3);
                    await client.DisposeAsync();
                    await Task.Delay(300); // the server hears the close and its connection is swept (the tracer flushed)
                }
            }

            string[] files = Directory.GetFiles(dir, "*.sqlog");
            Assert.Equal(2, files.Length);
            string clientFile = Assert.Single(files, f => f.EndsWith("_client.sqlog", StringComparison.Ordinal));
            string serverFile = Assert.Single(files, f => f.EndsWith("_server.sqlog", StringComparison.Ordinal));

            // Named by the same original Destination Connection ID on both ends.
            Assert.Equal(Path.GetFileName(clientFile).Split('_')[0], Path.GetFileName(serverFile).Split('_')[0]);
            foreach (string file in files)
            {
                string text = await File.ReadAllTextAsync(file);
                string[] records = text.Split('\u001e', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(records.Length > 5);
                var names = new HashSet<string>();
                foreach (string record in records.Skip(1))
                {
                    using JsonDocument doc = JsonDocument.Parse(record);
                    names.Add(doc.RootElement.GetProperty("name").GetString()!);
                }

                Assert.Contains(names, n => n.EndsWith("packet_sent", StringComparison.Ordinal));
                Assert.Contains(names, n => n.EndsWith("packet_received", StringComparison.Ordinal));
                Assert.Contains(names, n => n.EndsWith("connection_closed", StringComparison.Ordinal));
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
