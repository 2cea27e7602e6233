namespace SharpQuic;

/// <summary>The exception that QUIC operations throw, shaped like System.Net.Quic.QuicException.</summary>
public sealed class QuicException : IOException
{
    /// <summary>Creates a QUIC exception.</summary>
    public QuicException(QuicError error, long? applicationErrorCode, string message)
        : this(error, applicationErrorCode, transportErrorCode: null, message, innerException: null)
    {
    }

    /// <summary>Creates a QUIC exception with every detail.</summary>
    public QuicException(QuicError error, long? applicationErrorCode, long? transportErrorCode, string message, Exception? innerException)
        : base(message, innerException)
    {
        QuicError = error;
        ApplicationErrorCode = applicationErrorCode;
        TransportErrorCode = transportErrorCode;
    }

    /// <summary>What went wrong.</summary>
    public QuicError QuicError { get; }

    /// <summary>The application error code the peer sent, for <see cref="QuicError.ConnectionAborted"/> and <see cref="QuicError.StreamAborted"/>.</summary>
    public long? ApplicationErrorCode { get; }

    /// <summary>The transport error code (RFC 9000 §20.1), for <see cref="QuicError.TransportError"/>.</summary>
    public long? TransportErrorCode { get; }
}
