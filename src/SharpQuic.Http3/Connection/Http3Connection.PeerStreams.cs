using System.Buffers;
using SharpQuic.Http3.Wire;
using SharpQuic.QPack;

namespace SharpQuic.Http3;

/// <summary>The peer's streams: the accept loop, and the unidirectional streams (RFC 9114 §6.2).</summary>
internal abstract partial class Http3Connection
{
    private const int PeerControl = 1;
    private const int PeerEncoder = 2;
    private const int PeerDecoder = 4;
    private const int PeerWebTransport = 8; // not a flag: a WebTransport stream handed to the manager

    private async Task AcceptStreamsAsync()
    {
        try
        {
            while (!_closing.IsCancellationRequested)
            {
                QuicStream stream = await Quic.AcceptInboundStreamAsync(_closing.Token).ConfigureAwait(false);
                if (stream.Type == QuicStreamType.Unidirectional)
                {
                    _ = ReadUnidirectionalStreamAsync(stream);
                }
                else
                {
                    OnPeerBidirectionalStream(stream);
                }
            }
        }
        catch (Exception ex) when (ex is QuicException or OperationCanceledException or ObjectDisposedException)
        {
            OnConnectionLost(ex);
        }
    }

    /// <summary>The QUIC connection is gone (closed by the peer, idle, or by us).</summary>
    private void OnConnectionLost(Exception ex)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        CloseError = ex is QuicException { ApplicationErrorCode: long code } ? (Http3ErrorCode)(ulong)code : Http3ErrorCode.NoError;
        FailBlockedSections(CloseError.Value);
        _peerSettings.TrySetException(new Http3Exception(CloseError.Value, "The connection closed before SETTINGS arrived.", ex));
        _closing.Cancel();
        WebTransport?.OnConnectionClosed();
    }

    private async Task ReadUnidirectionalStreamAsync(QuicStream stream)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(4096);
        var preamble = new Http3StreamPreambleReader();
        Http3FrameReader? frames = null;
        int kind = 0;
        try
        {
            while (true)
            {
                int read = await stream.ReadAsync(buffer, _closing.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    // RFC 9114 §6.2.1, RFC 9204 §4.2: the control and QPACK streams must never close.
                    if (kind != 0)
                    {
                        Abort(Http3ErrorCode.ClosedCriticalStream);
                    }

                    return;
                }

                ReadOnlySpan<byte> input = buffer.AsSpan(0, read);
                if (!preamble.IsComplete)
                {
                    preamble.TryRead(input, out int used);
                    input = input[used..];
                    if (!preamble.IsComplete)
                    {
                        continue;
                    }

                    kind = ClaimStreamType(stream, preamble.StreamType);
                    if (kind == PeerWebTransport)
                    {
                        // draft-ietf-webtrans-http3 §4.2: the rest of the stream belongs to a session.
                        WebTransport!.OnPeerUnidirectionalStream(stream, preamble.Id, input.ToArray());
                        kind = 0;
                        return;
                    }

                    if (kind == 0)
                    {
                        return;
                    }

                    if (kind == PeerControl)
                    {
                        frames = new Http3FrameReader(Http3StreamKind.Control, IsClient, FrameReaderOptions);
                    }
                }

                if (!OnCriticalStreamData(kind, frames, input))
                {
                    return;
                }
            }
        }
        catch (QuicException ex) when (kind != 0 && ex.QuicError == QuicError.StreamAborted)
        {
            // A reset critical stream is a connection error (RFC 9114 §6.2.1).
            Abort(Http3ErrorCode.ClosedCriticalStream);
        }
        catch (QuicException ex)
        {
            // The connection itself ended: keep the peer's code, not a critical-stream error of ours.
            OnConnectionLost(ex);
        }
        catch (Exception ex) when (ex is QuicException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Decides what a new unidirectional stream is (RFC 9114 §6.2): returns its flag, or 0 after
    /// refusing it. A second control or QPACK stream is a connection error; push streams are never
    /// allowed (we send no MAX_PUSH_ID, §4.6); unknown and GREASE types are refused with STOP_SENDING.
    /// </summary>
    private int ClaimStreamType(QuicStream stream, ulong type)
    {
        int flag = type switch
        {
            (ulong)Http3StreamType.Control => PeerControl,
            (ulong)Http3StreamType.QPackEncoder => PeerEncoder,
            (ulong)Http3StreamType.QPackDecoder => PeerDecoder,
            _ => 0,
        };

        if (flag != 0)
        {
            if ((Interlocked.Or(ref _peerUniStreamsSeen, flag) & flag) != 0)
            {
                Abort(Http3ErrorCode.StreamCreationError);
                return 0;
            }

            return flag;
        }

        if (type == (ulong)Http3StreamType.WebTransport && WebTransport is not null)
        {
            return PeerWebTransport;
        }

        if (type == (ulong)Http3StreamType.Push)
        {
            // §4.6: a client that sent no MAX_PUSH_ID sees any push ID as too large; a server never receives push streams.
            Abort(IsClient ? Http3ErrorCode.IdError : Http3ErrorCode.StreamCreationError);
            return 0;
        }

        TryAbort(stream, QuicAbortDirection.Read, Http3ErrorCode.StreamCreationError);
        return 0;
    }

    /// <summary>Handles bytes of the peer's control or QPACK stream; false once the connection failed.</summary>
    private bool OnCriticalStreamData(int kind, Http3FrameReader? frames, ReadOnlySpan<byte> input)
    {
        switch (kind)
        {
            case PeerEncoder:
            {
                QPackError error;
                lock (_qpackLock)
                {
                    error = _decoder.OnEncoderStreamData(input);
                    if (error == QPackError.None)
                    {
                        ReleaseUnblockedSections();
                    }
                }

                if (error != QPackError.None)
                {
                    Abort((Http3ErrorCode)(ulong)error);
                    return false;
                }

                FlushDecoderStream();
                return true;
            }

            case PeerDecoder:
            {
                QPackError error;
                lock (_qpackLock)
                {
                    error = _encoder.OnDecoderStreamData(input);
                }

                if (error != QPackError.None)
                {
                    Abort((Http3ErrorCode)(ulong)error);
                    return false;
                }

                return true;
            }

            default:
                return OnControlStreamData(frames!, input);
        }
    }

    private bool OnControlStreamData(Http3FrameReader frames, ReadOnlySpan<byte> input)
    {
        while (!input.IsEmpty)
        {
            Http3FrameReadStatus status = frames.Read(input, out int consumed, out Http3FrameEvent frame);
            input = input[consumed..];
            switch (status)
            {
                case Http3FrameReadStatus.Error:
                    Abort(frame.Error);
                    return false;
                case Http3FrameReadStatus.Frame:
                    if (!OnControlFrame(frame))
                    {
                        return false;
                    }

                    break;
                case Http3FrameReadStatus.NeedMoreData:
                    return true;
            }
        }

        return true;
    }

    private bool OnControlFrame(Http3FrameEvent frame)
    {
        switch (frame.Type)
        {
            case (ulong)Http3FrameType.Settings:
                if (!Http3Settings.TryParse(frame.Payload, out Http3Settings? settings, out Http3ErrorCode error))
                {
                    Abort(error);
                    return false;
                }

                OnPeerSettings(settings);
                return true;
            case (ulong)Http3FrameType.GoAway:
                // §5.2: a client's GOAWAY carries a push ID, which we never use; a server's a client-initiated bidirectional stream ID.
                if (IsClient && frame.Value % 4 != 0)
                {
                    Abort(Http3ErrorCode.IdError);
                    return false;
                }

                OnGoAway(frame.Value);
                return true;
            case (ulong)Http3FrameType.PriorityUpdateRequest:
                OnPriorityUpdate(frame.Value, frame.Payload);
                return true;
            default:
                // MAX_PUSH_ID at a server (we never push), PRIORITY_UPDATE for pushes: nothing to do.
                return true;
        }
    }

    /// <summary>Completes sections that the encoder-stream bytes just unblocked; under the QPACK lock.</summary>
    private void ReleaseUnblockedSections()
    {
        while (true)
        {
            _decodeLines.Clear();
            if (!_decoder.TryDecodeUnblocked(_decodeLines, out long streamId, out FieldSectionStatus status, out QPackError error))
            {
                return;
            }

            if (!_blocked.Remove(streamId, out BlockedSection? blocked))
            {
                continue;
            }

            if (status != FieldSectionStatus.Decoded)
            {
                blocked.Completion.TrySetException(new Http3Exception((Http3ErrorCode)(ulong)error, "The QPACK field section could not be decoded."));
                continue;
            }

            if (Http3FieldSection.TryBuild(_decodeLines, blocked.Kind, out Http3HeaderSection section, out string? problem))
            {
                blocked.Completion.TrySetResult(section);
            }
            else
            {
                blocked.Completion.TrySetException(new Http3Exception(Http3ErrorCode.MessageError, "Malformed message: " + problem));
            }
        }
    }

    internal static void TryAbort(QuicStream stream, QuicAbortDirection direction, Http3ErrorCode code)
    {
        try
        {
            stream.Abort(direction, (long)code);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or QuicException)
        {
        }
    }
}
