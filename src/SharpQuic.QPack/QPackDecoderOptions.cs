namespace SharpQuic.QPack;

/// <summary>Limits a <see cref="QPackDecoder"/> enforces; the first two are what we advertise in SETTINGS.</summary>
public sealed class QPackDecoderOptions
{
    /// <summary>SETTINGS_QPACK_MAX_TABLE_CAPACITY we advertise (RFC 9204 §5); 0 disables the dynamic table.</summary>
    public long MaxTableCapacity { get; init; }

    /// <summary>SETTINGS_QPACK_BLOCKED_STREAMS we advertise (RFC 9204 §5).</summary>
    public int MaxBlockedStreams { get; init; }

    /// <summary>
    /// Largest decoded field section (RFC 9114 §4.2.2: names + values + 32 per line) we accept; a larger one
    /// fails with QPACK_DECOMPRESSION_FAILED. Also bounds the bytes kept for one blocked section.
    /// </summary>
    public long MaxFieldSectionSize { get; init; } = 64 * 1024;

    /// <summary>
    /// Dynamic table capacity before any Set Dynamic Table Capacity instruction. RFC 9204 §3.2.3 makes it 0;
    /// the offline-interop files (QPACK draft 05 era) start at the maximum, so tests set this.
    /// </summary>
    internal long InitialTableCapacity { get; init; }
}
