using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// A WebTransport failure: a stream reset by the peer (with the application's 32-bit code when the
/// HTTP/3 code falls in the WT_APPLICATION_ERROR range, draft-ietf-webtrans-http3 §4.4), the
/// session gone (WT_SESSION_GONE), or a session that could not be established.
/// </summary>
public sealed class WebTransportException : IOException
{
    /// <summary>Creates the exception.</summary>
    public WebTransportException(string message, long? http3ErrorCode = null, int? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Http3ErrorCode = http3ErrorCode;
        StatusCode = statusCode;
        if (http3ErrorCode is long code && code >= 0 && WebTransportErrorCodes.TryFromHttp3((ulong)code, out uint application))
        {
            ApplicationErrorCode = application;
        }
    }

    /// <summary>The HTTP/3 error code of the reset or close, when there was one.</summary>
    public long? Http3ErrorCode { get; }

    /// <summary>The application's error code carried by <see cref="Http3ErrorCode"/>, when it is a WT_APPLICATION_ERROR code.</summary>
    public uint? ApplicationErrorCode { get; }

    /// <summary>The response status of a refused session, when the server answered.</summary>
    public int? StatusCode { get; }

    /// <summary>Whether the stream ended because its session closed (WT_SESSION_GONE, §6).</summary>
    public bool IsSessionGone => Http3ErrorCode == (long)Wire.Http3ErrorCode.WebTransportSessionGone;
}

/// <summary>How a WebTransport session ended (draft-ietf-webtrans-http3 §6).</summary>
/// <param name="ErrorCode">The application's code from WT_CLOSE_SESSION (0 for a clean FIN without it).</param>
/// <param name="Reason">The UTF-8 message from WT_CLOSE_SESSION, or a description of how it ended otherwise.</param>
/// <param name="Abrupt">True when the CONNECT stream was reset or the connection was lost, rather than closed.</param>
public readonly record struct WebTransportCloseInfo(uint ErrorCode, string Reason, bool Abrupt = false);
