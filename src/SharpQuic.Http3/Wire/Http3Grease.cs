namespace SharpQuic.Http3.Wire;

/// <summary>
/// The reserved "GREASE" code points of form <c>0x1f * N + 0x21</c> that HTTP/3 sets aside in its
/// frame type, stream type, setting and error code spaces (RFC 9114 §6.2.3, §7.2.8, §7.2.4.1,
/// §8.1) so that peers keep ignoring values they do not understand.
/// </summary>
public static class Http3Grease
{
    /// <summary>The largest N for which <c>0x1f * N + 0x21</c> is still a variable-length integer.</summary>
    public const ulong MaxIndex = (Core.Wire.VarInt.MaxValue - 0x21) / 0x1f;

    /// <summary>Whether <paramref name="value"/> is of the reserved form <c>0x1f * N + 0x21</c>.</summary>
    public static bool IsReserved(ulong value) => value >= 0x21 && (value - 0x21) % 0x1f == 0;

    /// <summary>The reserved value with index <paramref name="n"/> (0 ≤ n ≤ <see cref="MaxIndex"/>).</summary>
    public static ulong Value(ulong n)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, MaxIndex);
        return (0x1f * n) + 0x21;
    }
}
