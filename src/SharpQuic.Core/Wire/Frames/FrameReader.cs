using SharpQuic.Core.Packets;

namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// Walks the frames of a decrypted packet payload without allocating (RFC 9000 §12.4).
/// </summary>
/// <remarks>
/// Usage: call <see cref="TryReadNext"/>; when it returns true, switch on the type and call
/// the matching <c>Read…</c> method (for example <see cref="ReadStream"/>) to get the parsed
/// frame, which slices the payload. A frame whose <c>Read…</c> is not called is still parsed
/// and validated by the next <see cref="TryReadNext"/> (or by <see cref="Skip"/>), so a
/// connection that ignores a frame cannot let a malformed one through.
/// <code>
/// var frames = new FrameReader(payload, PacketType.OneRtt);
/// while (frames.TryReadNext(out FrameType type, out TransportErrorCode error))
/// {
///     switch (type)
///     {
///         case FrameType.Stream: error = frames.ReadStream(out StreamFrame s); /* … */ break;
///         default: error = frames.Skip(); break;
///     }
///     if (error != TransportErrorCode.NoError) { break; }
/// }
/// // here error is NoError at a clean end, or the connection error to close with.
/// </code>
/// The type handed out for STREAM is always <see cref="FrameType.Stream"/> (its OFF/LEN/FIN
/// bits are in the parsed frame and in <see cref="RawFrameType"/>); every other type is the
/// wire value. Errors: an empty payload or a frame type not allowed in the packet type, or
/// not minimally encoded, is PROTOCOL_VIOLATION; an unknown type or a malformed body is
/// FRAME_ENCODING_ERROR.
/// </remarks>
public ref struct FrameReader
{
    private const string WrongType = "The Read method does not match the pending frame type (or no frame is pending).";
    private const ulong NoPending = ulong.MaxValue;

    private readonly PacketType _packetType;
    private QuicReader _reader;
    private ulong _pending;
    private bool _started;
    private TransportErrorCode _failure;

    /// <summary>Starts at the first frame of <paramref name="payload"/>, a payload of a <paramref name="packetType"/> packet.</summary>
    public FrameReader(ReadOnlySpan<byte> payload, PacketType packetType)
    {
        _reader = new QuicReader(payload);
        _packetType = packetType;
        _pending = NoPending;
        _started = false;
        _failure = TransportErrorCode.NoError;
    }

    /// <summary>Payload bytes consumed so far.</summary>
    public readonly int Position => _reader.Position;

    /// <summary>The wire type of the frame last returned by <see cref="TryReadNext"/>.</summary>
    public ulong RawFrameType { readonly get; private set; }

    /// <summary>
    /// Reads the next frame type. Returns true with <paramref name="type"/> set when a frame is
    /// ready to be read; false at the end of the payload (<paramref name="error"/> is NoError)
    /// or on an error (<paramref name="error"/> is the connection error). An unread previous
    /// frame is parsed and validated first.
    /// </summary>
    public bool TryReadNext(out FrameType type, out TransportErrorCode error)
    {
        type = default;
        error = _failure;
        if (error != TransportErrorCode.NoError)
        {
            return false;
        }

        if (_pending != NoPending)
        {
            error = Skip();
            if (error != TransportErrorCode.NoError)
            {
                return false;
            }
        }

        if (_reader.IsEmpty)
        {
            // RFC 9000 §12.4: a packet containing no frames is a PROTOCOL_VIOLATION.
            error = _started ? TransportErrorCode.NoError : Fail(TransportErrorCode.ProtocolViolation);
            return false;
        }

        _started = true;
        int start = _reader.Position;
        if (!_reader.TryReadVarInt(out ulong raw))
        {
            error = Fail(TransportErrorCode.FrameEncodingError);
            return false;
        }

        // RFC 9000 §12.4: a frame type must use the shortest encoding; an endpoint MAY treat a
        // longer one as PROTOCOL_VIOLATION, and we do.
        if (_reader.Position - start != VarInt.EncodedLength(raw))
        {
            error = Fail(TransportErrorCode.ProtocolViolation);
            return false;
        }

        if (!FrameTypeRules.IsKnown(raw))
        {
            error = Fail(TransportErrorCode.FrameEncodingError);
            return false;
        }

        if (!FrameTypeRules.IsAllowedIn((FrameType)raw, _packetType))
        {
            error = Fail(TransportErrorCode.ProtocolViolation);
            return false;
        }

        RawFrameType = raw;
        _pending = raw;
        type = FrameTypeRules.IsStream(raw) ? FrameType.Stream : (FrameType)raw;
        return true;
    }

    /// <summary>Parses and validates the pending frame without handing it out.</summary>
    public TransportErrorCode Skip()
    {
        ulong type = TakePending();
        return Fail(Parse(ref _reader, type));
    }

    /// <summary>Parses the pending frame as PaddingFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadPadding(out PaddingFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x00))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(PaddingFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as PingFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadPing(out PingFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x01))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(PingFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as AckFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadAck(out AckFrame frame)
    {
        ulong type = TakePending();
        if (!(type is 0x02 or 0x03))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(AckFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as ResetStreamFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadResetStream(out ResetStreamFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x04))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(ResetStreamFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as ResetStreamAtFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadResetStreamAt(out ResetStreamAtFrame frame)
    {
        ulong type = TakePending();
        if (type != 0x24)
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(ResetStreamAtFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as StopSendingFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadStopSending(out StopSendingFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x05))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(StopSendingFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as CryptoFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadCrypto(out CryptoFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x06))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(CryptoFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as NewTokenFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadNewToken(out NewTokenFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x07))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(NewTokenFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as StreamFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadStream(out StreamFrame frame)
    {
        ulong type = TakePending();
        if (!(type is >= 0x08 and <= 0x0f))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(StreamFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as MaxDataFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadMaxData(out MaxDataFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x10))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(MaxDataFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as MaxStreamDataFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadMaxStreamData(out MaxStreamDataFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x11))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(MaxStreamDataFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as MaxStreamsFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadMaxStreams(out MaxStreamsFrame frame)
    {
        ulong type = TakePending();
        if (!(type is 0x12 or 0x13))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(MaxStreamsFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as DataBlockedFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadDataBlocked(out DataBlockedFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x14))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(DataBlockedFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as StreamDataBlockedFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadStreamDataBlocked(out StreamDataBlockedFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x15))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(StreamDataBlockedFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as StreamsBlockedFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadStreamsBlocked(out StreamsBlockedFrame frame)
    {
        ulong type = TakePending();
        if (!(type is 0x16 or 0x17))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(StreamsBlockedFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as NewConnectionIdFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadNewConnectionId(out NewConnectionIdFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x18))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(NewConnectionIdFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as RetireConnectionIdFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadRetireConnectionId(out RetireConnectionIdFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x19))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(RetireConnectionIdFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as PathChallengeFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadPathChallenge(out PathChallengeFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x1a))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(PathChallengeFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as PathResponseFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadPathResponse(out PathResponseFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x1b))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(PathResponseFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as ConnectionCloseFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadConnectionClose(out ConnectionCloseFrame frame)
    {
        ulong type = TakePending();
        if (!(type is 0x1c or 0x1d))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(ConnectionCloseFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as HandshakeDoneFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadHandshakeDone(out HandshakeDoneFrame frame)
    {
        ulong type = TakePending();
        if (!(type == 0x1e))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(HandshakeDoneFrame.TryParse(ref _reader, type, out frame));
    }

    /// <summary>Parses the pending frame as DatagramFrame; call only after <see cref="TryReadNext"/> gave its type.</summary>
    public TransportErrorCode ReadDatagram(out DatagramFrame frame)
    {
        ulong type = TakePending();
        if (!(type is 0x30 or 0x31))
        {
            throw new InvalidOperationException(WrongType);
        }

        return Fail(DatagramFrame.TryParse(ref _reader, type, out frame));
    }

    private static TransportErrorCode Parse(scoped ref QuicReader reader, ulong type)
    {
        switch (type)
        {
            case 0x00:
                return PaddingFrame.TryParse(ref reader, type, out _);
            case 0x01:
                return PingFrame.TryParse(ref reader, type, out _);
            case 0x02 or 0x03:
                return AckFrame.TryParse(ref reader, type, out _);
            case 0x04:
                return ResetStreamFrame.TryParse(ref reader, type, out _);
            case 0x05:
                return StopSendingFrame.TryParse(ref reader, type, out _);
            case 0x06:
                return CryptoFrame.TryParse(ref reader, type, out _);
            case 0x07:
                return NewTokenFrame.TryParse(ref reader, type, out _);
            case >= 0x08 and <= 0x0f:
                return StreamFrame.TryParse(ref reader, type, out _);
            case 0x10:
                return MaxDataFrame.TryParse(ref reader, type, out _);
            case 0x11:
                return MaxStreamDataFrame.TryParse(ref reader, type, out _);
            case 0x12 or 0x13:
                return MaxStreamsFrame.TryParse(ref reader, type, out _);
            case 0x14:
                return DataBlockedFrame.TryParse(ref reader, type, out _);
            case 0x15:
                return StreamDataBlockedFrame.TryParse(ref reader, type, out _);
            case 0x16 or 0x17:
                return StreamsBlockedFrame.TryParse(ref reader, type, out _);
            case 0x18:
                return NewConnectionIdFrame.TryParse(ref reader, type, out _);
            case 0x19:
                return RetireConnectionIdFrame.TryParse(ref reader, type, out _);
            case 0x1a:
                return PathChallengeFrame.TryParse(ref reader, type, out _);
            case 0x1b:
                return PathResponseFrame.TryParse(ref reader, type, out _);
            case 0x1c or 0x1d:
                return ConnectionCloseFrame.TryParse(ref reader, type, out _);
            case 0x1e:
                return HandshakeDoneFrame.TryParse(ref reader, type, out _);
            case 0x24:
                return ResetStreamAtFrame.TryParse(ref reader, type, out _);
            case 0x30 or 0x31:
                return DatagramFrame.TryParse(ref reader, type, out _);
            default:
                throw new InvalidOperationException(WrongType);
        }
    }

    private ulong TakePending()
    {
        ulong type = _pending;
        if (type == NoPending)
        {
            throw new InvalidOperationException(WrongType);
        }

        _pending = NoPending;
        return type;
    }

    private TransportErrorCode Fail(TransportErrorCode error)
    {
        if (error != TransportErrorCode.NoError)
        {
            _failure = error;
        }

        return error;
    }
}
