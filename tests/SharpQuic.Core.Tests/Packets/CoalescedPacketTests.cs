using SharpQuic.Core.Packets;

namespace SharpQuic.Core.Tests.Packets;

public sealed class CoalescedPacketTests
{
    private static readonly byte[] s_serverCid = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];

    [Theory]
    [InlineData(0x00000001u)]
    [InlineData(0x6b3343cfu)]
    public void InitialHandshakeAndOneRttAreIteratedAndEachUnprotectedWithItsKeys(uint versionValue)
    {
        var version = new QuicVersion(versionValue);
        using var kit = new PacketTestKit(version, 10);
        byte[] datagram = new byte[1500];
        byte[][] payloads = [Fill(40, 1), Fill(300, 2), Fill(500, 3)];
        int offset = kit.WriteLong(datagram, PacketType.Initial, s_serverCid, [9, 9], [0xaa], 0, 1, payloads[0]);
        offset += kit.WriteLong(datagram.AsSpan(offset), PacketType.Handshake, s_serverCid, [9, 9], default, 5, 2, payloads[1], lengthFieldSize: 4);
        offset += kit.WriteShort(datagram.AsSpan(offset), s_serverCid, keyPhase: true, 1000, 3, payloads[2]);

        var reader = new CoalescedPacketReader(datagram.AsSpan(0, offset), s_serverCid.Length);
        PacketType[] expectedTypes = [PacketType.Initial, PacketType.Handshake, PacketType.OneRtt];
        ulong[] expectedPns = [0, 5, 1000];
        int count = 0;
        while (reader.MoveNext())
        {
            Assert.Equal(PacketParseStatus.Success, reader.Status);
            PacketHeader header = reader.Current;
            Assert.Equal(expectedTypes[count], header.Type);
            Assert.True(header.DestinationConnectionId.SequenceEqual(s_serverCid));
            Span<byte> packet = reader.CurrentPacket;
            PacketProtectionResult result = PacketProtection.Unprotect(packet, header.PacketNumberOffset, expectedPns[count], kit.KeysFor(header.Type), out ulong pn, out int payloadOffset, out int payloadLength);
            Assert.Equal(PacketProtectionResult.Success, result);
            Assert.Equal(expectedPns[count], pn);
            Assert.True(packet.Slice(payloadOffset, payloadLength).SequenceEqual(payloads[count]));
            if (header.Type == PacketType.OneRtt)
            {
                Assert.True(PacketProtection.KeyPhase(packet));
            }

            count++;
        }

        Assert.Equal(3, count);
        Assert.Equal(PacketParseStatus.Success, reader.Status);
        Assert.Equal(0, reader.SkippedPackets);
    }

    [Fact]
    public void PaddingAfterTheLastLongHeaderPacketEndsIterationWithAnError()
    {
        using var kit = new PacketTestKit(QuicVersion.V1, 11);
        byte[] datagram = new byte[1200];
        int offset = kit.WriteLong(datagram, PacketType.Initial, s_serverCid, [], [], 3, 2, Fill(100, 4));
        offset += kit.WriteLong(datagram.AsSpan(offset), PacketType.Handshake, s_serverCid, [], [], 4, 2, Fill(100, 5));

        // The rest of the datagram is zeros: a "short header" with the fixed bit 0.
        var reader = new CoalescedPacketReader(datagram, 8);
        Assert.True(reader.MoveNext());
        Assert.Equal(PacketType.Initial, reader.Current.Type);
        Assert.True(reader.MoveNext());
        Assert.Equal(PacketType.Handshake, reader.Current.Type);
        Assert.Equal(offset - reader.CurrentPacket.Length, reader.CurrentOffset);
        Assert.False(reader.MoveNext());
        Assert.Equal(PacketParseStatus.FixedBitZero, reader.Status);
        Assert.False(reader.MoveNext());

        // Junk that looks like a long header with a huge Length.
        datagram.AsSpan(offset).Fill(0xff);
        reader = new CoalescedPacketReader(datagram, 8);
        Assert.True(reader.MoveNext());
        Assert.True(reader.MoveNext());
        Assert.False(reader.MoveNext());
        Assert.NotEqual(PacketParseStatus.Success, reader.Status);
    }

    [Fact]
    public void PacketsWithAnotherDestinationConnectionIdAreSkipped()
    {
        using var kit = new PacketTestKit(QuicVersion.V2, 12);
        byte[] datagram = new byte[1500];
        int offset = kit.WriteLong(datagram, PacketType.Initial, s_serverCid, [], [], 0, 1, Fill(60, 6));
        offset += kit.WriteLong(datagram.AsSpan(offset), PacketType.Handshake, [1, 2, 3, 4, 5, 6, 7, 8], [], [], 0, 1, Fill(60, 7));
        offset += kit.WriteLong(datagram.AsSpan(offset), PacketType.Handshake, s_serverCid, [], [], 1, 1, Fill(60, 8));

        var reader = new CoalescedPacketReader(datagram.AsSpan(0, offset), 8);
        Assert.True(reader.MoveNext());
        Assert.Equal(PacketType.Initial, reader.Current.Type);
        Assert.True(reader.MoveNext());
        Assert.Equal(PacketType.Handshake, reader.Current.Type);
        Assert.Equal(PacketProtectionResult.Success, PacketProtection.Unprotect(reader.CurrentPacket, reader.Current.PacketNumberOffset, 0, kit.Handshake, out ulong pn, out _, out _));
        Assert.Equal(1UL, pn);
        Assert.False(reader.MoveNext());
        Assert.Equal(1, reader.SkippedPackets);
        Assert.Equal(PacketParseStatus.Success, reader.Status);
    }

    [Fact]
    public void UnsupportedVersionIsReportedWithItsInvariantFields()
    {
        byte[] datagram = new byte[1200];
        datagram[0] = 0xc0;
        datagram[1] = 0x1a;
        datagram[2] = 0x2a;
        datagram[3] = 0x3a;
        datagram[4] = 0x4a;
        datagram[5] = 30; // DCID of 30 bytes is fine for an unknown version
        datagram[36] = 0;
        var reader = new CoalescedPacketReader(datagram, 8);
        Assert.True(reader.MoveNext());
        Assert.Equal(PacketParseStatus.UnsupportedVersion, reader.Status);
        Assert.True(reader.Current.Version.IsReserved);
        Assert.Equal(30, reader.Current.DestinationConnectionId.Length);
        Assert.Equal(1200, reader.CurrentPacket.Length);
        Assert.False(reader.MoveNext());
    }

    private static byte[] Fill(int length, byte value)
    {
        byte[] bytes = new byte[length];
        bytes.AsSpan().Fill(value);
        bytes[0] = 0x01;
        return bytes;
    }
}
