namespace SharpQuic.Http3.Wire;

/// <summary>Capsule types (RFC 9297 §3.5; draft-ietf-webtrans-http3 §5.6, §6, §9.6).</summary>
internal enum CapsuleType : ulong
{
    /// <summary>DATAGRAM: an HTTP Datagram payload carried on the stream (RFC 9297 §3.5).</summary>
    Datagram = 0x00,

    /// <summary>WT_CLOSE_SESSION: 32-bit application error code and a UTF-8 message of at most 1024 bytes.</summary>
    WebTransportCloseSession = 0x2843,

    /// <summary>WT_DRAIN_SESSION: empty; asks the peer to wind the session down.</summary>
    WebTransportDrainSession = 0x78ae,

    /// <summary>WT_MAX_DATA: session-level data limit.</summary>
    WebTransportMaxData = 0x190B4D3D,

    /// <summary>WT_MAX_STREAMS for bidirectional streams.</summary>
    WebTransportMaxStreamsBidi = 0x190B4D3F,

    /// <summary>WT_MAX_STREAMS for unidirectional streams.</summary>
    WebTransportMaxStreamsUni = 0x190B4D40,

    /// <summary>WT_MAX_STREAM_DATA (WebTransport over HTTP/2 only): prohibited over HTTP/3.</summary>
    WebTransportMaxStreamData = 0x190B4D3E,

    /// <summary>WT_DATA_BLOCKED: the session-level limit at which the sender blocked.</summary>
    WebTransportDataBlocked = 0x190B4D41,

    /// <summary>WT_STREAM_DATA_BLOCKED (WebTransport over HTTP/2 only): prohibited over HTTP/3.</summary>
    WebTransportStreamDataBlocked = 0x190B4D42,

    /// <summary>WT_STREAMS_BLOCKED for bidirectional streams.</summary>
    WebTransportStreamsBlockedBidi = 0x190B4D43,

    /// <summary>WT_STREAMS_BLOCKED for unidirectional streams.</summary>
    WebTransportStreamsBlockedUni = 0x190B4D44,
}
