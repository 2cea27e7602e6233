using SharpQuic.Core.Packets;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Core.Tests.Packets;

/// <summary>Write, parse, protect and unprotect every header type over random values, v1 and v2.</summary>
public sealed class HeaderRoundTripTests
{
    public static TheoryData<uint> Versions => new() { QuicVersion.V1.Value, QuicVersion.V2.Value };

    [Theory]
    [MemberData(nameof(Versions))]
    public void LongHeadersRoundTrip(uint versionValue)
    {
        var version = new QuicVersion(versionValue);
        using var kit = new PacketTestKit(version, 1);
        var random = new Random((int)versionValue);
        PacketType[] types = [PacketType.Initial, PacketType.ZeroRtt, PacketType.Handshake];
        byte[] buffer = new byte[2000];
        for (int i = 0; i < 2000; i++)
        {
            PacketType type = types[i % 3];
            byte[] dcid = RandomBytes(random, random.Next(0, 21));
            byte[] scid = RandomBytes(random, random.Next(0, 21));
            byte[] token = type == PacketType.Initial ? RandomBytes(random, random.Next(0, i % 7 == 0 ? 300 : 40)) : [];
            int pnLength = random.Next(1, 5);
            ulong expected = (ulong)random.NextInt64(0, 1L << 40);
            ulong pn = expected + (ulong)random.Next(0, 100);
            byte[] payload = RandomBytes(random, random.Next(4 - pnLength, 1200));
            int lengthFieldSize = i % 2 == 0 ? 2 : 4;

            Array.Clear(buffer);
            int length = kit.WriteLong(buffer, type, dcid, scid, token, pn, pnLength, payload, lengthFieldSize);

            // Trailing bytes after the packet must not be counted in it.
            Assert.Equal(PacketParseStatus.Success, PacketHeader.TryParse(buffer.AsSpan(0, length + random.Next(0, 50)), 8, out PacketHeader header));
            Assert.Equal(type, header.Type);
            Assert.Equal(version, header.Version);
            Assert.True(header.IsLongHeader);
            Assert.True(header.DestinationConnectionId.SequenceEqual(dcid));
            Assert.True(header.SourceConnectionId.SequenceEqual(scid));
            Assert.True(header.Token.SequenceEqual(token));
            Assert.Equal(length, header.PacketLength);

            Span<byte> packet = buffer.AsSpan(0, length);
            PacketProtectionResult result = PacketProtection.Unprotect(packet, header.PacketNumberOffset, expected, kit.KeysFor(type), out ulong decodedPn, out int payloadOffset, out int payloadLength);
            Assert.Equal(PacketProtectionResult.Success, result);
            Assert.Equal(pn, decodedPn);
            Assert.True(packet.Slice(payloadOffset, payloadLength).SequenceEqual(payload));
            Assert.Equal(header.PacketNumberOffset + pnLength, payloadOffset);
        }
    }

    [Fact]
    public void ShortHeadersRoundTripWithKeyPhase()
    {
        using var kit = new PacketTestKit(QuicVersion.V1, 2);
        var random = new Random(3);
        byte[] buffer = new byte[1600];
        for (int i = 0; i < 2000; i++)
        {
            byte[] dcid = RandomBytes(random, random.Next(0, 21));
            bool keyPhase = random.Next(2) == 1;
            int pnLength = random.Next(1, 5);
            ulong expected = (ulong)random.NextInt64(0, 1L << 50);
            ulong pn = expected + (ulong)random.Next(0, 100);
            byte[] payload = RandomBytes(random, random.Next(4 - pnLength, 1400));
            int length = kit.WriteShort(buffer, dcid, keyPhase, pn, pnLength, payload);

            Span<byte> packet = buffer.AsSpan(0, length);
            Assert.Equal(PacketParseStatus.Success, PacketHeader.TryParse(packet, dcid.Length, out PacketHeader header));
            Assert.Equal(PacketType.OneRtt, header.Type);
            Assert.False(header.IsLongHeader);
            Assert.True(header.DestinationConnectionId.SequenceEqual(dcid));
            Assert.Equal(length, header.PacketLength);

            // Two-step path, as a receiver doing key updates would.
            Assert.Equal(PacketProtectionResult.Success, PacketProtection.RemoveHeaderProtection(packet, header.PacketNumberOffset, expected, kit.OneRtt.HeaderProtection, out ulong decodedPn, out int decodedLength));
            Assert.Equal(keyPhase, PacketProtection.KeyPhase(packet));
            Assert.Equal(pn, decodedPn);
            Assert.Equal(pnLength, decodedLength);
            Assert.Equal(PacketProtectionResult.Success, PacketProtection.DecryptPayload(packet, header.PacketNumberOffset, decodedLength, decodedPn, kit.OneRtt, out int payloadOffset, out int payloadLength));
            Assert.True(packet.Slice(payloadOffset, payloadLength).SequenceEqual(payload));
            Assert.Equal(0x20, packet[0] & 0x20); // spin bit, unprotected
        }
    }

    [Fact]
    public void ReservedBitsAreReportedOnlyAfterSuccessfulDecryption()
    {
        using var kit = new PacketTestKit(QuicVersion.V2, 4);
        byte[] buffer = new byte[200];
        byte[] payload = new byte[30];

        // A sender that sets a reserved bit before protection: decrypts, then PROTOCOL_VIOLATION.
        Assert.True(PacketHeaderWriter.TryWriteShortHeader(buffer, default, false, false, 7, 2, out int headerLength));
        buffer[0] |= 0x08;
        int length = headerLength + payload.Length + PacketAead.TagSize;
        PacketProtection.Protect(buffer.AsSpan(0, length), 1, 2, 7, kit.OneRtt);
        Assert.Equal(PacketProtectionResult.ReservedBitsSet, PacketProtection.Unprotect(buffer.AsSpan(0, length), 1, 7, kit.OneRtt, out ulong pn, out _, out _));
        Assert.Equal(7UL, pn);

        // The same for a long header (reserved bits 0x0c).
        Assert.True(PacketHeaderWriter.TryWriteLongHeader(buffer, QuicVersion.V2, PacketType.Handshake, [1, 2], [3], default, 9, 1, 2, out LongHeaderLayout layout));
        buffer[0] |= 0x04;
        length = PacketHeaderWriter.CompleteLongHeader(buffer, layout, payload.Length);
        PacketProtection.Protect(buffer.AsSpan(0, length), layout.PacketNumberOffset, 1, 9, kit.Handshake);
        Assert.Equal(PacketProtectionResult.ReservedBitsSet, PacketProtection.Unprotect(buffer.AsSpan(0, length), layout.PacketNumberOffset, 9, kit.Handshake, out _, out _, out _));

        // A forged packet with a bad tag is dropped as a decryption failure instead.
        length = kit.WriteShort(buffer, default, false, 11, 2, payload);
        buffer[length - 1] ^= 1;
        Assert.Equal(PacketProtectionResult.DecryptionFailed, PacketProtection.Unprotect(buffer.AsSpan(0, length), 1, 11, kit.OneRtt, out _, out _, out _));
    }

    [Fact]
    public void PacketsTooShortForTheSampleAreDropped()
    {
        using var kit = new PacketTestKit(QuicVersion.V1, 5);
        byte[] buffer = new byte[100];
        int length = kit.WriteShort(buffer, [9, 9, 9], false, 1, 1, [1, 0, 0]);
        Assert.Equal(PacketProtectionResult.Success, PacketProtection.Unprotect(buffer.AsSpan(0, length), 4, 0, kit.OneRtt, out _, out _, out _));
        length = kit.WriteShort(buffer, [9, 9, 9], false, 1, 1, [1, 0, 0]);
        Assert.Equal(PacketProtectionResult.TooShort, PacketProtection.Unprotect(buffer.AsSpan(0, length - 1), 4, 0, kit.OneRtt, out _, out _, out _));
        Assert.Throws<ArgumentException>(() => PacketProtection.Protect(new byte[1 + 1 + 2 + 16], 1, 1, 0, kit.OneRtt));
    }

    [Fact]
    public void MalformedLongHeadersReturnAnErrorValue()
    {
        using var kit = new PacketTestKit(QuicVersion.V1, 6);
        byte[] buffer = new byte[300];
        int length = kit.WriteLong(buffer, PacketType.Initial, [1, 2, 3, 4], [5], [7, 7], 0, 4, new byte[50]);

        // Every truncation inside the header or the Length is reported as Truncated.
        for (int cut = 1; cut < length; cut++)
        {
            Assert.Equal(PacketParseStatus.Truncated, PacketHeader.TryParse(buffer.AsSpan(0, cut), 8, out _));
        }

        byte[] copy = buffer[..length];
        copy[0] &= 0xbf;
        Assert.Equal(PacketParseStatus.FixedBitZero, PacketHeader.TryParse(copy, 8, out _));

        // DCID length 21 in a v1 packet.
        byte[] longCid = new byte[60];
        longCid[0] = 0xc0;
        longCid[4] = 1;
        longCid[5] = 21;
        Assert.Equal(PacketParseStatus.ConnectionIdTooLong, PacketHeader.TryParse(longCid, 8, out _));

        // The same with an unknown version: the invariants allow it (RFC 8999 §5.1).
        longCid[4] = 9;
        Assert.Equal(PacketParseStatus.UnsupportedVersion, PacketHeader.TryParse(longCid, 8, out PacketHeader unknown));
        Assert.Equal(21, unknown.DestinationConnectionId.Length);
        Assert.Equal(new QuicVersion(9), unknown.Version);
        Assert.Equal(-1, unknown.PacketNumberOffset);

        Assert.Equal(PacketParseStatus.Empty, PacketHeader.TryParse(default, 8, out _));
        Assert.Equal(PacketParseStatus.FixedBitZero, PacketHeader.TryParse(new byte[30], 8, out _));
        Assert.Equal(PacketParseStatus.Truncated, PacketHeader.TryParse(new byte[] { 0x40, 1, 2 }, 8, out _));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void RetryPacketsRoundTrip(uint versionValue)
    {
        var version = new QuicVersion(versionValue);
        var random = new Random(7);
        byte[] buffer = new byte[1500];
        for (int i = 0; i < 300; i++)
        {
            byte[] dcid = RandomBytes(random, random.Next(0, 21));
            byte[] scid = RandomBytes(random, random.Next(0, 21));
            byte[] odcid = RandomBytes(random, random.Next(8, 21));
            byte[] token = RandomBytes(random, random.Next(1, i % 10 == 0 ? 1000 : 100));
            byte unused = (byte)random.Next(16);
            Assert.True(RetryPacket.TryWrite(buffer, version, dcid, scid, token, odcid, unused, out int written));
            ReadOnlySpan<byte> packet = buffer.AsSpan(0, written);
            Assert.Equal(PacketParseStatus.Success, PacketHeader.TryParse(packet, 8, out PacketHeader header));
            Assert.Equal(PacketType.Retry, header.Type);
            Assert.Equal(version, header.Version);
            Assert.Equal(unused, header.FirstByte & 0x0f);
            Assert.True(header.DestinationConnectionId.SequenceEqual(dcid));
            Assert.True(header.SourceConnectionId.SequenceEqual(scid));
            Assert.True(header.Token.SequenceEqual(token));
            Assert.Equal(written, header.PacketLength);
            Assert.Equal(-1, header.PacketNumberOffset);
            Assert.True(RetryPacket.IsIntegrityTagValid(packet, version, odcid));
            odcid[0] ^= 0x80;
            Assert.False(RetryPacket.IsIntegrityTagValid(packet, version, odcid));
        }

        Assert.False(RetryPacket.TryWrite(new byte[20], version, [1], [2], [3], [4], 0, out _));
        Assert.Throws<ArgumentException>(() => RetryPacket.TryWrite(buffer, version, [1], [2], default, [4], 0, out _));
    }

    [Fact]
    public void RetryWithEmptyTokenIsRejected()
    {
        byte[] buffer = new byte[100];
        Assert.True(RetryPacket.TryWrite(buffer, QuicVersion.V1, [1], [2], [3], [4], 0, out int written));

        // Remove the one-byte token: only the tag is left after the SCID.
        byte[] noToken = [.. buffer.AsSpan(0, written - 17), .. buffer.AsSpan(written - 16, 16)];
        Assert.Equal(PacketParseStatus.EmptyRetryToken, PacketHeader.TryParse(noToken, 8, out _));
        Assert.Equal(PacketParseStatus.Truncated, PacketHeader.TryParse(noToken.AsSpan(0, noToken.Length - 1), 8, out _));
    }

    [Fact]
    public void VersionNegotiationRoundTripsAndIsJudgedFromTheClientSide()
    {
        var random = new Random(8);
        byte[] buffer = new byte[600];
        for (int i = 0; i < 500; i++)
        {
            // RFC 8999: connection IDs of unknown versions may be up to 255 bytes.
            byte[] clientDcid = RandomBytes(random, random.Next(0, i % 5 == 0 ? 256 : 21));
            byte[] clientScid = RandomBytes(random, random.Next(0, 21));
            QuicVersion[] supported = i % 2 == 0 ? [QuicVersion.V1, QuicVersion.V2] : [QuicVersion.V2];
            QuicVersion? grease = i % 3 == 0 ? QuicVersion.CreateReserved((uint)random.Next()) : null;
            byte bits = (byte)random.Next(256);
            Assert.True(VersionNegotiationPacket.TryWrite(buffer, bits, clientDcid, clientScid, supported, grease, out int written));

            ReadOnlySpan<byte> packet = buffer.AsSpan(0, written);
            Assert.Equal(PacketParseStatus.Success, PacketHeader.TryParse(packet, 8, out PacketHeader header));
            Assert.Equal(PacketType.VersionNegotiation, header.Type);
            Assert.Equal(0x80 | 0x40 | (bits & 0x3f), header.FirstByte);
            Assert.True(header.DestinationConnectionId.SequenceEqual(clientScid));
            Assert.True(header.SourceConnectionId.SequenceEqual(clientDcid));
            Assert.Equal((supported.Length + (grease is null ? 0 : 1)) * 4, header.SupportedVersions.Length);
            for (int v = 0; v < supported.Length; v++)
            {
                Assert.Equal(supported[v], header.GetSupportedVersion(v));
            }

            if (grease is QuicVersion g)
            {
                Assert.True(header.GetSupportedVersion(supported.Length).IsReserved);
                Assert.Equal(g, header.GetSupportedVersion(supported.Length));
            }

            Assert.Equal(VersionNegotiationOutcome.ListsClientVersion, VersionNegotiationPacket.Evaluate(header, QuicVersion.V2, clientDcid, clientScid));
            Assert.Equal(i % 2 == 0 ? VersionNegotiationOutcome.ListsClientVersion : VersionNegotiationOutcome.Valid, VersionNegotiationPacket.Evaluate(header, QuicVersion.V1, clientDcid, clientScid));
            Assert.Equal(VersionNegotiationOutcome.Valid, VersionNegotiationPacket.Evaluate(header, new QuicVersion(0x0a1a2a3a), clientDcid, clientScid));
            if (clientDcid.Length != clientScid.Length || !clientDcid.AsSpan().SequenceEqual(clientScid))
            {
                Assert.Equal(VersionNegotiationOutcome.ConnectionIdMismatch, VersionNegotiationPacket.Evaluate(header, QuicVersion.V1, clientScid, clientDcid));
            }

            // A list that is not a whole number of versions is invalid.
            Assert.Equal(PacketParseStatus.InvalidVersionList, PacketHeader.TryParse(packet[..^1], 8, out _));
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
