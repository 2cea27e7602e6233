namespace SharpQuic;

/// <summary>The direction of a stream (System.Net.Quic's QuicStreamType).</summary>
public enum QuicStreamType
{
    /// <summary>Data flows from the opener only (RFC 9000 §2.1).</summary>
    Unidirectional,

    /// <summary>Data flows both ways.</summary>
    Bidirectional,
}

/// <summary>Which side of a stream <see cref="QuicStream.Abort"/> ends (System.Net.Quic's QuicAbortDirection).</summary>
[Flags]
public enum QuicAbortDirection
{
    /// <summary>Stop reading: STOP_SENDING (RFC 9000 §19.5).</summary>
    Read = 1,

    /// <summary>Stop writing: RESET_STREAM (RFC 9000 §19.4).</summary>
    Write = 2,

    /// <summary>Both.</summary>
    Both = Read | Write,
}

/// <summary>Congestion controllers (beyond System.Net.Quic).</summary>
public enum QuicCongestionControl
{
    /// <summary>CUBIC (RFC 9438) with HyStart++ slow-start exit (RFC 9406): the default.</summary>
    Cubic,

    /// <summary>NewReno (RFC 9002 §7).</summary>
    NewReno,
}
