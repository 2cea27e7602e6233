namespace SharpQuic.Http3.Wire;

/// <summary>
/// Unidirectional stream types (RFC 9114 §6.2, RFC 9204 §4.2, draft-ietf-webtrans-http3 §4.2).
/// Types of form <c>0x1f * N + 0x21</c> are GREASE (<see cref="Http3Grease"/>); other unknown types
/// are aborted or ignored by the receiver (RFC 9114 §6.2).
/// </summary>
internal enum Http3StreamType : ulong
{
    Control = 0x00,
    Push = 0x01,
    QPackEncoder = 0x02,
    QPackDecoder = 0x03,

    /// <summary>A WebTransport unidirectional stream; the session ID follows the type.</summary>
    WebTransport = 0x54,
}

/// <summary>What a stream carries, which decides the frames allowed on it (RFC 9114 §7.2).</summary>
internal enum Http3StreamKind
{
    /// <summary>The peer's control stream.</summary>
    Control,

    /// <summary>A bidirectional stream: a request stream, or a WebTransport stream once signalled.</summary>
    Request,

    /// <summary>A push stream (server to client; after its push ID).</summary>
    Push,
}
