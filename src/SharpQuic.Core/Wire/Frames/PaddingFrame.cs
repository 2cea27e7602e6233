namespace SharpQuic.Core.Wire.Frames;

/// <summary>
/// A run of PADDING frames (RFC 9000 §19.1). Each PADDING frame is a single 0x00 byte; the
/// parser folds a run of them into one value so a padded packet costs one step, not one per byte.
/// </summary>
public readonly struct PaddingFrame
{
    /// <summary>A run of <paramref name="length"/> PADDING bytes (at least 1).</summary>
    public PaddingFrame(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        Length = length;
    }

    /// <summary>The number of PADDING frames (bytes), including the one whose type was already read.</summary>
    public int Length { get; }

    /// <summary>Bytes this frame takes on the wire.</summary>
    public int EncodedLength => Length;

    /// <summary>Reads the rest of a PADDING run; the reader is positioned after the first 0x00.</summary>
    public static TransportErrorCode TryParse(scoped ref QuicReader reader, ulong frameType, out PaddingFrame frame)
    {
        _ = frameType;
        ReadOnlySpan<byte> rest = reader.RemainingSpan;
        int zeros = rest.IndexOfAnyExcept((byte)0);
        if (zeros < 0)
        {
            zeros = rest.Length;
        }

        reader.TrySkip(zeros);
        frame = new PaddingFrame(zeros + 1);
        return TransportErrorCode.NoError;
    }

    /// <summary>Writes <see cref="Length"/> zero bytes, or nothing if they do not fit.</summary>
    public bool TryWrite(ref QuicWriter writer)
    {
        if (!writer.TryReserve(Length, out Span<byte> span))
        {
            return false;
        }

        span.Clear();
        return true;
    }
}
