namespace SharpQuic.Core.Wire.Frames;

/// <summary>HANDSHAKE_DONE (RFC 9000 §19.20): no body; sent by the server to confirm the handshake.</summary>
public readonly struct HandshakeDoneFrame
{
    /// <summary>Bytes this frame takes on the wire.</summary>
    public int EncodedLength => 1;

    /// <summary>HANDSHAKE_DONE has no body: always succeeds.</summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out HandshakeDoneFrame frame)
    {
        _ = frameType;
        _ = reader.Remaining;
        frame = default;
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes the type byte.</summary>
    public bool TryWrite(ref QuicWriter writer) => writer.TryWriteByte((byte)FrameType.HandshakeDone);
}
