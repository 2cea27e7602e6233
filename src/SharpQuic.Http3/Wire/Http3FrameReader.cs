using SharpQuic.Core.Wire;

namespace SharpQuic.Http3.Wire;

/// <summary>
/// Incremental, sans-IO reader of the HTTP/3 frames on one stream (RFC 9114 §7.1). Feed the
/// stream's bytes in chunks of any size; each call consumes a prefix and reports at most one
/// event. DATA payloads are handed out as they arrive, never buffered; unknown and GREASE frames
/// are skipped without buffering (§9); only bounded frames are assembled, each parsed to its
/// exact length (§7.1: H3_FRAME_ERROR otherwise). The frames allowed on the stream are checked by
/// <see cref="Http3FrameRules"/>. Errors are sticky.
/// </summary>
internal sealed class Http3FrameReader
{
    private const int MaxVarIntFrameSize = 8;

    private readonly Http3StreamKind _kind;
    private readonly bool _localIsClient;
    private readonly Http3FrameReaderOptions _options;

    private VarIntPairReader _header;

    private State _state;
    private ulong _type;
    private ulong _remaining;
    private long _frames;
    private Http3ErrorCode _error;

    // Identifiers that may only move one way on the control stream (RFC 9114 §5.2, §7.2.7).
    private ulong? _lastGoAwayId;
    private ulong? _lastMaxPushId;

    private PayloadAssembler _payload;

    public Http3FrameReader(Http3StreamKind kind, bool localIsClient, Http3FrameReaderOptions? options = null)
    {
        _kind = kind;
        _localIsClient = localIsClient;
        _options = options ?? Http3FrameReaderOptions.Default;
    }

    private enum State
    {
        Header,
        Data,
        Skip,
        Buffer,
        Detached,
        Failed,
    }

    /// <summary>Whether the reader sits between frames (so a clean end of the stream here is not truncation).</summary>
    public bool IsAtFrameBoundary => _state == State.Header && _header.IsEmpty;

    /// <summary>Number of frames whose header was read, unknown ones included.</summary>
    public long FrameCount => _frames;

    /// <summary>
    /// Reads from <paramref name="input"/>; <paramref name="consumed"/> bytes were used (the rest
    /// must be passed again). Returns <see cref="Http3FrameReadStatus.NeedMoreData"/> only when all
    /// input was consumed.
    /// </summary>
    public Http3FrameReadStatus Read(ReadOnlySpan<byte> input, out int consumed, out Http3FrameEvent frame)
    {
        consumed = 0;
        frame = default;
        if (_state == State.Detached)
        {
            throw new InvalidOperationException("The stream became a WebTransport stream; its bytes are no longer HTTP/3 frames.");
        }

        while (true)
        {
            switch (_state)
            {
                case State.Failed:
                    frame = new Http3FrameEvent(_type, 0, default, 0, _error);
                    return Http3FrameReadStatus.Error;

                case State.Header:
                {
                    if (!_header.TryRead(input, ref consumed, out _type, out ulong length))
                    {
                        return Http3FrameReadStatus.NeedMoreData;
                    }

                    Http3FrameReadStatus status = OnHeader(length, out frame);
                    if (status != Http3FrameReadStatus.NeedMoreData)
                    {
                        return status;
                    }

                    break;
                }

                case State.Data:
                {
                    if (_remaining == 0)
                    {
                        _state = State.Header;
                        break;
                    }

                    int available = input.Length - consumed;
                    if (available == 0)
                    {
                        return Http3FrameReadStatus.NeedMoreData;
                    }

                    int take = (int)Math.Min((ulong)available, _remaining);
                    _remaining -= (ulong)take;
                    frame = new Http3FrameEvent(_type, 0, input.Slice(consumed, take), _remaining, Http3ErrorCode.NoError);
                    consumed += take;
                    if (_remaining == 0)
                    {
                        _state = State.Header;
                    }

                    return Http3FrameReadStatus.DataChunk;
                }

                case State.Skip:
                {
                    int available = input.Length - consumed;
                    int take = (int)Math.Min((ulong)available, _remaining);
                    _remaining -= (ulong)take;
                    consumed += take;
                    if (_remaining != 0)
                    {
                        return Http3FrameReadStatus.NeedMoreData;
                    }

                    _state = State.Header;
                    break;
                }

                case State.Buffer:
                {
                    if (!_payload.TryAssemble(input, ref consumed, out ReadOnlySpan<byte> payload))
                    {
                        return Http3FrameReadStatus.NeedMoreData;
                    }

                    _state = State.Header;
                    return ParsePayload(payload, out frame);
                }

                default:
                    throw new InvalidOperationException("Unreachable reader state.");
            }
        }
    }

    /// <summary>
    /// Called when the stream ended cleanly (FIN): a frame cut short is H3_FRAME_ERROR (RFC 9114 §7.1).
    /// Whether the stream may end at all (a critical stream may not, §6.2.1) is the caller's rule.
    /// </summary>
    public bool TryComplete(out Http3ErrorCode error)
    {
        if (_state == State.Failed)
        {
            error = _error;
            return false;
        }

        if (_state == State.Detached || IsAtFrameBoundary)
        {
            error = Http3ErrorCode.NoError;
            return true;
        }

        error = Fail(Http3ErrorCode.FrameError);
        return false;
    }

    private Http3FrameReadStatus OnHeader(ulong length, out Http3FrameEvent frame)
    {
        frame = default;
        bool first = _frames == 0;
        _frames++;
        if (!Http3FrameRules.IsAllowed(_kind, _localIsClient, _type, first, out Http3ErrorCode error))
        {
            return Failed(error, out frame);
        }

        switch (_type)
        {
            case (ulong)Http3FrameType.WebTransportStream:
                if (!_options.WebTransportEnabled)
                {
                    return Failed(Http3ErrorCode.FrameError, out frame);
                }

                // draft-ietf-webtrans-http3 §4.3: no length; the second varint is the session ID.
                _state = State.Detached;
                frame = new Http3FrameEvent(_type, length, default, 0, Http3ErrorCode.NoError);
                return Http3FrameReadStatus.WebTransportStream;

            case (ulong)Http3FrameType.Data:
                _remaining = length;
                _state = State.Data;
                return Http3FrameReadStatus.NeedMoreData;

            case (ulong)Http3FrameType.Headers:
            case (ulong)Http3FrameType.PushPromise:
                return Bounded(length, _options.MaxHeadersFrameSize, Http3ErrorCode.ExcessiveLoad, out frame);
            case (ulong)Http3FrameType.Settings:
                return Bounded(length, _options.MaxSettingsFrameSize, Http3ErrorCode.ExcessiveLoad, out frame);
            case (ulong)Http3FrameType.PriorityUpdateRequest:
            case (ulong)Http3FrameType.PriorityUpdatePush:
                if (length == 0)
                {
                    return Failed(Http3ErrorCode.FrameError, out frame);
                }

                return Bounded(length, MaxVarIntFrameSize + (long)_options.MaxPriorityFieldValueSize, Http3ErrorCode.ExcessiveLoad, out frame);
            case (ulong)Http3FrameType.GoAway:
            case (ulong)Http3FrameType.MaxPushId:
            case (ulong)Http3FrameType.CancelPush:
                // One varint: 1 to 8 bytes, checked exactly once the payload is in.
                if (length == 0)
                {
                    return Failed(Http3ErrorCode.FrameError, out frame);
                }

                return Bounded(length, MaxVarIntFrameSize, Http3ErrorCode.FrameError, out frame);
            default:
                // §9: unknown (and GREASE) frames are skipped without looking at their payload.
                _remaining = length;
                _state = State.Skip;
                return Http3FrameReadStatus.NeedMoreData;
        }
    }

    private Http3FrameReadStatus Bounded(ulong length, long bound, Http3ErrorCode tooLong, out Http3FrameEvent frame)
    {
        frame = default;
        if (length > (ulong)bound || length > (ulong)Array.MaxLength)
        {
            return Failed(tooLong, out frame);
        }

        _payload.Start((int)length);
        _state = State.Buffer;
        return Http3FrameReadStatus.NeedMoreData;
    }

    private Http3FrameReadStatus ParsePayload(ReadOnlySpan<byte> payload, out Http3FrameEvent frame)
    {
        switch (_type)
        {
            case (ulong)Http3FrameType.Headers:
                frame = new Http3FrameEvent(_type, 0, payload, 0, Http3ErrorCode.NoError);
                return Http3FrameReadStatus.Frame;

            case (ulong)Http3FrameType.Settings:
                // §7.2.4: the payload is whole (identifier, value) pairs; semantics in Http3Settings.
                if (!Http3Settings.IsWellFormed(payload))
                {
                    return Failed(Http3ErrorCode.FrameError, out frame);
                }

                frame = new Http3FrameEvent(_type, 0, payload, 0, Http3ErrorCode.NoError);
                return Http3FrameReadStatus.Frame;

            case (ulong)Http3FrameType.GoAway:
            case (ulong)Http3FrameType.MaxPushId:
            case (ulong)Http3FrameType.CancelPush:
            {
                if (!VarInt.TryRead(payload, out ulong id, out int read) || read != payload.Length)
                {
                    return Failed(Http3ErrorCode.FrameError, out frame);
                }

                if (!CheckId(id, out Http3ErrorCode idError))
                {
                    return Failed(idError, out frame);
                }

                frame = new Http3FrameEvent(_type, id, default, 0, Http3ErrorCode.NoError);
                return Http3FrameReadStatus.Frame;
            }

            default:
            {
                // PUSH_PROMISE and PRIORITY_UPDATE: a leading varint, then the rest.
                if (!VarInt.TryRead(payload, out ulong id, out int read))
                {
                    return Failed(Http3ErrorCode.FrameError, out frame);
                }

                // RFC 9218 §7.2: a request PRIORITY_UPDATE names a client-initiated bidirectional stream.
                if (_type == (ulong)Http3FrameType.PriorityUpdateRequest && id % 4 != 0)
                {
                    return Failed(Http3ErrorCode.IdError, out frame);
                }

                frame = new Http3FrameEvent(_type, id, payload[read..], 0, Http3ErrorCode.NoError);
                return Http3FrameReadStatus.Frame;
            }
        }
    }

    // The stateless and monotonic identifier rules of GOAWAY and MAX_PUSH_ID.
    private bool CheckId(ulong id, out Http3ErrorCode error)
    {
        error = Http3ErrorCode.IdError;
        if (_type == (ulong)Http3FrameType.GoAway)
        {
            // §7.2.6: from a server, a client-initiated bidirectional stream ID; §5.2: never larger than before.
            if ((_localIsClient && id % 4 != 0) || id > (_lastGoAwayId ?? ulong.MaxValue))
            {
                return false;
            }

            _lastGoAwayId = id;
        }
        else if (_type == (ulong)Http3FrameType.MaxPushId)
        {
            // §7.2.7: MAX_PUSH_ID cannot reduce the maximum push ID.
            if (id < (_lastMaxPushId ?? 0))
            {
                return false;
            }

            _lastMaxPushId = id;
        }

        error = Http3ErrorCode.NoError;
        return true;
    }

    private Http3FrameReadStatus Failed(Http3ErrorCode error, out Http3FrameEvent frame)
    {
        Fail(error);
        frame = new Http3FrameEvent(_type, 0, default, 0, error);
        return Http3FrameReadStatus.Error;
    }

    private Http3ErrorCode Fail(Http3ErrorCode error)
    {
        _state = State.Failed;
        _error = error;
        return error;
    }
}
