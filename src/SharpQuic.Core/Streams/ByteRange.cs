namespace SharpQuic.Core.Streams;

/// <summary>A half-open range of stream offsets, [<see cref="Start"/>, <see cref="End"/>).</summary>
internal readonly record struct ByteRange(ulong Start, ulong End)
{
    /// <summary>End - Start.</summary>
    public ulong Length => End - Start;
}
