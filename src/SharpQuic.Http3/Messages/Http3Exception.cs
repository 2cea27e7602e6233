using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// An HTTP/3 failure: the peer reset a stream or closed the connection with an HTTP/3 error code,
/// or a message broke RFC 9114's rules. <see cref="ErrorCode"/> is the code on the wire.
/// </summary>
public sealed class Http3Exception : IOException
{
    /// <summary>Creates the exception for an HTTP/3 error code.</summary>
    public Http3Exception(Http3ErrorCode errorCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The HTTP/3 (or QPACK, or WebTransport) error code.</summary>
    public Http3ErrorCode ErrorCode { get; }
}
