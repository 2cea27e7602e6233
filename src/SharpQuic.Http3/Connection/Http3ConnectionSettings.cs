namespace SharpQuic.Http3;

/// <summary>What we advertise in SETTINGS (RFC 9114 §7.2.4.1, RFC 9204 §5) and the local limits behind it.</summary>
internal sealed record Http3ConnectionSettings
{
    /// <summary>SETTINGS_QPACK_MAX_TABLE_CAPACITY: the dynamic table our decoder allows.</summary>
    public long QPackMaxTableCapacity { get; init; } = 16 * 1024;

    /// <summary>SETTINGS_QPACK_BLOCKED_STREAMS.</summary>
    public int QPackBlockedStreams { get; init; } = 100;

    /// <summary>SETTINGS_MAX_FIELD_SECTION_SIZE: the largest header section we accept (RFC 9114 §4.2.2).</summary>
    public int MaxFieldSectionSize { get; init; } = 64 * 1024;

    /// <summary>The dynamic table our encoder uses at most (bounded by the peer's maximum).</summary>
    public long EncoderTableCapacity { get; init; } = 16 * 1024;

    /// <summary>SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 9220).</summary>
    public bool EnableConnectProtocol { get; init; }

    /// <summary>SETTINGS_H3_DATAGRAM (RFC 9297).</summary>
    public bool H3Datagram { get; init; }

    /// <summary>WebTransport over HTTP/3 (draft-ietf-webtrans-http3) and its limits; null: not offered.
    /// When set, the connection also sends SETTINGS_H3_DATAGRAM and accepts WebTransport streams.</summary>
    public WebTransportLimits? WebTransport { get; init; }

    /// <summary>Whether to send a GREASE setting and a GREASE frame (RFC 9114 §7.2.4.1, §9).</summary>
    public bool Grease { get; init; } = true;
}
