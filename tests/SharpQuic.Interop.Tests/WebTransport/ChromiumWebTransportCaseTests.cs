using System.Globalization;
using System.Text.Json;
using SharpQuic.Interop.Tests.Chromium;
using Xunit.Abstractions;

namespace SharpQuic.Interop.Tests.WebTransport;

/// <summary>
/// The quic-interop-runner's WebTransport cases with headless Chromium as the client of <c>sharpquic serve</c>'s
/// /webtransport/echo, one page run (wt-cases.html) per case: bidirectional echoes of 100 KB and 2 MB and unidirectional
/// ones of 100 KB and 2 MB compared byte for byte, 100 datagrams, three sessions at
/// once, and the echo round trip measured in the page (printed, not asserted).
/// </summary>
public sealed partial class ChromiumWebTransportTests : IDisposable
{
    private const int Small = 100 * 1024;
    private const int Large = 2 * 1024 * 1024;

    private readonly ITestOutputHelper _output;

    // Each case's server and scratch directory, released after the test (the server is killed by its PID).
    private readonly List<IDisposable> _cleanup = [];

    /// <summary>Takes xunit's output for the measurements.</summary>
    public ChromiumWebTransportTests(ITestOutputHelper output) => _output = output;

    [ChromiumFact]
    public async Task Chromium_bidirectional_echo_of_100_KB_and_2_MB_is_byte_exact()
    {
        (JsonElement root, string context, _, _) = await RunCaseAsync("bidi", $"&sizes={Small},{Large}");
        JsonElement results = root.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        AssertEchoed(results[0], Small, context);
        AssertEchoed(results[1], Large, context);
        _output.WriteLine($"bidi: 100 KB in {results[0].GetProperty("ms")} ms, 2 MB in {results[1].GetProperty("ms")} ms");
    }

    [ChromiumFact]
    public async Task Chromium_unidirectional_echo_of_100_KB_and_2_MB_is_byte_exact()
    {
        // The echo streams a unidirectional stream back on a new one as it arrives.
        (JsonElement root, string context, _, _) = await RunCaseAsync("uni", $"&sizes={Small},{Large}");
        JsonElement results = root.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        AssertEchoed(results[0], Small, context);
        AssertEchoed(results[1], Large, context);
        _output.WriteLine($"uni: 100 KB in {results[0].GetProperty("ms")} ms, 2 MB in {results[1].GetProperty("ms")} ms");
    }

    [ChromiumFact]
    public async Task Chromium_datagrams_come_back_intact()
    {
        (JsonElement root, string context, _, _) = await RunCaseAsync("datagrams", "&count=100&size=1000");
        int echoed = root.GetProperty("echoed").GetInt32();
        Assert.Equal(100, root.GetProperty("sent").GetInt32());
        // Datagrams are unreliable (RFC 9221 §5); on loopback nearly all must come back, and none altered.
        Assert.True(echoed >= 90, $"only {echoed} of 100 datagrams came back\n{context}");
        Assert.Equal(0, root.GetProperty("corrupt").GetInt32());
        _output.WriteLine($"datagrams: {echoed} of 100 (1,000 bytes) echoed in {root.GetProperty("ms")} ms; maxDatagramSize {root.GetProperty("maxDatagramSize")}");
    }

    [ChromiumFact]
    public async Task Chromium_opens_three_sessions_and_each_echoes()
    {
        (JsonElement root, string context, SharpQuicServe serve, string netLog) = await RunCaseAsync("sessions", "&count=3");
        JsonElement sessions = root.GetProperty("sessions");
        Assert.Equal(3, sessions.GetArrayLength());
        for (int k = 0; k < 3; k++)
        {
            JsonElement session = sessions[k];
            AssertEchoed(session.GetProperty("bidi"), 1000 + k, context);
            Assert.Equal("session " + k.ToString(CultureInfo.InvariantCulture), session.GetProperty("datagram").GetString());
        }

        List<RequestLine> connects = await serve.WaitForRequestsAsync(3, TimeSpan.FromSeconds(5));
        Assert.Equal(3, connects.Count(r => r.Method == "CONNECT" && r.Path == "/webtransport/echo" && r.Status == 200));
        // Chromium 156 does not pool WebTransport sessions: each WebTransport object is its own "dedicated" client
        // (a WEB_TRANSPORT_CLIENT net log source, never through the QUIC session pool) with its own QUIC connection,
        // so the server sees three connections from three client ports, each carrying one CONNECT.
        List<ConnectionLine> connections = serve.Connections();
        int dedicated = DedicatedWebTransportQuicSessions(netLog);
        _output.WriteLine($"sessions: 3 WebTransport sessions over {connections.Count} QUIC connection(s) at the server; "
            + $"{dedicated} dedicated WebTransport QUIC session(s) in Chromium's net log");
        Assert.Equal(3, connections.Count);
        Assert.Equal(3, connections.Select(c => c.Remote).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(3, connects.Select(r => r.Remote).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(3, dedicated);
    }

    [ChromiumFact]
    public async Task Chromium_echo_round_trip_is_measured()
    {
        (JsonElement root, string context, _, _) = await RunCaseAsync("rtt", "&count=200&streams=50");
        JsonElement datagram = root.GetProperty("datagram"), stream = root.GetProperty("stream");
        Assert.True(datagram.GetProperty("lost").GetInt32() <= 20, context);
        Assert.Equal(50, stream.GetProperty("count").GetInt32());
        _output.WriteLine(
            $"Chromium datagram echo RTT (100 B, 200 sequential, {datagram.GetProperty("lost")} lost): p50 {datagram.GetProperty("p50")} ms, p99 {datagram.GetProperty("p99")} ms, "
            + $"min {datagram.GetProperty("min")} ms, max {datagram.GetProperty("max")} ms");
        _output.WriteLine(
            $"Chromium stream echo RTT (100 B on a new bidirectional stream, 50 sequential): p50 {stream.GetProperty("p50")} ms, p99 {stream.GetProperty("p99")} ms, "
            + $"min {stream.GetProperty("min")} ms, max {stream.GetProperty("max")} ms");
    }

    /// <summary>Kills the servers and deletes the scratch directories of this test.</summary>
    public void Dispose()
    {
        for (int i = _cleanup.Count - 1; i >= 0; i--)
        {
            _cleanup[i].Dispose();
        }
    }

    /// <summary>
    /// The WEB_TRANSPORT_CLIENT sources of a net log that closed a QUIC session of their own (QUIC_SESSION_CLOSED
    /// logged on the client's source): Chromium's dedicated WebTransport connections.
    /// </summary>
    private static int DedicatedWebTransportQuicSessions(string netLog)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(netLog));
        JsonElement constants = doc.RootElement.GetProperty("constants");
        int closed = constants.GetProperty("logEventTypes").GetProperty("QUIC_SESSION_CLOSED").GetInt32();
        int client = constants.GetProperty("logSourceType").GetProperty("WEB_TRANSPORT_CLIENT").GetInt32();
        var sources = new HashSet<long>();
        foreach (JsonElement e in doc.RootElement.GetProperty("events").EnumerateArray())
        {
            JsonElement source = e.GetProperty("source");
            if (e.GetProperty("type").GetInt32() == closed && source.GetProperty("type").GetInt32() == client)
            {
                sources.Add(source.GetProperty("id").GetInt64());
            }
        }

        return sources.Count;
    }

    private async Task<(JsonElement Root, string Context, SharpQuicServe Serve, string NetLog)> RunCaseAsync(string which, string query)
    {
        var scratch = new ChromiumScratch();
        _cleanup.Add(scratch);
        SharpQuicServe serve = await SharpQuicServe.StartAsync(scratch, scratch.HtDocs, altSvc: false);
        _cleanup.Add(serve);
        string netLog = scratch.File("wt-netlog.json");
        string json = await RunPageAsync(scratch, serve.Origin + "/webtransport/echo", netLog, serve,
            "wt-cases.html", $"&case={which}{query}", limitSeconds: 28);
        JsonElement root = JsonDocument.Parse(json).RootElement.Clone();
        string context = $"{root}\n{serve.Log}";
        Assert.True(root.GetProperty("ok").GetBoolean(), context);
        return (root, context, serve, netLog);
    }

    // The page's payload: xorshift32 seeded with the size; the echo must match it byte for byte.
    private static void AssertEchoed(JsonElement result, int size, string context)
    {
        Assert.True(result.TryGetProperty("length", out JsonElement length), context);
        Assert.Equal(size, result.GetProperty("size").GetInt32());
        Assert.Equal(size, length.GetInt32());
        Assert.Equal(-1, result.GetProperty("mismatch").GetInt32());
        Assert.Equal(Fnv1a(Payload(size)), result.GetProperty("fnv").GetUInt32());
    }

    private static byte[] Payload(int size)
    {
        byte[] bytes = new byte[size];
        uint x = size == 0 ? 1u : (uint)size;
        for (int i = 0; i < size; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            bytes[i] = (byte)x;
        }

        return bytes;
    }

    private static uint Fnv1a(byte[] bytes)
    {
        uint h = 0x811c9dc5;
        foreach (byte b in bytes)
        {
            h = (h ^ b) * 0x01000193;
        }

        return h;
    }
}
