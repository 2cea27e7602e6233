using System.Text.Json;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Qlog;

namespace SharpQuic.Core.Tests.Qlog;

/// <summary>Keeps each connection's qlog in a MemoryStream, by role.</summary>
internal sealed class MemoryTracerFactory : IConnectionTracerFactory
{
    public MemoryStream? Client { get; private set; }

    public MemoryStream? Server { get; private set; }

    public int Created { get; private set; }

    public IConnectionTracer? Create(bool isServer, ConnectionId originalDestinationConnectionId, Instant now)
    {
        var stream = new MemoryStream();
        if (isServer)
        {
            Server = stream;
        }
        else
        {
            Client = stream;
        }

        Created++;
        return new QlogWriter(stream, isServer, originalDestinationConnectionId, now, leaveOpen: true);
    }
}

/// <summary>Splits a JSON-SEQ qlog into records (RFC 7464) and parses each one.</summary>
internal static class QlogRecords
{
    public static List<JsonElement> Parse(byte[] bytes)
    {
        var records = new List<JsonElement>();
        Assert.NotEmpty(bytes);
        int i = 0;
        while (i < bytes.Length)
        {
            // Every record: RS, JSON text, LF.
            Assert.Equal(0x1E, bytes[i]);
            int next = Array.IndexOf(bytes, (byte)0x1E, i + 1);
            int end = next < 0 ? bytes.Length : next;
            Assert.Equal(0x0A, bytes[end - 1]);
            using JsonDocument doc = JsonDocument.Parse(bytes.AsMemory(i + 1, end - i - 2));
            records.Add(doc.RootElement.Clone());
            i = end;
        }

        return records;
    }

    public static string Name(JsonElement e) => e.GetProperty("name").GetString()!;

    public static IEnumerable<JsonElement> Named(List<JsonElement> events, string name)
    {
        foreach (JsonElement e in events)
        {
            if (Name(e) == name)
            {
                yield return e;
            }
        }
    }
}
