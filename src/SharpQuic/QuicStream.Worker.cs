using SharpQuic.Core;
using SharpQuic.Core.Streams;
using CoreConnection = SharpQuic.Core.Connection.QuicConnection;

namespace SharpQuic;

/// <summary>The worker thread's side of a stream: pending read and write, completed from events. Worker thread only.</summary>
public sealed partial class QuicStream
{
    private Memory<byte> _readBuffer;
    private bool _readPending;
    private ReadOnlyMemory<byte> _writeData;
    private bool _writeFin;
    private bool _writePending;
    private bool _finishAfterWrite;
    private byte[]? _tail;
    private int _tailOffset;
    private int _tailLength;

    internal void BeginRead(Memory<byte> buffer)
    {
        _readBuffer = buffer;
        _readPending = true;
    }

    /// <summary>Fills the pending read from the connection's receive buffer, if there is anything to give.</summary>
    internal void ServeRead(CoreConnection core, Instant now)
    {
        if (!_readPending)
        {
            return;
        }

        // Reserved: a cancellation cannot complete the read while bytes are copied into the caller's buffer, so no
        // byte taken out of the connection is lost.
        if (!_readSource.TryReserve())
        {
            EndPendingRead();
            return;
        }

        StreamReadResult r = core.Read(StreamId, _readBuffer.Span, now);
        ServeRead(r);
    }

    /// <summary>
    /// The connection closed after the peer sent this stream completely: keep the unread bytes so the application
    /// still reads them (nothing accepted is lost), bounded by the stream's flow-control window.
    /// </summary>
    internal bool TryKeepUnreadData(CoreConnection core, Instant now)
    {
        if (!CanReadStream || _readEnded || !core.Streams.TryGetReceiveState(StreamId, out ReceiveStreamState state) || state != ReceiveStreamState.DataRecvd)
        {
            return false;
        }

        byte[] tail = new byte[16 * 1024];
        int length = 0;
        while (true)
        {
            if (length == tail.Length)
            {
                Array.Resize(ref tail, tail.Length * 2);
            }

            StreamReadResult r = core.Read(StreamId, tail.AsSpan(length), now);
            length += r.BytesRead;
            if (r.Status == StreamReadStatus.Finished)
            {
                SetReadFinalSize((long)r.FinalSize);
                break;
            }

            if (r.Status != StreamReadStatus.Data)
            {
                return false;
            }
        }

        _tail = tail;
        _tailOffset = 0;
        _tailLength = length;
        return true;
    }

    /// <summary>Serves the pending read from the bytes kept after the connection closed.</summary>
    internal bool ServeReadFromTail()
    {
        if (_tail is null)
        {
            return false;
        }

        if (!_readPending)
        {
            return true;
        }

        if (!_readSource.TryReserve())
        {
            EndPendingRead();
            return true;
        }

        int n = Math.Min(_readBuffer.Length, _tailLength - _tailOffset);
        _tail.AsSpan(_tailOffset, n).CopyTo(_readBuffer.Span);
        _tailOffset += n;
        bool finished = _tailOffset == _tailLength;
        if (finished)
        {
            _tail = null;
        }

        ServeRead(new StreamReadResult(n, finished ? StreamReadStatus.Finished : StreamReadStatus.Data));
        return true;
    }

    private void ServeRead(StreamReadResult r)
    {
        switch (r.Status)
        {
            case StreamReadStatus.Data:
                EndPendingRead();
                _readSource.CompleteReserved(r.BytesRead);
                break;
            case StreamReadStatus.Finished:
                if (Interlocked.Read(ref _readFinalSize) < 0)
                {
                    SetReadFinalSize((long)r.FinalSize);
                }

                EndPendingRead();
                _readEnded = true;
                _readsClosed.TrySetResult();
                _readSource.CompleteReserved(r.BytesRead);
                break;
            case StreamReadStatus.WouldBlock:
                _readSource.Unreserve();
                if (!_readSource.IsPending)
                {
                    EndPendingRead();
                }

                break;
            case StreamReadStatus.Reset:
            {
                // RFC 9000 §3.2: the peer reset its sending part; the application sees its error code.
                var error = new QuicException(QuicError.StreamAborted, (long)r.ErrorCode, $"The peer aborted the stream with error code {r.ErrorCode}.");
                SetReadFinalSize((long)r.FinalSize);
                EndPendingRead();
                _readEnded = true;
                _readsClosed.TrySetException(error);
                _readSource.CompleteReservedWithException(error);
                break;
            }

            default:
            {
                var error = new QuicException(QuicError.OperationAborted, null, "Reading was aborted.");
                EndPendingRead();
                _readEnded = true;
                _readsClosed.TrySetException(error);
                _readSource.CompleteReservedWithException(error);
                break;
            }
        }
    }

    internal void BeginWrite(Memory<byte> data, bool fin)
    {
        _writeData = data;
        _writeFin = fin;
        _writePending = true;
    }

    /// <summary>Moves the pending write into the connection's send buffer, as far as it has room.</summary>
    internal void ServeWrite(CoreConnection core)
    {
        if (!_writePending)
        {
            return;
        }

        if (!_writeSource.IsPending)
        {
            // Cancelled: the application side aborts the write direction.
            EndPendingWrite();
            return;
        }

        int n = core.Write(StreamId, _writeData.Span, _writeFin);
        _bytesWritten += n; // worker thread only; read through Interlocked when published
        _writeData = _writeData[n..];
        if (_writeData.IsEmpty)
        {
            bool finSent = _writeFin;
            bool finishNow = _finishAfterWrite && !_writeFin;
            EndPendingWrite();
            if (finishNow)
            {
                core.Streams.FinishWrites(StreamId);
            }

            if (finSent || finishNow)
            {
                _writeEnded = true;
            }

            _writeSource.TrySetResult(0);
            return;
        }

        if (core.Streams.TryGetSendReset(StreamId, out ulong resetCode, out _))
        {
            // The peer's STOP_SENDING reset the stream before its event reached us: fail with its code, as that event would.
            EndPendingWrite();
            _writeSource.TrySetException(new QuicException(QuicError.StreamAborted, (long)resetCode, $"The peer stopped reading with error code {resetCode}."));
        }
        else if (!core.Streams.TryGetSendState(StreamId, out _))
        {
            EndPendingWrite();
            _writeSource.TrySetException(new QuicException(QuicError.StreamAborted, null, "Writing was aborted."));
        }

        // Otherwise the send buffer is full: a StreamWritable event brings us back.
    }

    internal void CompleteWritesOnWorker(CoreConnection core)
    {
        if (_writePending)
        {
            _finishAfterWrite = true;
            return;
        }

        core.Streams.FinishWrites(StreamId);
        _writeEnded = true;
    }

    internal void OnWritesFinished()
    {
        _writeEnded = true;
        Interlocked.Exchange(ref _writeFinalSize, Interlocked.Read(ref _bytesWritten));
        _writesClosed.TrySetResult();
    }

    internal void OnStopSending(CoreConnection core, long errorCode)
    {
        NoteResetFinalSize(core);
        // RFC 9000 §3.5: the peer no longer reads; the core answered with RESET_STREAM carrying its code.
        var error = new QuicException(QuicError.StreamAborted, errorCode, $"The peer stopped reading with error code {errorCode}.");
        _writeEnded = true;
        if (_writePending)
        {
            EndPendingWrite();
            _writeSource.TrySetException(error);
        }

        _writesClosed.TrySetException(error);
    }

    internal void AbortOnWorker(CoreConnection core, QuicAbortDirection direction, ulong errorCode, Instant now)
    {
        var error = new QuicException(QuicError.OperationAborted, null, "The stream was aborted by the application.");
        if ((direction & QuicAbortDirection.Read) != 0 && CanReadStream && !_readEnded)
        {
            NoteReadFinalSizeBeforeAbort(core);
            core.StopSending(StreamId, errorCode, now);
            _readEnded = true;
            FailRead(error);
        }

        if ((direction & QuicAbortDirection.Write) != 0 && CanWriteStream && !WritesClosed.IsCompleted)
        {
            core.ResetStream(StreamId, errorCode);
            NoteResetFinalSize(core);
            _writeEnded = true;
            FailWrite(error);
        }
    }

    internal void AbortWriteAtOnWorker(CoreConnection core, ulong errorCode, ulong reliableSize)
    {
        if (CanWriteStream && !WritesClosed.IsCompleted)
        {
            core.ResetStream(StreamId, errorCode, reliableSize);
            NoteResetFinalSize(core);
            _writeEnded = true;
            FailWrite(new QuicException(QuicError.OperationAborted, null, "The stream was aborted by the application."));
        }
    }

    /// <summary>The peer's final size became known (also after we stopped reading): <see cref="ReadFinalSize"/>.</summary>
    internal void SetReadFinalSize(long finalSize)
    {
        Interlocked.Exchange(ref _readFinalSize, finalSize);
        _readFinalSizeKnown.TrySetResult(finalSize);
    }

    /// <summary>Before STOP_SENDING: a final size the transport already knows (the FIN arrived) is published now.</summary>
    private void NoteReadFinalSizeBeforeAbort(CoreConnection core)
    {
        if (core.Streams.TryGetReceiveFinalSize(StreamId, out ulong finalSize))
        {
            SetReadFinalSize((long)finalSize);
        }
    }

    /// <summary>A reset fixed our final size (bytes sent so far, or the RESET_STREAM_AT's): published for <see cref="WriteFinalSize"/>.</summary>
    private void NoteResetFinalSize(CoreConnection core)
    {
        if (core.Streams.TryGetSendReset(StreamId, out _, out ulong finalSize))
        {
            Interlocked.Exchange(ref _writeFinalSize, (long)finalSize);
        }
    }

    internal void SetPriorityOnWorker(CoreConnection core, byte urgency, bool incremental) =>
        // False when the stream is already released: nothing is left to schedule.
        _ = core.SetStreamPriority(StreamId, urgency, incremental);

    internal void DisposeOnWorker(CoreConnection core, Instant now)
    {
        if (CanReadStream && !_readEnded)
        {
            NoteReadFinalSizeBeforeAbort(core);
            core.StopSending(StreamId, (ulong)_connection.DefaultStreamErrorCode, now);
            _readEnded = true;
            FailRead(new QuicException(QuicError.OperationAborted, null, "The stream was disposed."));
        }

        if (CanWriteStream && !_writeEnded)
        {
            if (_writePending)
            {
                EndPendingWrite();
                _writeSource.TrySetException(new QuicException(QuicError.OperationAborted, null, "The stream was disposed."));
            }

            core.Streams.FinishWrites(StreamId);
            _writeEnded = true;
        }
    }

    /// <summary>The connection no longer holds the stream: both directions are over.</summary>
    internal void OnReleased()
    {
        _readsClosed.TrySetResult();
        _writesClosed.TrySetResult();
        _readFinalSizeKnown.TrySetResult(ReadFinalSize);
    }

    /// <summary>Fails whatever is pending (the connection closed, or its worker stopped); bytes kept after the close stay readable.</summary>
    internal void FailPending(QuicException error)
    {
        _readFinalSizeKnown.TrySetResult(ReadFinalSize);
        _writeEnded = true;
        FailWrite(error);
        if (_tail is null)
        {
            _readEnded = true;
            FailRead(error);
        }
    }

    private void FailRead(QuicException error)
    {
        EndPendingRead();
        _readSource.TrySetException(error);
        _readsClosed.TrySetException(error);
    }

    private void FailWrite(QuicException error)
    {
        EndPendingWrite();
        _writeSource.TrySetException(error);
        _writesClosed.TrySetException(error);
    }

    private void EndPendingRead()
    {
        _readPending = false;
        _readBuffer = default;
    }

    private void EndPendingWrite()
    {
        _writePending = false;
        _writeData = default;
        _writeFin = false;
        _finishAfterWrite = false;
    }
}
