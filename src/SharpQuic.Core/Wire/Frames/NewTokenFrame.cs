namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// NEW_TOKEN (RFC 9000 §19.7): a token the client can use in the Initial packet of a future
/// connection. Parsed frames slice the packet payload.
/// </summary>
public readonly ref struct NewTokenFrame
{
    /// <summary>Builds a frame to send; the token must not be empty (RFC 9000 §19.7).</summary>
    public NewTokenFrame(ReadOnlySpan<byte> token)
    {
        if (token.IsEmpty)
        {
            throw new ArgumentException("A NEW_TOKEN frame must carry a non-empty token (RFC 9000 §19.7).", nameof(token));
        }

        Token = token;
    }

    /// <summary>The opaque token.</summary>
    public ReadOnlySpan<byte> Token { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 1 + VarInt.EncodedLength((ulong)Token.Length) + Token.Length;

    /// <summary>
    /// Reads the body; the reader is positioned after the type. A short body or an empty token
    /// (RFC 9000 §19.7) is FRAME_ENCODING_ERROR.
    /// </summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out NewTokenFrame frame)
    {
        _ = frameType;
        frame = default;
        if (!reader.TryReadLengthPrefixed(out ReadOnlySpan<byte> token) || token.IsEmpty)
        {
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new NewTokenFrame(token);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)FrameType.NewToken);
        return writer.TryWriteLengthPrefixed(Token);
    }
}
