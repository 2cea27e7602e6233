using SharpQuic.Core.Qlog;
using SharpQuic.Core.Streams;

namespace SharpQuic.Core.Connection;

/// <summary>The application's stream commands; the state lives in <see cref="StreamManager"/>.</summary>
internal sealed partial class QuicConnection
{
    /// <summary>
    /// Opens a stream of ours; false before the handshake completes (unless 0-RTT keys are ready: the remembered limits
    /// apply, RFC 9000 §7.4.1) or at the peer's stream limit.
    /// </summary>
    public bool TryOpenStream(bool bidirectional, out StreamId id)
    {
        id = default;
        if ((!_handshakeComplete && !CanSendEarlyData) || State != ConnectionState.Open)
        {
            return false;
        }

        bool opened = _streams.TryOpenStream(bidirectional ? StreamDirection.Bidirectional : StreamDirection.Unidirectional, out id);
        if (opened && _tracer is not null)
        {
            TraceStreamOpened(id, QlogTrigger.Local);
        }

        return opened;
    }

    /// <summary>Buffers stream data (and FIN); returns the bytes accepted (fewer when the send buffer is full).</summary>
    public int Write(StreamId id, ReadOnlySpan<byte> data, bool fin = false) =>
        State == ConnectionState.Open ? _streams.Write(id, data, fin) : 0;

    /// <summary>
    /// Sets a stream's sending priority (RFC 9218 §4: urgency 0..7, lower first; incremental streams of one urgency
    /// share bandwidth, the others go one at a time in stream-ID order). False when the stream is not held.
    /// </summary>
    public bool SetStreamPriority(StreamId id, byte urgency, bool incremental) => _streams.SetPriority(id, urgency, incremental);

    /// <summary>Reads received stream data in order.</summary>
    public StreamReadResult Read(StreamId id, Span<byte> destination, Instant now)
    {
        // Only the read that reaches the end is logged, not every later read that finds it again.
        bool wasReading = _tracer is not null && _streams.TryGetReceiveState(id, out ReceiveStreamState before) && before is not (ReceiveStreamState.DataRead or ReceiveStreamState.ResetRead);
        StreamReadResult result = _streams.Read(id, destination, now);
        if (wasReading && result.Status == StreamReadStatus.Finished)
        {
            // RFC 9000 §3.2 "Data Read": the receiving part is done.
            _tracer?.StreamStateUpdated(id.Value, sendingSide: false, QlogStreamState.Closed, QlogTrigger.None);
        }

        return result;
    }

    /// <summary>Abandons sending with RESET_STREAM (RFC 9000 §19.4).</summary>
    public void ResetStream(StreamId id, ulong errorCode)
    {
        _streams.AbortWrite(id, errorCode);
        _tracer?.StreamStateUpdated(id.Value, sendingSide: true, QlogStreamState.Closed, QlogTrigger.Local);
    }

    /// <summary>
    /// Abandons sending with RESET_STREAM_AT (draft-ietf-quic-reliable-stream-reset) so the first
    /// <paramref name="reliableSize"/> bytes still reach the peer; RESET_STREAM when the peer does not accept it.
    /// </summary>
    public void ResetStream(StreamId id, ulong errorCode, ulong reliableSize)
    {
        _streams.AbortWrite(id, errorCode, reliableSize);
        _tracer?.StreamStateUpdated(id.Value, sendingSide: true, QlogStreamState.Closed, QlogTrigger.Local);
    }

    /// <summary>Whether the peer's transport parameters carried reset_stream_at (false before they are known).</summary>
    public bool PeerAcceptsResetStreamAt => _streams.PeerAcceptsResetStreamAt;

    /// <summary>Asks the peer to stop sending with STOP_SENDING (RFC 9000 §19.5).</summary>
    public void StopSending(StreamId id, ulong errorCode, Instant now)
    {
        _streams.AbortRead(id, errorCode, now);
        _tracer?.StreamStateUpdated(id.Value, sendingSide: false, QlogStreamState.Closed, QlogTrigger.Local);
    }
}
