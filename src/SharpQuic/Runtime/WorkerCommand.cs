namespace SharpQuic.Runtime;

/// <summary>What an application thread asks a worker to do.</summary>
internal enum WorkerCommandKind : byte
{
    /// <summary>Start a client connection (Target: the QuicConnection).</summary>
    Connect,

    /// <summary>Server: the ConnectionOptionsCallback chose options (Target: the QuicConnection; Extra: the options or the exception).</summary>
    ServerOptionsChosen,

    /// <summary>Open a stream (Target: the QuicConnection; Extra: the pending open).</summary>
    OpenStream,

    /// <summary>Close the connection with an application error code (Target: the QuicConnection; Value: the code).</summary>
    Close,

    /// <summary>Fill the stream's pending read (Target: the QuicStream; Buffer: the caller's memory).</summary>
    Read,

    /// <summary>Write the caller's bytes (Target: the QuicStream; Buffer: the bytes; Flag: FIN after them).</summary>
    Write,

    /// <summary>FIN (Target: the QuicStream).</summary>
    CompleteWrites,

    /// <summary>STOP_SENDING / RESET_STREAM (Target: the QuicStream; Value: code; Direction in Flag bits).</summary>
    Abort,

    /// <summary>RESET_STREAM_AT (Target: the QuicStream; Value: code; Extra: the boxed reliable size).</summary>
    AbortWriteAt,

    /// <summary>RFC 9218 sending priority (Target: the QuicStream; Value: urgency 0..7; Flags: 1 when incremental).</summary>
    SetStreamPriority,

    /// <summary>The application disposed a stream (Target: the QuicStream).</summary>
    DisposeStream,

    /// <summary>A datagram that reached another worker's socket (Extra: the ForwardedDatagram).</summary>
    Datagram,

    /// <summary>Read the connection's statistics (Target: the QuicConnection; Extra: the TaskCompletionSource).</summary>
    Statistics,

    /// <summary>Queue an application datagram, RFC 9221 (Target: the QuicConnection; Buffer: the bytes; Extra: the pending send's source).</summary>
    SendDatagram,

    /// <summary>Fill the pending ReceiveDatagramAsync (Target: the QuicConnection; Buffer: the caller's memory).</summary>
    ReceiveDatagram,

    /// <summary>Client migration (Target: the QuicConnection; Extra: the MigrationRequest).</summary>
    Migrate,

    /// <summary>Stop accepting (listener disposed); the worker ends once its connections are gone.</summary>
    Stop,
}

/// <summary>One command: a small struct copied into the worker's queue (no allocation once the queue has grown).</summary>
internal readonly record struct WorkerCommand(
    WorkerCommandKind Kind,
    object? Target,
    Memory<byte> Buffer = default,
    long Value = 0,
    int Flags = 0,
    object? Extra = null);
