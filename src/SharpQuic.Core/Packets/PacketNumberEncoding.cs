using System.Runtime.CompilerServices;

namespace SharpQuic.Core.Packets;

/// <summary>
/// Truncated packet numbers (RFC 9000 §17.1): the sender picks a length from what the peer has
/// acknowledged, the receiver rebuilds the full number from what it expects next.
/// </summary>
public static class PacketNumberEncoding
{
    /// <summary>The largest packet number: 2^62 - 1 (RFC 9000 §12.3).</summary>
    public const ulong MaxPacketNumber = (1UL << 62) - 1;

    /// <summary>
    /// The number of bytes (1 to 4) to encode <paramref name="packetNumber"/> so that the peer can
    /// decode it: at least one bit more than the distance to the largest acknowledged packet,
    /// i.e. twice the range of unacknowledged numbers (RFC 9000 §17.1, Appendix A.2).
    /// </summary>
    /// <param name="packetNumber">The full packet number to send.</param>
    /// <param name="largestAcknowledged">The largest packet number the peer has acknowledged in this space, or null if none.</param>
    public static int GetEncodedLength(ulong packetNumber, ulong? largestAcknowledged)
    {
        ulong unacked = largestAcknowledged is ulong acked ? packetNumber - acked : packetNumber + 1;

        // Smallest n with 2^(8n) >= 2 * unacked, i.e. 2^(8n - 1) >= unacked.
        if (unacked <= 0x80)
        {
            return 1;
        }

        if (unacked <= 0x8000)
        {
            return 2;
        }

        return unacked <= 0x80_0000 ? 3 : 4;
    }

    /// <summary>Writes the low <paramref name="length"/> bytes of <paramref name="packetNumber"/>, big-endian.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Write(Span<byte> destination, ulong packetNumber, int length)
    {
        if ((uint)(length - 1) > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(length), "A packet number is 1 to 4 bytes.");
        }

        for (int i = length - 1; i >= 0; i--)
        {
            destination[i] = (byte)packetNumber;
            packetNumber >>= 8;
        }
    }

    /// <summary>Reads a truncated packet number of <paramref name="length"/> bytes, big-endian.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ReadTruncated(ReadOnlySpan<byte> source, int length)
    {
        ulong value = 0;
        for (int i = 0; i < length; i++)
        {
            value = (value << 8) | source[i];
        }

        return value;
    }

    /// <summary>
    /// Rebuilds a full packet number from its truncated form: the value closest to
    /// <paramref name="expectedPacketNumber"/> (largest received + 1, or 0) whose low bits match
    /// (RFC 9000 Appendix A.3).
    /// </summary>
    public static ulong Decode(ulong expectedPacketNumber, ulong truncatedPacketNumber, int length)
    {
        int bits = length * 8;
        ulong window = 1UL << bits;
        ulong halfWindow = window >> 1;
        ulong mask = window - 1;
        ulong candidate = (expectedPacketNumber & ~mask) | (truncatedPacketNumber & mask);

        // The checks are written so that no subtraction can wrap around.
        if (candidate + halfWindow <= expectedPacketNumber && candidate < (1UL << 62) - window)
        {
            return candidate + window;
        }

        if (candidate > expectedPacketNumber + halfWindow && candidate >= window)
        {
            return candidate - window;
        }

        return candidate;
    }
}
