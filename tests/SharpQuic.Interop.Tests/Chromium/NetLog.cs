using System.Net;
using System.Text.Json;

namespace SharpQuic.Interop.Tests.Chromium;

/// <summary>
/// What a Chromium net log (<c>--log-net-log</c>) says about a run: the QUIC sessions and their
/// versions, HTTP/3 header blocks decoded, SETTINGS received, HTTP/2 sessions, Alt-Svc use,
/// certificate failures, closes, and whether anything left loopback.
/// </summary>
/// <remarks>
/// Loopback: Chromium's resolver checks whether IPv6 is reachable by <c>connect()</c>ing a UDP
/// socket to 2001:4860:4860::8888 port 443 and reading the local address; that sends nothing
/// and no switch turns it off (it happens even for an IP-literal URL). Such connect-only UDP
/// sockets are listed in <see cref="ConnectOnlyProbes"/>; any non-loopback address on a socket
/// that moved bytes, or on any TCP/connect job, is in <see cref="NonLoopbackTraffic"/>.
/// </remarks>
internal sealed class NetLog
{
    private static readonly string[] s_addressKeys = ["address", "remote_address", "local_address", "peer_address"];

    /// <summary>host:port of each QUIC session.</summary>
    public List<string> QuicSessions { get; } = [];

    /// <summary>The QUIC versions negotiated (e.g. RFCv1).</summary>
    public List<string> QuicVersions { get; } = [];

    /// <summary>HTTP3_HEADERS_DECODED events: response header blocks decoded with QPACK.</summary>
    public int Http3HeadersDecoded { get; private set; }

    /// <summary>HTTP3_SETTINGS_RECEIVED parameters, as JSON.</summary>
    public List<string> Http3SettingsReceived { get; } = [];

    /// <summary>host:port of each HTTP/2 session (TCP).</summary>
    public List<string> Http2Sessions { get; } = [];

    /// <summary>HTTP_STREAM_JOB_CONTROLLER_ALT_SVC_FOUND parameters, as JSON.</summary>
    public List<string> AltSvcFound { get; } = [];

    /// <summary>Certificate failures, QUIC closes and other telling events, as "NAME {json}".</summary>
    public List<string> Notable { get; } = [];

    /// <summary>Host names sent to the system resolver.</summary>
    public List<string> DnsTransactions { get; } = [];

    /// <summary>Non-loopback addresses on sockets that sent or received bytes, or on connect jobs.</summary>
    public List<string> NonLoopbackTraffic { get; } = [];

    /// <summary>Non-loopback addresses on UDP sockets that were only connect()ed (the IPv6 reachability probe).</summary>
    public List<string> ConnectOnlyProbes { get; } = [];

    /// <summary>Local loopback addresses of UDP sockets that moved bytes (Chromium's QUIC sockets).</summary>
    public List<string> LoopbackUdpLocalAddresses { get; } = [];

    /// <summary>Reads the net log; fails the test if it is missing or incomplete.</summary>
    public static NetLog Load(string path)
    {
        Assert.True(File.Exists(path), $"Chromium wrote no net log at {path}.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            Assert.Fail($"The net log {path} is not complete JSON (did Chromium exit cleanly?): {e.Message}");
            throw;
        }

        using (doc)
        {
            var log = new NetLog();
            log.Read(doc.RootElement);
            return log;
        }
    }

    /// <summary>A summary for assertion messages.</summary>
    public override string ToString() =>
        $"QUIC sessions: [{string.Join(", ", QuicSessions)}] versions [{string.Join(", ", QuicVersions)}]\n" +
        $"HTTP/3 header blocks decoded: {Http3HeadersDecoded}; HTTP/2 sessions: [{string.Join(", ", Http2Sessions)}]\n" +
        $"SETTINGS received: {string.Join("; ", Http3SettingsReceived)}\n" +
        $"Alt-Svc found: {string.Join("; ", AltSvcFound)}\n" +
        $"notable:\n  {string.Join("\n  ", Notable)}\n" +
        $"non-loopback traffic: [{string.Join(", ", NonLoopbackTraffic)}]; connect-only probes: [{string.Join(", ", ConnectOnlyProbes)}]\n" +
        $"DNS transactions: [{string.Join(", ", DnsTransactions)}]";

    private void Read(JsonElement root)
    {
        JsonElement constants = root.GetProperty("constants");
        Dictionary<int, string> eventNames = Invert(constants.GetProperty("logEventTypes"));
        Dictionary<int, string> sourceNames = Invert(constants.GetProperty("logSourceType"));

        var sourceType = new Dictionary<long, string>();
        var addresses = new Dictionary<long, List<(string Event, string Address)>>();
        var movedBytes = new HashSet<long>();
        var parent = new Dictionary<long, long>();

        foreach (JsonElement e in root.GetProperty("events").EnumerateArray())
        {
            string name = eventNames.GetValueOrDefault(e.GetProperty("type").GetInt32(), "?");
            JsonElement source = e.GetProperty("source");
            long id = source.GetProperty("id").GetInt64();
            sourceType[id] = sourceNames.GetValueOrDefault(source.GetProperty("type").GetInt32(), "?");
            JsonElement p = e.TryGetProperty("params", out JsonElement ps) && ps.ValueKind == JsonValueKind.Object ? ps : default;
            bool hasParams = p.ValueKind == JsonValueKind.Object;

            switch (name)
            {
                case "QUIC_SESSION" when hasParams && p.TryGetProperty("host", out JsonElement host):
                    QuicSessions.Add($"{host.GetString()}:{(p.TryGetProperty("port", out JsonElement port) ? port.ToString() : "?")}");
                    break;
                case "QUIC_SESSION_VERSION_NEGOTIATED" when hasParams && p.TryGetProperty("version", out JsonElement version):
                    QuicVersions.Add(version.ToString());
                    break;
                case "HTTP3_HEADERS_DECODED":
                    Http3HeadersDecoded++;
                    break;
                case "HTTP3_SETTINGS_RECEIVED" when hasParams:
                    Http3SettingsReceived.Add(p.GetRawText());
                    break;
                case "HTTP2_SESSION" when hasParams && p.TryGetProperty("host", out JsonElement h2host):
                    Http2Sessions.Add(h2host.GetString() ?? "");
                    break;
                case "HTTP_STREAM_JOB_CONTROLLER_ALT_SVC_FOUND" when hasParams:
                    AltSvcFound.Add(p.GetRawText());
                    break;
                case "QUIC_SESSION_CERTIFICATE_VERIFY_FAILED" or "QUIC_SESSION_CLOSED" or "QUIC_SESSION_CONNECTION_CLOSE_FRAME_RECEIVED"
                    or "QUIC_SESSION_CONNECTION_CLOSE_FRAME_SENT" or "QUIC_SESSION_POOL_JOB_RESULT" when hasParams:
                    Notable.Add(name + " " + p.GetRawText());
                    break;
                case "DNS_TRANSACTION" when hasParams && p.TryGetProperty("hostname", out JsonElement hostname):
                    DnsTransactions.Add(hostname.GetString() ?? "");
                    break;
                case "UDP_BYTES_SENT" or "UDP_BYTES_RECEIVED" or "SOCKET_BYTES_SENT" or "SOCKET_BYTES_RECEIVED":
                    movedBytes.Add(id);
                    break;
                case "SOCKET_ALIVE" when hasParams && p.TryGetProperty("source_dependency", out JsonElement dependency):
                    parent[id] = dependency.GetProperty("id").GetInt64();
                    break;
            }

            if (!hasParams)
            {
                continue;
            }

            foreach (string key in s_addressKeys)
            {
                if (p.TryGetProperty(key, out JsonElement a) && a.ValueKind == JsonValueKind.String)
                {
                    Remember(addresses, id, name, a.GetString()!);
                }
            }

            if (p.TryGetProperty("address_list", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement a in list.EnumerateArray())
                {
                    Remember(addresses, id, name, a.GetString() ?? "");
                }
            }
        }

        foreach ((long id, List<(string Event, string Address)> seen) in addresses)
        {
            string type = sourceType[id];
            bool udp = type is "UDP_SOCKET" or "UDP_CLIENT_SOCKET";
            // A UDP_SOCKET's bytes are logged on it, its connect on the UDP_CLIENT_SOCKET that owns it.
            bool moved = movedBytes.Contains(id) || (parent.TryGetValue(id, out long owner) && movedBytes.Contains(owner)) || OwnsSocketThatMoved(id, parent, movedBytes);
            foreach ((string ev, string address) in seen)
            {
                if (IsLoopback(address))
                {
                    if (udp && moved && ev == "UDP_LOCAL_ADDRESS")
                    {
                        LoopbackUdpLocalAddresses.Add(address);
                    }

                    continue;
                }

                (udp && !moved ? ConnectOnlyProbes : NonLoopbackTraffic).Add($"{type} {ev} {address}");
            }
        }
    }

    private static bool OwnsSocketThatMoved(long id, Dictionary<long, long> parent, HashSet<long> movedBytes)
    {
        foreach ((long child, long owner) in parent)
        {
            if (owner == id && movedBytes.Contains(child))
            {
                return true;
            }
        }

        return false;
    }

    private static void Remember(Dictionary<long, List<(string, string)>> addresses, long id, string eventName, string address)
    {
        if (!addresses.TryGetValue(id, out List<(string, string)>? list))
        {
            addresses[id] = list = [];
        }

        list.Add((eventName, address));
    }

    /// <summary>Whether "host:port", "[v6]:port" or a bare address is a loopback address.</summary>
    public static bool IsLoopback(string endpoint)
    {
        string host = endpoint;
        int colon = endpoint.LastIndexOf(':');
        if (endpoint.StartsWith('['))
        {
            host = endpoint[1..endpoint.IndexOf(']', StringComparison.Ordinal)];
        }
        else if (colon > 0 && endpoint.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            host = endpoint[..colon];
        }

        return IPAddress.TryParse(host, out IPAddress? ip) && IPAddress.IsLoopback(ip);
    }

    private static Dictionary<int, string> Invert(JsonElement map)
    {
        var inverted = new Dictionary<int, string>();
        foreach (JsonProperty p in map.EnumerateObject())
        {
            inverted[p.Value.GetInt32()] = p.Name;
        }

        return inverted;
    }
}
