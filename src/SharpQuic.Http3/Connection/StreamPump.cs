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
    private readonly ArrayBufferWriter<byte> _pending = new(256);
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
                byte[] chunk;
                lock (_lock)
                {
                    if (_pending.WrittenCount == 0)
                    {
                        _running = false;
                        return;
                    }

                    chunk = _pending.WrittenSpan.ToArray();
                    _pending.ResetWrittenCount();
                }

                await stream.WriteAsync(chunk).ConfigureAwait(false);
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
