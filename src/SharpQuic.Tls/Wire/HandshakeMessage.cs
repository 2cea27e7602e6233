namespace SharpQuic.Tls.Wire;

/// <summary>One complete handshake message as received: <see cref="Bytes"/> holds the 4-byte header
/// (type + uint24 length) and the body, which is exactly what the transcript hash takes (RFC 8446bis §4.4.1).</summary>
internal readonly struct HandshakeMessage
{
    public HandshakeMessage(HandshakeType type, byte[] bytes)
    {
        Type = type;
        Bytes = bytes;
    }

    public HandshakeType Type { get; }

    /// <summary>Header and body.</summary>
    public byte[] Bytes { get; }

    /// <summary>The body, after the 4-byte header.</summary>
    public ReadOnlySpan<byte> Body => Bytes.AsSpan(HandshakeFramer.HeaderSize);
}
