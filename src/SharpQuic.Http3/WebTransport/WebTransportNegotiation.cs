using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>Which WebTransport over HTTP/3 draft a peer's SETTINGS show.</summary>
public enum WebTransportVariant
{
    /// <summary>The peer's SETTINGS offer no WebTransport (or have not arrived).</summary>
    None,

    /// <summary>The early drafts (02..06): SETTINGS_ENABLE_WEBTRANSPORT 0x2b603742 = 1, upgrade token "webtransport". Chromium sends this.</summary>
    Draft02,

    /// <summary>Draft 07: SETTINGS_WEBTRANSPORT_MAX_SESSIONS 0xc671706a above 0.</summary>
    Draft07,

    /// <summary>The current draft: SETTINGS_WT_ENABLED = 1, upgrade token "webtransport-h3".</summary>
    Current,
}

/// <summary>
/// The SETTINGS side of WebTransport (draft-ietf-webtrans-http3 §3.1): what we send, for the
/// current draft and for the older ones Chromium still speaks, and what the peer's SETTINGS allow.
/// </summary>
internal static class WebTransportNegotiation
{
    /// <summary>The current draft's upgrade token (§3.2).</summary>
    public const string ProtocolCurrent = "webtransport-h3";

    /// <summary>The earlier drafts' upgrade token.</summary>
    public const string ProtocolDraft = "webtransport";

    /// <summary>
    /// The default session data window (16 MiB, the most a QUIC stream window of ours grows to): about 1.3 Gbit/s per
    /// session at 100 ms of round trip. On loopback the session credit costs a bulk upload 10–25 % against flow
    /// control off, whatever the window from 256 KiB to 32 MiB (WebTransportStreamMeasurement).
    /// </summary>
    public const long DefaultSessionDataWindow = 16L << 20;

    /// <summary>Adds the WebTransport settings of <paramref name="limits"/> to ours.</summary>
    public static void AddLocalSettings(Http3Settings settings, WebTransportLimits limits, bool isClient)
    {
        // RFC 9297 §2.1.1 (and the pre-RFC code point older clients look for): HTTP Datagrams.
        settings.H3Datagram = true;
        settings.H3DatagramDraft04 = true;
        // §3.1: WT_ENABLED; draft versions of clients send it too, to name their draft.
        settings.WebTransportEnabled = true;
        settings.EnableWebTransportDraft02 = true;
        // §5.5: enabling flow control is what allows several sessions per connection (§5.2).
        if (limits.FlowControl)
        {
            settings.WebTransportInitialMaxStreamsBidi = (ulong)limits.MaxStreamsPerSession;
            settings.WebTransportInitialMaxStreamsUni = (ulong)limits.MaxStreamsPerSession;
            settings.WebTransportInitialMaxData = (ulong)limits.SessionDataWindow;
        }
        if (!isClient)
        {
            // RFC 9220 §3: extended CONNECT is the server's to enable.
            settings.EnableConnectProtocol = true;
            settings.WebTransportMaxSessionsDraft07 = (ulong)limits.MaxSessions;
            settings.WebTransportMaxSessions = (ulong)limits.MaxSessions;
        }
    }

    /// <summary>The newest draft the peer's SETTINGS show support for.</summary>
    public static WebTransportVariant GetVariant(Http3Settings peer)
    {
        if (peer.WebTransportEnabled)
        {
            return WebTransportVariant.Current;
        }

        if (peer.WebTransportMaxSessionsDraft07 is > 0)
        {
            return WebTransportVariant.Draft07;
        }

        return peer.EnableWebTransportDraft02 ? WebTransportVariant.Draft02 : WebTransportVariant.None;
    }

    /// <summary>Whether the peer sent SETTINGS_H3_DATAGRAM = 1 under either code point (RFC 9297 §2.1.1).</summary>
    public static bool PeerSupportsDatagrams(Http3Settings peer) => peer.H3Datagram || peer.H3DatagramDraft04;

    /// <summary>Whether a server's SETTINGS allow a client to open sessions (§3.1): extended CONNECT, HTTP Datagrams, some WebTransport variant.</summary>
    public static bool ServerAllowsSessions(Http3Settings server) =>
        server.EnableConnectProtocol && PeerSupportsDatagrams(server) && GetVariant(server) != WebTransportVariant.None;

    /// <summary>
    /// §3.1: the current draft needs the peer's max_datagram_frame_size above 0 and its reset_stream_at transport
    /// parameter (the earlier drafts Chromium speaks needed neither RESET_STREAM_AT nor, to open a session, datagrams).
    /// </summary>
    public static bool MeetsTransportRequirements(QuicConnection quic) => quic.PeerSupportsResetStreamAt && quic.MaxDatagramSize > 0;

    /// <summary>Whether the peer enabled stream flow control (§5.5: a non-zero initial limit).</summary>
    public static bool PeerEnablesFlowControl(Http3Settings peer) =>
        peer.WebTransportInitialMaxStreamsBidi != 0 || peer.WebTransportInitialMaxStreamsUni != 0 || peer.WebTransportInitialMaxData != 0;

    /// <summary>Whether <paramref name="protocol"/> (the :protocol pseudo-header) asks for WebTransport.</summary>
    public static bool IsWebTransportProtocol(string? protocol) => protocol is ProtocolCurrent or ProtocolDraft;
}
