namespace SharpQuic.Http3.Wire;

/// <summary>
/// HTTP/3 application error codes (RFC 9114 §8.1), QPACK codes (RFC 9204 §6), H3_DATAGRAM_ERROR
/// (RFC 9297 §2.1) and the WebTransport codes of draft-ietf-webtrans-http3. These share the
/// QUIC application error space and are distinct from QUIC transport errors.
/// </summary>
public enum Http3ErrorCode : ulong
{
    /// <summary>No error; used when closing without a problem.</summary>
    NoError = 0x100,

    /// <summary>Peer violated the protocol in a way no more specific code covers.</summary>
    GeneralProtocolError = 0x101,

    /// <summary>An internal error in the HTTP stack.</summary>
    InternalError = 0x102,

    /// <summary>The peer created a stream that will not be accepted.</summary>
    StreamCreationError = 0x103,

    /// <summary>A stream required by the connection was closed or reset.</summary>
    ClosedCriticalStream = 0x104,

    /// <summary>A frame was received that is not permitted in the current state or on this stream.</summary>
    FrameUnexpected = 0x105,

    /// <summary>A frame violated layout or size rules.</summary>
    FrameError = 0x106,

    /// <summary>The peer is generating excessive load.</summary>
    ExcessiveLoad = 0x107,

    /// <summary>A stream or push ID was used incorrectly.</summary>
    IdError = 0x108,

    /// <summary>An error in the payload of a SETTINGS frame.</summary>
    SettingsError = 0x109,

    /// <summary>No SETTINGS frame at the start of the control stream.</summary>
    MissingSettings = 0x10a,

    /// <summary>A server rejected a request without any application processing.</summary>
    RequestRejected = 0x10b,

    /// <summary>The request or its response (including pushed response) is cancelled.</summary>
    RequestCancelled = 0x10c,

    /// <summary>The client's stream terminated without containing a fully formed request.</summary>
    RequestIncomplete = 0x10d,

    /// <summary>An HTTP message was malformed and cannot be processed.</summary>
    MessageError = 0x10e,

    /// <summary>The TCP connection established in response to a CONNECT request was reset or closed.</summary>
    ConnectError = 0x10f,

    /// <summary>The requested operation cannot be served over HTTP/3; retry over HTTP/1.1.</summary>
    VersionFallback = 0x110,

    /// <summary>QPACK: the decoder failed to interpret an encoded field section (RFC 9204 §6).</summary>
    QPackDecompressionFailed = 0x200,

    /// <summary>QPACK: the decoder failed to interpret an encoder instruction (RFC 9204 §6).</summary>
    QPackEncoderStreamError = 0x201,

    /// <summary>QPACK: the encoder failed to interpret a decoder instruction (RFC 9204 §6).</summary>
    QPackDecoderStreamError = 0x202,

    /// <summary>An HTTP Datagram error (RFC 9297 §2.1).</summary>
    DatagramError = 0x33,

    /// <summary>WebTransport: a data stream was rejected for lack of an associated session.</summary>
    WebTransportBufferedStreamRejected = 0x3994bd84,

    /// <summary>WebTransport: a data stream was aborted because its session has closed.</summary>
    WebTransportSessionGone = 0x170d7b68,

    /// <summary>WebTransport: a session was aborted because of a flow-control error.</summary>
    WebTransportFlowControlError = 0x045d4487,

    /// <summary>WebTransport: a session was aborted because application protocol negotiation failed.</summary>
    WebTransportAlpnError = 0x0817b3dd,

    /// <summary>WebTransport: the connection lacks a setting or transport parameter WebTransport requires.</summary>
    WebTransportRequirementsNotMet = 0x212c0d48,
}
