namespace SharpQuic;

/// <summary>Why a QUIC operation failed; the same values and meanings as System.Net.Quic.QuicError.</summary>
public enum QuicError
{
    /// <summary>An internal implementation error.</summary>
    InternalError,

    /// <summary>The connection was aborted by the peer with an application error code.</summary>
    ConnectionAborted,

    /// <summary>The stream was aborted by the peer with an application error code.</summary>
    StreamAborted,

    /// <summary>The connection timed out waiting for the peer.</summary>
    ConnectionTimeout = 6,

    /// <summary>The server refused the connection.</summary>
    ConnectionRefused = 8,

    /// <summary>No QUIC version both sides support.</summary>
    VersionNegotiationError,

    /// <summary>The connection was closed because it was idle for too long.</summary>
    ConnectionIdle,

    /// <summary>The operation was aborted locally (the connection or stream was disposed or closed).</summary>
    OperationAborted,

    /// <summary>Another listener already uses the application protocol on this port.</summary>
    AlpnInUse,

    /// <summary>The connection was closed with a QUIC transport error; see <see cref="QuicException.TransportErrorCode"/>.</summary>
    TransportError,

    /// <summary>A user callback (options or certificate) threw.</summary>
    CallbackError,
}
