using System.Text.Json;
using SharpQuic.Core;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Qlog;
using SharpQuic.Qlog;

namespace SharpQuic.Tests.Qlog;

public sealed class QlogDirectoryTracerFactoryTests
{
    [Fact]
    public void Create_WritesOneNamedJsonSeqFilePerConnection_InANewDirectory()
    {
        string root = Path.Combine(Path.GetTempPath(), "sq-qlog-" + Guid.NewGuid().ToString("N"));
        string directory = Path.Combine(root, "nested");
        try
        {
            var factory = new QlogDirectoryTracerFactory(directory);
            var odcid = new ConnectionId([0xAB, 0x01, 0xFE, 0x10, 0x00, 0x7C, 0x33, 0xD2]);
            using (IConnectionTracer? server = factory.Create(isServer: true, odcid, Instant.FromMilliseconds(5)))
            using (IConnectionTracer? client = factory.Create(isServer: false, odcid, Instant.FromMilliseconds(5)))
            {
                Assert.NotNull(server);
                Assert.NotNull(client);
                server.PacketLost(Core.Recovery.PacketNumberSpace.ApplicationData, 42);
            }

            string[] files = Directory.GetFiles(directory);
            Array.Sort(files, StringComparer.Ordinal);
            Assert.Equal(["ab01fe10007c33d2_client.sqlog", "ab01fe10007c33d2_server.sqlog"], files.Select(f => Path.GetFileName(f)!).ToArray());

            byte[] bytes = File.ReadAllBytes(Path.Combine(directory, "ab01fe10007c33d2_server.sqlog"));
            string[] records = System.Text.Encoding.UTF8.GetString(bytes).Split('\u001e', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, records.Length);
            using JsonDocument header = JsonDocument.Parse(records[0]);
            Assert.Equal("ab01fe10007c33d2", header.RootElement.GetProperty("trace").GetProperty("common_fields").GetProperty("group_id").GetString());
            Assert.Equal("server", header.RootElement.GetProperty("trace").GetProperty("vantage_point").GetProperty("type").GetString());
            using JsonDocument lost = JsonDocument.Parse(records[1]);
            Assert.Equal("quic:packet_lost", lost.RootElement.GetProperty("name").GetString());
            Assert.Equal(42UL, lost.RootElement.GetProperty("data").GetProperty("header").GetProperty("packet_number").GetUInt64());
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
