namespace SharpQuic.Core;

/// <summary>QUIC transport error codes (RFC 9000 §20.1).</summary>
public enum TransportErrorCode : ulong
{
    NoError = 0x00,
    InternalError = 0x01,
    ConnectionRefused = 0x02,
    FlowControlError = 0x03,
    StreamLimitError = 0x04,
    StreamStateError = 0x05,
    FinalSizeError = 0x06,
    FrameEncodingError = 0x07,
    TransportParameterError = 0x08,
    ConnectionIdLimitError = 0x09,
    ProtocolViolation = 0x0a,
    InvalidToken = 0x0b,
    ApplicationError = 0x0c,
    CryptoBufferExceeded = 0x0d,
    KeyUpdateError = 0x0e,
    AeadLimitReached = 0x0f,
    NoViablePath = 0x10,

    /// <summary>VERSION_NEGOTIATION_ERROR (RFC 9368 §4, §10.2): a downgrade or an inconsistent version_information.</summary>
    VersionNegotiationError = 0x11,

    /// <summary>CRYPTO_ERROR range start: 0x0100 + the TLS alert (RFC 9001 §4.8).</summary>
    CryptoErrorBase = 0x0100,
}
