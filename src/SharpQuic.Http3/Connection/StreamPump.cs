using System.Buffers;

namespace SharpQuic.Http3;

/// <summary>
/// The single writer of a unidirectional stream that several tasks feed (the QPACK encoder and
/// decoder streams, RFC 9204 §4.2): bytes are appended under a lock and one task at a time writes
/// them, in order. Appending never waits.
/// </summary>
internal sealed class StreamPump(QuicStream stream, Action<Exception> onFailure)
{
    private readonly Lock _lock = new();
    private ArrayBufferWriter<byte> _pending = new(256);
    private ArrayBufferWriter<byte> _writing = new(256); // owned by the running writer between swaps
    private bool _running;

    /// <summary>Appends bytes and starts the writer if it is idle.</summary>
    public void Enqueue(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            _pending.Write(bytes);
            if (_running)
            {
                return;
            }

            _running = true;
        }

        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                lock (_lock)
                {
                    if (_pending.WrittenCount == 0)
                    {
                        _running = false;
                        return;
                    }

                    // Double buffering: producers append to the other buffer while this one is written.
                    (_pending, _writing) = (_writing, _pending);
                }

                // QuicStream.WriteAsync has copied the bytes when it completes, so the buffer is free again.
                await stream.WriteAsync(_writing.WrittenMemory).ConfigureAwait(false);
                _writing.ResetWrittenCount();
            }
        }
        catch (Exception ex) when (ex is QuicException or ObjectDisposedException or InvalidOperationException)
        {
            lock (_lock)
            {
                _running = false;
            }

            onFailure(ex);
        }
    }
}
