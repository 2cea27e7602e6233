using SharpQuic.Core.Packets;

namespace SharpQuic.Core.Tests.Packets;

public sealed class VersionTests
{
    [Fact]
    public void TypeBitsFollowRfc9000AndRfc9369()
    {
        // RFC 9000 §17.2: Initial 0, 0-RTT 1, Handshake 2, Retry 3. RFC 9369 §3.2: 1, 2, 3, 0.
        PacketType[] types = [PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake, PacketType.Retry];
        int[] v1 = [0, 1, 2, 3];
        int[] v2 = [1, 2, 3, 0];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(v1[i], QuicVersion.V1.TypeBits(types[i]));
            Assert.Equal(v2[i], QuicVersion.V2.TypeBits(types[i]));
            Assert.Equal(types[i], QuicVersion.V1.PacketTypeFromBits(v1[i]));
            Assert.Equal(types[i], QuicVersion.V2.PacketTypeFromBits(v2[i]));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => QuicVersion.V1.TypeBits(PacketType.OneRtt));
    }

    [Fact]
    public void ReservedVersionsFollowThePattern()
    {
        var random = new Random(15);
        for (int i = 0; i < 1000; i++)
        {
            QuicVersion grease = QuicVersion.CreateReserved((uint)random.NextInt64(0, 1L << 32));
            Assert.True(grease.IsReserved);
            Assert.False(grease.IsSupported);
            Assert.Equal(0x0a0a0a0au, grease.Value & 0x0f0f0f0fu);
        }

        Assert.True(new QuicVersion(0x1a2a3a4a).IsReserved);
        Assert.False(QuicVersion.V1.IsReserved);
        Assert.False(QuicVersion.V2.IsReserved);
        Assert.True(QuicVersion.V1.IsSupported);
        Assert.True(QuicVersion.V2.IsSupported);
        Assert.False(new QuicVersion(0xff00001d).IsSupported);
        Assert.Throws<InvalidOperationException>(() => new QuicVersion(3).KeyLabels);
        Assert.Equal("0x6b3343cf", QuicVersion.V2.ToString());
    }
}
