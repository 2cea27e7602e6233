namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// Every frame type this stack knows (RFC 9000 §12.4 Table 3, §19; RFC 9221 §4). Types that
/// carry flag bits in their low bits (ACK, STREAM, MAX_STREAMS, STREAMS_BLOCKED,
/// CONNECTION_CLOSE, DATAGRAM) have one member per wire value.
/// </summary>
public enum FrameType : ulong
{
    /// <summary>PADDING (RFC 9000 §19.1).</summary>
    Padding = 0x00,

    /// <summary>PING (RFC 9000 §19.2).</summary>
    Ping = 0x01,

    /// <summary>ACK without ECN counts (RFC 9000 §19.3).</summary>
    Ack = 0x02,

    /// <summary>ACK with ECN counts (RFC 9000 §19.3).</summary>
    AckEcn = 0x03,

    /// <summary>RESET_STREAM (RFC 9000 §19.4).</summary>
    ResetStream = 0x04,

    /// <summary>STOP_SENDING (RFC 9000 §19.5).</summary>
    StopSending = 0x05,

    /// <summary>CRYPTO (RFC 9000 §19.6).</summary>
    Crypto = 0x06,

    /// <summary>NEW_TOKEN (RFC 9000 §19.7).</summary>
    NewToken = 0x07,

    /// <summary>STREAM with no flags (RFC 9000 §19.8). Also the base of 0x08–0x0f.</summary>
    Stream = 0x08,

    /// <summary>STREAM with FIN.</summary>
    StreamFin = 0x09,

    /// <summary>STREAM with LEN.</summary>
    StreamLen = 0x0a,

    /// <summary>STREAM with LEN and FIN.</summary>
    StreamLenFin = 0x0b,

    /// <summary>STREAM with OFF.</summary>
    StreamOff = 0x0c,

    /// <summary>STREAM with OFF and FIN.</summary>
    StreamOffFin = 0x0d,

    /// <summary>STREAM with OFF and LEN.</summary>
    StreamOffLen = 0x0e,

    /// <summary>STREAM with OFF, LEN and FIN.</summary>
    StreamOffLenFin = 0x0f,

    /// <summary>MAX_DATA (RFC 9000 §19.9).</summary>
    MaxData = 0x10,

    /// <summary>MAX_STREAM_DATA (RFC 9000 §19.10).</summary>
    MaxStreamData = 0x11,

    /// <summary>MAX_STREAMS for bidirectional streams (RFC 9000 §19.11).</summary>
    MaxStreamsBidi = 0x12,

    /// <summary>MAX_STREAMS for unidirectional streams (RFC 9000 §19.11).</summary>
    MaxStreamsUni = 0x13,

    /// <summary>DATA_BLOCKED (RFC 9000 §19.12).</summary>
    DataBlocked = 0x14,

    /// <summary>STREAM_DATA_BLOCKED (RFC 9000 §19.13).</summary>
    StreamDataBlocked = 0x15,

    /// <summary>STREAMS_BLOCKED for bidirectional streams (RFC 9000 §19.14).</summary>
    StreamsBlockedBidi = 0x16,

    /// <summary>STREAMS_BLOCKED for unidirectional streams (RFC 9000 §19.14).</summary>
    StreamsBlockedUni = 0x17,

    /// <summary>NEW_CONNECTION_ID (RFC 9000 §19.15).</summary>
    NewConnectionId = 0x18,

    /// <summary>RETIRE_CONNECTION_ID (RFC 9000 §19.16).</summary>
    RetireConnectionId = 0x19,

    /// <summary>PATH_CHALLENGE (RFC 9000 §19.17).</summary>
    PathChallenge = 0x1a,

    /// <summary>PATH_RESPONSE (RFC 9000 §19.18).</summary>
    PathResponse = 0x1b,

    /// <summary>CONNECTION_CLOSE signalling a QUIC transport error (RFC 9000 §19.19).</summary>
    ConnectionClose = 0x1c,

    /// <summary>CONNECTION_CLOSE signalling an application error (RFC 9000 §19.19).</summary>
    ConnectionCloseApplication = 0x1d,

    /// <summary>HANDSHAKE_DONE (RFC 9000 §19.20).</summary>
    HandshakeDone = 0x1e,

    /// <summary>RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset §4): a reset that still delivers a prefix.</summary>
    ResetStreamAt = 0x24,

    /// <summary>DATAGRAM without a Length field: data runs to the end of the packet (RFC 9221 §4).</summary>
    Datagram = 0x30,

    /// <summary>DATAGRAM with a Length field (RFC 9221 §4).</summary>
    DatagramLen = 0x31,
}

/// <summary>Flag bits in the low bits of a STREAM frame type (RFC 9000 §19.8).</summary>
internal static class StreamFrameBits
{
    /// <summary>An Offset field is present.</summary>
    public const ulong Off = 0x04;

    /// <summary>A Length field is present.</summary>
    public const ulong Len = 0x02;

    /// <summary>The frame ends the stream.</summary>
    public const ulong Fin = 0x01;
}
