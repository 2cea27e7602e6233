namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// NEW_CONNECTION_ID (RFC 9000 §19.15): a connection ID the peer may use, with its sequence
/// number and stateless reset token. Parsed frames slice the packet payload.
/// </summary>
public readonly ref struct NewConnectionIdFrame
{
    /// <summary>The longest connection ID in QUIC version 1 (RFC 9000 §17.2).</summary>
    public const int MaxConnectionIdLength = 20;

    /// <summary>The length of a stateless reset token (RFC 9000 §10.3).</summary>
    public const int StatelessResetTokenLength = 16;

    /// <summary>Builds a frame to send. The arguments must obey the rules the parser enforces.</summary>
    public NewConnectionIdFrame(ulong sequenceNumber, ulong retirePriorTo, ReadOnlySpan<byte> connectionId, ReadOnlySpan<byte> statelessResetToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sequenceNumber, VarInt.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(retirePriorTo, sequenceNumber);
        ArgumentOutOfRangeException.ThrowIfLessThan(connectionId.Length, 1, nameof(connectionId));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(connectionId.Length, MaxConnectionIdLength, nameof(connectionId));
        ArgumentOutOfRangeException.ThrowIfNotEqual(statelessResetToken.Length, StatelessResetTokenLength, nameof(statelessResetToken));
        SequenceNumber = sequenceNumber;
        RetirePriorTo = retirePriorTo;
        ConnectionId = connectionId;
        StatelessResetToken = statelessResetToken;
    }

    /// <summary>The sequence number the sender assigned to this connection ID.</summary>
    public ulong SequenceNumber { get; }

    /// <summary>Connection IDs with a lower sequence number should be retired.</summary>
    public ulong RetirePriorTo { get; }

    /// <summary>The connection ID, 1 to 20 bytes.</summary>
    public ReadOnlySpan<byte> ConnectionId { get; }

    /// <summary>The 16-byte stateless reset token for this connection ID.</summary>
    public ReadOnlySpan<byte> StatelessResetToken { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength =>
        1 + VarInt.EncodedLength(SequenceNumber) + VarInt.EncodedLength(RetirePriorTo) + 1 + ConnectionId.Length + StatelessResetTokenLength;

    /// <summary>
    /// Reads the body; the reader is positioned after the type. FRAME_ENCODING_ERROR for a
    /// short body, a connection ID length outside 1..20, or Retire Prior To greater than the
    /// Sequence Number (RFC 9000 §19.15).
    /// </summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out NewConnectionIdFrame frame)
    {
        _ = frameType;
        frame = default;
        if (!reader.TryReadVarInt(out ulong sequence) ||
            !reader.TryReadVarInt(out ulong retirePriorTo) ||
            !reader.TryReadByte(out byte length))
        {
            return TransportErrorCode.FrameEncodingError;
        }

        if (length is < 1 or > MaxConnectionIdLength || retirePriorTo > sequence)
        {
            return TransportErrorCode.FrameEncodingError;
        }

        if (!reader.TryReadBytes(length, out ReadOnlySpan<byte> cid) ||
            !reader.TryReadBytes(StatelessResetTokenLength, out ReadOnlySpan<byte> token))
        {
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new NewConnectionIdFrame(sequence, retirePriorTo, cid, token);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)FrameType.NewConnectionId);
        writer.TryWriteVarInt(SequenceNumber);
        writer.TryWriteVarInt(RetirePriorTo);
        writer.TryWriteByte((byte)ConnectionId.Length);
        writer.TryWriteBytes(ConnectionId);
        return writer.TryWriteBytes(StatelessResetToken);
    }
}
