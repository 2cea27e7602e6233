namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// CRYPTO (RFC 9000 §19.6): TLS handshake bytes at an offset in the crypto stream of the
/// packet's number space. Parsed frames slice the packet payload.
/// </summary>
public readonly ref struct CryptoFrame
{
    /// <summary>Builds a frame to send.</summary>
    public CryptoFrame(ulong offset, ReadOnlySpan<byte> data)
    {
        if (offset > VarInt.MaxValue || (ulong)data.Length > VarInt.MaxValue - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "offset + length must not exceed 2^62 - 1 (RFC 9000 §19.6).");
        }

        Offset = offset;
        Data = data;
    }

    /// <summary>The byte offset of <see cref="Data"/> in the crypto stream.</summary>
    public ulong Offset { get; }

    /// <summary>The handshake bytes.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>Bytes this frame takes on the wire, type included.</summary>
    public int EncodedLength => 1 + VarInt.EncodedLength(Offset) + VarInt.EncodedLength((ulong)Data.Length) + Data.Length;

    /// <summary>
    /// The most data bytes a CRYPTO frame at <paramref name="offset"/> can carry in
    /// <paramref name="space"/> bytes, or -1 when not even an empty frame fits.
    /// </summary>
    public static int MaxDataLength(ulong offset, int space)
    {
        int fixedPart = 1 + VarInt.EncodedLength(offset);
        return StreamFrame.FitWithLength(space - fixedPart, VarInt.MaxValue - offset);
    }

    /// <summary>
    /// Reads the body; the reader is positioned after the type. A short body or
    /// offset + length above 2^62 - 1 (RFC 9000 §19.6) is FRAME_ENCODING_ERROR.
    /// </summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out CryptoFrame frame)
    {
        _ = frameType;
        frame = default;
        if (!reader.TryReadVarInt(out ulong offset) || !reader.TryReadLengthPrefixed(out ReadOnlySpan<byte> data))
        {
            return TransportErrorCode.FrameEncodingError;
        }

        if ((ulong)data.Length > VarInt.MaxValue - offset)
        {
            return TransportErrorCode.FrameEncodingError;
        }

        frame = new CryptoFrame(offset, data);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes type and body, or nothing when they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (writer.Remaining < EncodedLength)
        {
            return false;
        }

        writer.TryWriteByte((byte)FrameType.Crypto);
        writer.TryWriteVarInt(Offset);
        return writer.TryWriteLengthPrefixed(Data);
    }
}
