using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Tests.Wire;

/// <summary>Random values for property tests, biased toward the varint length boundaries.</summary>
internal static class WireRandom
{
    private static readonly ulong[] Boundaries = [0, 1, 63, 64, 16383, 16384, 1073741823, 1073741824, VarInt.MaxValue - 1, VarInt.MaxValue];

    public static ulong VarInt62(Random random, ulong max = VarInt.MaxValue)
    {
        ulong value = random.Next(4) switch
        {
            0 => Boundaries[random.Next(Boundaries.Length)],
            1 => (ulong)random.Next(64),
            2 => (ulong)random.NextInt64(0, 1L << 30),
            _ => (ulong)random.NextInt64(0, long.MaxValue) & VarInt.MaxValue,
        };
        return Math.Min(value, max);
    }

    public static byte[] Bytes(Random random, int maxLength, int minLength = 0)
    {
        byte[] bytes = new byte[random.Next(minLength, maxLength + 1)];
        random.NextBytes(bytes);
        return bytes;
    }
}
