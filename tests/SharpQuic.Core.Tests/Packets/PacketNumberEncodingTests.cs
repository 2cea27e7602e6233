using SharpQuic.Core.Packets;

namespace SharpQuic.Core.Tests.Packets;

public sealed class PacketNumberEncodingTests
{
    [Theory]
    // RFC 9000 Appendix A.2 (and §17.1): 0xac5c02 with 0xabe8b3 acknowledged needs 16 bits;
    // 0xace8fe needs 18 bits, hence 3 bytes.
    [InlineData(0xac5c02UL, 0xabe8b3UL, 2)]
    [InlineData(0xace8feUL, 0xabe8b3UL, 3)]
    public void EncodedLengthFollowsRfc9000AppendixA2(ulong packetNumber, ulong largestAcknowledged, int expected)
        => Assert.Equal(expected, PacketNumberEncoding.GetEncodedLength(packetNumber, largestAcknowledged));

    [Fact]
    public void EncodedLengthWithoutAcknowledgementsCountsFromZero()
    {
        Assert.Equal(1, PacketNumberEncoding.GetEncodedLength(0, null));
        Assert.Equal(1, PacketNumberEncoding.GetEncodedLength(127, null));
        Assert.Equal(2, PacketNumberEncoding.GetEncodedLength(128, null));
        Assert.Equal(4, PacketNumberEncoding.GetEncodedLength(1UL << 40, null));
    }

    [Fact]
    public void DecodeFollowsRfc9000AppendixA3()
    {
        // RFC 9000 §17.1 / A.3: largest 0xa82f30ea, 16-bit truncated 0x9b32 -> 0xa82f9b32.
        Assert.Equal(0xa82f9b32UL, PacketNumberEncoding.Decode(0xa82f30eaUL + 1, 0x9b32, 2));
    }

    [Fact]
    public void WriteAndReadTruncatedKeepTheLowBytes()
    {
        Span<byte> buffer = stackalloc byte[4];
        PacketNumberEncoding.Write(buffer, 0x1122334455UL, 3);
        Assert.Equal(new byte[] { 0x33, 0x44, 0x55 }, buffer[..3].ToArray());
        Assert.Equal(0x334455UL, PacketNumberEncoding.ReadTruncated(buffer, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => PacketNumberEncoding.Write(new byte[8], 1, 5));
    }

    [Fact]
    public void DecodeRecoversEveryNumberInsideTheWindowAndItsEdges()
    {
        var random = new Random(9000);
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(1, 5);
            ulong window = 1UL << (length * 8);
            ulong half = window / 2;
            ulong expected = (ulong)random.NextInt64(0, 1L << 40);

            // RFC 9000 A.3: a number is recovered when expected - half < pn <= expected + half.
            ulong low = expected >= half ? expected - half + 1 : 0;
            ulong high = expected + half;
            ulong[] picks = [low, high, low + (ulong)random.NextInt64(0, (long)(high - low + 1)), expected];
            foreach (ulong pn in picks)
            {
                ulong truncated = pn & (window - 1);
                Assert.Equal(pn, PacketNumberEncoding.Decode(expected, truncated, length));
            }

            // Just outside the window the decoder picks the other candidate.
            if (expected >= half)
            {
                ulong outside = expected - half;
                Assert.NotEqual(outside, PacketNumberEncoding.Decode(expected, outside & (window - 1), length));
            }
        }
    }

    [Fact]
    public void EncodedLengthIsAlwaysDecodableByAPeerThatSawTheLargestAcknowledged()
    {
        var random = new Random(17);
        Span<byte> buffer = stackalloc byte[4];
        for (int i = 0; i < 20_000; i++)
        {
            ulong acked = (ulong)random.NextInt64(0, 1L << 50);
            ulong pn = acked + 1 + (ulong)random.NextInt64(0, i % 4 == 0 ? 1L << 30 : 1L << (i % 24));
            int length = PacketNumberEncoding.GetEncodedLength(pn, acked);
            PacketNumberEncoding.Write(buffer, pn, length);
            ulong decoded = PacketNumberEncoding.Decode(acked + 1, PacketNumberEncoding.ReadTruncated(buffer, length), length);
            Assert.Equal(pn, decoded);
        }
    }

    [Fact]
    public void DecodeNeverOverflowsNearTheLimits()
    {
        Assert.Equal(0UL, PacketNumberEncoding.Decode(0, 0, 1));
        Assert.Equal(0xffUL, PacketNumberEncoding.Decode(0, 0xff, 1) & 0xff);
        ulong max = PacketNumberEncoding.MaxPacketNumber;
        Assert.Equal(max, PacketNumberEncoding.Decode(max, max & 0xffff_ffff, 4));
        Assert.True(PacketNumberEncoding.Decode(max, 0, 4) <= max);
    }
}
