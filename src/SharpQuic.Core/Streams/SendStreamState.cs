namespace SharpQuic.Core.Streams;

/// <summary>States of the sending part of a stream (RFC 9000 §3.1, Figure 2).</summary>
public enum SendStreamState
{
    /// <summary>Opened; nothing sent yet (the application may be buffering data).</summary>
    Ready,

    /// <summary>Data being sent.</summary>
    Send,

    /// <summary>Every byte and the FIN were sent; waiting for acknowledgments.</summary>
    DataSent,

    /// <summary>Everything acknowledged (terminal).</summary>
    DataRecvd,

    /// <summary>Abandoned: RESET_STREAM sent, not yet acknowledged.</summary>
    ResetSent,

    /// <summary>RESET_STREAM acknowledged (terminal).</summary>
    ResetRecvd,
}

/// <summary>States of the receiving part of a stream (RFC 9000 §3.2, Figure 3).</summary>
public enum ReceiveStreamState
{
    /// <summary>Receiving data; the final size is not known.</summary>
    Recv,

    /// <summary>The FIN arrived: the final size is known, some data may be missing.</summary>
    SizeKnown,

    /// <summary>Every byte up to the final size arrived.</summary>
    DataRecvd,

    /// <summary>The application read everything and the end (terminal).</summary>
    DataRead,

    /// <summary>RESET_STREAM arrived; the application has not been told.</summary>
    ResetRecvd,

    /// <summary>The application learned of the reset (terminal).</summary>
    ResetRead,
}
