namespace SharpQuic.Core.Wire.Frames;

/// <summary>PING (RFC 9000 §19.2): no body; elicits an acknowledgment.</summary>
public readonly struct PingFrame
{
    /// <summary>Bytes this frame takes on the wire.</summary>
    public int EncodedLength => 1;

    /// <summary>PING has no body: always succeeds.</summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out PingFrame frame)
    {
        _ = frameType;
        _ = reader.Remaining;
        frame = default;
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes the type byte.</summary>
    public bool TryWrite(ref QuicWriter writer) => writer.TryWriteByte((byte)FrameType.Ping);
}
