using SharpQuic.Core.Wire;

namespace SharpQuic.Http3.Wire;

/// <summary>What one call of <see cref="CapsuleReader.Read"/> produced.</summary>
internal enum CapsuleReadStatus
{
    /// <summary>All input was consumed without completing a capsule.</summary>
    NeedMoreData,

    /// <summary>A whole known capsule: see <see cref="CapsuleEvent"/>.</summary>
    Capsule,

    /// <summary>An error (sticky): <see cref="CapsuleEvent.Error"/>.</summary>
    Error,
}

/// <summary>
/// One capsule. <see cref="Payload"/> points into the caller's input or the reader's buffer and is
/// valid only until the next call to the reader.
/// </summary>
internal readonly ref struct CapsuleEvent
{
    public CapsuleEvent(ulong type, ulong value, ReadOnlySpan<byte> payload, Http3ErrorCode error)
    {
        Type = type;
        Value = value;
        Payload = payload;
        Error = error;
    }

    /// <summary>The capsule type.</summary>
    public ulong Type { get; }

    /// <summary>
    /// WT_CLOSE_SESSION's application error code, or the single varint of WT_MAX_DATA,
    /// WT_MAX_STREAMS, WT_DATA_BLOCKED and WT_STREAMS_BLOCKED.
    /// </summary>
    public ulong Value { get; }

    /// <summary>DATAGRAM's HTTP Datagram payload, or WT_CLOSE_SESSION's UTF-8 message.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The error when the status is <see cref="CapsuleReadStatus.Error"/>.</summary>
    public Http3ErrorCode Error { get; }
}

/// <summary>
/// Incremental, sans-IO reader of the Capsule Protocol (RFC 9297 §3.2) over the data of a
/// CONNECT stream (the payloads of its DATA frames, in chunks). Known capsules are bounded and
/// parsed to their exact length; a malformed capsule is H3_MESSAGE_ERROR (§3.3, handled as a
/// malformed message, RFC 9114 §4.1.2). Unknown capsules are skipped without buffering (§3.2), and
/// so are DATAGRAM capsules larger than <see cref="MaxDatagramSize"/> (a datagram may be dropped).
/// </summary>
internal sealed class CapsuleReader
{
    /// <summary>Largest WT_CLOSE_SESSION message (draft-ietf-webtrans-http3 §6).</summary>
    public const int MaxCloseMessageLength = 1024;

    // draft-ietf-webtrans-http3 §5.6.1, §5.6.2: stream counts cannot exceed 2^60.
    private const ulong MaxStreamCount = 1UL << 60;

    private VarIntPairReader _header;
    private State _state;
    private ulong _type;
    private ulong _remaining;
    private Http3ErrorCode _error;
    private PayloadAssembler _payload;

    /// <summary>Creates a reader that drops DATAGRAM capsules over <paramref name="maxDatagramSize"/> bytes.</summary>
    public CapsuleReader(int maxDatagramSize = 65535)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDatagramSize);
        MaxDatagramSize = maxDatagramSize;
    }

    private enum State
    {
        Header,
        Skip,
        Buffer,
        Failed,
    }

    /// <summary>The largest DATAGRAM capsule payload delivered; larger ones are skipped.</summary>
    public int MaxDatagramSize { get; }

    /// <summary>DATAGRAM capsules skipped for being larger than <see cref="MaxDatagramSize"/>.</summary>
    public long DroppedDatagrams { get; private set; }

    /// <summary>Whether the reader sits between capsules.</summary>
    public bool IsAtCapsuleBoundary => _state == State.Header && _header.IsEmpty;

    /// <summary>
    /// Reads from <paramref name="input"/>; <paramref name="consumed"/> bytes were used (pass the
    /// rest again). <see cref="CapsuleReadStatus.NeedMoreData"/> means all input was consumed.
    /// </summary>
    public CapsuleReadStatus Read(ReadOnlySpan<byte> input, out int consumed, out CapsuleEvent capsule)
    {
        consumed = 0;
        capsule = default;
        while (true)
        {
            switch (_state)
            {
                case State.Failed:
                    capsule = new CapsuleEvent(_type, 0, default, _error);
                    return CapsuleReadStatus.Error;

                case State.Header:
                    if (!_header.TryRead(input, ref consumed, out _type, out ulong length))
                    {
                        return CapsuleReadStatus.NeedMoreData;
                    }

                    if (!OnHeader(length, out capsule))
                    {
                        return CapsuleReadStatus.Error;
                    }

                    break;

                case State.Skip:
                {
                    int take = (int)Math.Min((ulong)(input.Length - consumed), _remaining);
                    _remaining -= (ulong)take;
                    consumed += take;
                    if (_remaining != 0)
                    {
                        return CapsuleReadStatus.NeedMoreData;
                    }

                    _state = State.Header;
                    break;
                }

                default:
                {
                    if (!_payload.TryAssemble(input, ref consumed, out ReadOnlySpan<byte> payload))
                    {
                        return CapsuleReadStatus.NeedMoreData;
                    }

                    _state = State.Header;
                    return Parse(payload, out capsule);
                }
            }
        }
    }

    /// <summary>
    /// Called when the stream ended cleanly: a capsule cut short is a malformed message
    /// (RFC 9297 §3.3, H3_MESSAGE_ERROR).
    /// </summary>
    public bool TryComplete(out Http3ErrorCode error)
    {
        if (_state == State.Failed)
        {
            error = _error;
            return false;
        }

        if (IsAtCapsuleBoundary)
        {
            error = Http3ErrorCode.NoError;
            return true;
        }

        _state = State.Failed;
        _error = error = Http3ErrorCode.MessageError;
        return false;
    }

    private bool OnHeader(ulong length, out CapsuleEvent capsule)
    {
        capsule = default;
        int bound;
        switch (_type)
        {
            case (ulong)CapsuleType.Datagram:
                if (length > (ulong)MaxDatagramSize)
                {
                    DroppedDatagrams++;
                    _remaining = length;
                    _state = State.Skip;
                    return true;
                }

                bound = MaxDatagramSize;
                break;
            case (ulong)CapsuleType.WebTransportCloseSession:
                // draft-ietf-webtrans-http3 §6: a message over 1024 bytes is H3_MESSAGE_ERROR.
                if (length < 4)
                {
                    return Fail(Http3ErrorCode.MessageError, out capsule);
                }

                bound = 4 + MaxCloseMessageLength;
                break;
            case (ulong)CapsuleType.WebTransportDrainSession:
                bound = 0;
                break;
            case (ulong)CapsuleType.WebTransportMaxData:
            case (ulong)CapsuleType.WebTransportMaxStreamsBidi:
            case (ulong)CapsuleType.WebTransportMaxStreamsUni:
            case (ulong)CapsuleType.WebTransportDataBlocked:
            case (ulong)CapsuleType.WebTransportStreamsBlockedBidi:
            case (ulong)CapsuleType.WebTransportStreamsBlockedUni:
                if (length == 0)
                {
                    return Fail(Http3ErrorCode.MessageError, out capsule);
                }

                bound = 8;
                break;
            case (ulong)CapsuleType.WebTransportMaxStreamData:
            case (ulong)CapsuleType.WebTransportStreamDataBlocked:
                // draft-ietf-webtrans-http3 §5.4: per-stream limits are QUIC's; these capsules are a
                // session error, reported as a malformed message.
                return Fail(Http3ErrorCode.MessageError, out capsule);
            default:
                _remaining = length;
                _state = State.Skip;
                return true;
        }

        if (length > (ulong)bound)
        {
            return Fail(Http3ErrorCode.MessageError, out capsule);
        }

        _payload.Start((int)length);
        _state = State.Buffer;
        return true;
    }

    private CapsuleReadStatus Parse(ReadOnlySpan<byte> payload, out CapsuleEvent capsule)
    {
        switch (_type)
        {
            case (ulong)CapsuleType.Datagram:
            case (ulong)CapsuleType.WebTransportDrainSession:
                capsule = new CapsuleEvent(_type, 0, payload, Http3ErrorCode.NoError);
                return CapsuleReadStatus.Capsule;

            case (ulong)CapsuleType.WebTransportCloseSession:
            {
                uint code = (uint)(payload[0] << 24 | payload[1] << 16 | payload[2] << 8 | payload[3]);
                ReadOnlySpan<byte> message = payload[4..];
                if (!System.Text.Unicode.Utf8.IsValid(message))
                {
                    return Failed(Http3ErrorCode.MessageError, out capsule);
                }

                capsule = new CapsuleEvent(_type, code, message, Http3ErrorCode.NoError);
                return CapsuleReadStatus.Capsule;
            }

            default:
            {
                if (!VarInt.TryRead(payload, out ulong value, out int read) || read != payload.Length)
                {
                    return Failed(Http3ErrorCode.MessageError, out capsule);
                }

                bool isStreamCount = _type is (ulong)CapsuleType.WebTransportMaxStreamsBidi or (ulong)CapsuleType.WebTransportMaxStreamsUni
                    or (ulong)CapsuleType.WebTransportStreamsBlockedBidi or (ulong)CapsuleType.WebTransportStreamsBlockedUni;
                if (isStreamCount && value > MaxStreamCount)
                {
                    return Failed(Http3ErrorCode.WebTransportFlowControlError, out capsule);
                }

                capsule = new CapsuleEvent(_type, value, default, Http3ErrorCode.NoError);
                return CapsuleReadStatus.Capsule;
            }
        }
    }

    private CapsuleReadStatus Failed(Http3ErrorCode error, out CapsuleEvent capsule)
    {
        Fail(error, out capsule);
        return CapsuleReadStatus.Error;
    }

    private bool Fail(Http3ErrorCode error, out CapsuleEvent capsule)
    {
        _state = State.Failed;
        _error = error;
        capsule = new CapsuleEvent(_type, 0, default, error);
        return false;
    }
}
