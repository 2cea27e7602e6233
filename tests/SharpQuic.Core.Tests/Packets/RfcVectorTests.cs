using SharpQuic.Core.Packets;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.Aead;
using SharpQuic.Cryptography.Kdf;

namespace SharpQuic.Core.Tests.Packets;

/// <summary>Byte-for-byte checks against RFC 9001 Appendix A and RFC 9369 Appendix A, both directions.</summary>
public sealed class RfcVectorTests
{
    private static readonly byte[] s_clientDcid = Convert.FromHexString("8394c8f03e515708");
    private static readonly byte[] s_serverScid = Convert.FromHexString("f067a5502a4262b5");

    public static TheoryData<uint> Versions => new() { QuicVersion.V1.Value, QuicVersion.V2.Value };

    [Theory]
    [MemberData(nameof(Versions))]
    public void ClientInitialIsProtectedAndUnprotectedByteForByte(uint versionValue)
    {
        var version = new QuicVersion(versionValue);
        bool v1 = version == QuicVersion.V1;
        byte[] expectedHeader = Convert.FromHexString(v1 ? RfcPacketVectors.V1ClientInitialHeader : RfcPacketVectors.V2ClientInitialHeader);
        byte[] expectedPacket = Convert.FromHexString(v1 ? RfcPacketVectors.V1ClientInitialProtected : RfcPacketVectors.V2ClientInitialProtected);

        // RFC 9001 A.2: the CRYPTO frame padded with PADDING (0x00) to 1162 bytes.
        byte[] payload = new byte[1162];
        Convert.FromHexString(v1 ? RfcPacketVectors.V1ClientInitialCryptoFrame : RfcPacketVectors.V2ClientInitialCryptoFrame).CopyTo(payload, 0);

        using InitialPacketKeys keys = InitialPacketKeys.Derive(s_clientDcid, version);
        byte[] packet = new byte[1200];
        Assert.True(PacketHeaderWriter.TryWriteLongHeader(packet, version, PacketType.Initial, s_clientDcid, default, default, 2, 4, 2, out LongHeaderLayout layout));
        payload.CopyTo(packet, layout.PayloadOffset);
        int length = PacketHeaderWriter.CompleteLongHeader(packet, layout, payload.Length);
        Assert.Equal(1200, length);
        Assert.Equal(expectedHeader, packet[..layout.PayloadOffset]);

        PacketProtection.Protect(packet, layout.PacketNumberOffset, layout.PacketNumberLength, 2, keys.Client);
        Assert.Equal(expectedPacket, packet);

        // The server's side: parse, then unprotect with the client keys it derives itself.
        Assert.Equal(PacketParseStatus.Success, PacketHeader.TryParse(expectedPacket, 8, out PacketHeader header));
        Assert.Equal(PacketType.Initial, header.Type);
        Assert.Equal(version, header.Version);
        Assert.True(header.DestinationConnectionId.SequenceEqual(s_clientDcid));
        Assert.Equal(0, header.SourceConnectionId.Length);
        Assert.Equal(0, header.Token.Length);
        Assert.Equal(18, header.PacketNumberOffset);
        Assert.Equal(1200, header.PacketLength);

        using InitialPacketKeys serverSide = InitialPacketKeys.Derive(header.DestinationConnectionId, version);
        byte[] received = (byte[])expectedPacket.Clone();
        PacketProtectionResult result = PacketProtection.Unprotect(received, header.PacketNumberOffset, 0, serverSide.OpenKeys(isServer: true), out ulong pn, out int payloadOffset, out int payloadLength);
        Assert.Equal(PacketProtectionResult.Success, result);
        Assert.Equal(2UL, pn);
        Assert.Equal(expectedHeader, received[..payloadOffset]);
        Assert.Equal(payload, received.AsSpan(payloadOffset, payloadLength).ToArray());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void ServerInitialIsProtectedAndUnprotectedByteForByte(uint versionValue)
    {
        var version = new QuicVersion(versionValue);
        bool v1 = version == QuicVersion.V1;
        byte[] expectedHeader = Convert.FromHexString(v1 ? RfcPacketVectors.V1ServerInitialHeader : RfcPacketVectors.V2ServerInitialHeader);
        byte[] expectedPacket = Convert.FromHexString(v1 ? RfcPacketVectors.V1ServerInitialProtected : RfcPacketVectors.V2ServerInitialProtected);
        byte[] payload = Convert.FromHexString(v1 ? RfcPacketVectors.V1ServerInitialPayload : RfcPacketVectors.V2ServerInitialPayload);

        using InitialPacketKeys keys = InitialPacketKeys.Derive(s_clientDcid, version);
        byte[] packet = new byte[expectedPacket.Length];
        Assert.True(PacketHeaderWriter.TryWriteLongHeader(packet, version, PacketType.Initial, default, s_serverScid, default, 1, 2, 2, out LongHeaderLayout layout));
        payload.CopyTo(packet, layout.PayloadOffset);
        Assert.Equal(expectedPacket.Length, PacketHeaderWriter.CompleteLongHeader(packet, layout, payload.Length));
        Assert.Equal(expectedHeader, packet[..layout.PayloadOffset]);

        PacketProtection.Protect(packet, layout.PacketNumberOffset, layout.PacketNumberLength, 1, keys.SealKeys(isServer: true));
        Assert.Equal(expectedPacket, packet);

        Assert.Equal(PacketParseStatus.Success, PacketHeader.TryParse(expectedPacket, 0, out PacketHeader header));
        Assert.Equal(PacketType.Initial, header.Type);
        Assert.True(header.SourceConnectionId.SequenceEqual(s_serverScid));
        Assert.Equal(expectedPacket.Length, header.PacketLength);
        byte[] received = (byte[])expectedPacket.Clone();
        PacketProtectionResult result = PacketProtection.Unprotect(received, header.PacketNumberOffset, 0, keys.OpenKeys(isServer: false), out ulong pn, out int payloadOffset, out int payloadLength);
        Assert.Equal(PacketProtectionResult.Success, result);
        Assert.Equal(1UL, pn);
        Assert.Equal(expectedHeader, received[..payloadOffset]);
        Assert.Equal(payload, received.AsSpan(payloadOffset, payloadLength).ToArray());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public void RetryIntegrityTagMatchesAndValidates(uint versionValue)
    {
        var version = new QuicVersion(versionValue);
        byte[] expected = Convert.FromHexString(version == QuicVersion.V1 ? RfcPacketVectors.V1Retry : RfcPacketVectors.V2Retry);

        byte[] packet = new byte[100];
        Assert.True(RetryPacket.TryWrite(packet, version, default, s_serverScid, "token"u8, s_clientDcid, 0x0f, out int written));
        Assert.Equal(expected, packet[..written]);

        Assert.Equal(PacketParseStatus.Success, PacketHeader.TryParse(expected, 0, out PacketHeader header));
        Assert.Equal(PacketType.Retry, header.Type);
        Assert.Equal(version, header.Version);
        Assert.True(header.Token.SequenceEqual("token"u8));
        Assert.True(header.RetryIntegrityTag.SequenceEqual(expected.AsSpan(^16)));
        Assert.True(RetryPacket.IsIntegrityTagValid(expected, version, s_clientDcid));

        // Another ODCID, another version, or any flipped bit must fail.
        Assert.False(RetryPacket.IsIntegrityTagValid(expected, version, s_serverScid));
        Assert.False(RetryPacket.IsIntegrityTagValid(expected, version == QuicVersion.V1 ? QuicVersion.V2 : QuicVersion.V1, s_clientDcid));
        for (int i = 0; i < expected.Length * 8; i++)
        {
            byte[] flipped = (byte[])expected.Clone();
            flipped[i / 8] ^= (byte)(1 << (i % 8));
            Assert.False(RetryPacket.IsIntegrityTagValid(flipped, version, s_clientDcid));
        }
    }

    // RFC 9001 A.5 / RFC 9369 A.5: the whole packet both ways, and the payload half alone with
    // the key and nonce the RFC lists (so a failure says which half is wrong).
    [Theory]
    [InlineData(0x00000001u, "4cfe4189655e5cd55c41f69080575d7999c25a5bfb", "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8", "e0459b3474bdd0e46d417eb0")]
    [InlineData(0x6b3343cfu, "5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba", "3bfcddd72bcf02541d7fa0dd1f5f9eeea817e09a6963a0e6c7df0f9a1bab90f2", "a6b5bc6ab7dafce328ff4a29")]
    public void ChaCha20ShortHeaderPacketIsProtectedAndUnprotectedByteForByte(uint versionValue, string expectedHex, string keyHex, string nonceHex)
    {
        var version = new QuicVersion(versionValue);
        byte[] secret = Convert.FromHexString("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
        byte[] expected = Convert.FromHexString(expectedHex);
        const ulong PacketNumber = 654360564;

        AssertChaChaPayloadOnly(Convert.FromHexString(keyHex), Convert.FromHexString(nonceHex), expected[4..]);
        using PacketProtectionKeys keys = PacketProtectionKeys.FromSecret(CipherSuite.ChaCha20Poly1305Sha256, secret, version.KeyLabels);
        byte[] packet = new byte[4 + 1 + PacketAead.TagSize];
        Assert.True(PacketHeaderWriter.TryWriteShortHeader(packet, default, spinBit: false, keyPhase: false, PacketNumber, 3, out int headerLength));
        Assert.Equal(Convert.FromHexString("4200bff4"), packet[..headerLength]);
        packet[headerLength] = 0x01; // PING
        PacketProtection.Protect(packet, 1, 3, PacketNumber, keys);
        Assert.Equal(expected, packet);

        byte[] received = (byte[])expected.Clone();
        Assert.Equal(PacketParseStatus.Success, PacketHeader.TryParse(received, 0, out PacketHeader header));
        Assert.Equal(PacketType.OneRtt, header.Type);
        PacketProtectionResult result = PacketProtection.Unprotect(received, header.PacketNumberOffset, PacketNumber - 1000, keys, out ulong pn, out int payloadOffset, out int payloadLength);
        Assert.Equal(PacketProtectionResult.Success, result);
        Assert.Equal(PacketNumber, pn);
        Assert.False(PacketProtection.KeyPhase(received));
        Assert.Equal(4, payloadOffset);
        Assert.Equal(1, payloadLength);
        Assert.Equal(0x01, received[4]);
    }

    private static void AssertChaChaPayloadOnly(byte[] key, byte[] nonce, byte[] expectedCiphertextAndTag)
    {
        byte[] header = Convert.FromHexString("4200bff4");
        using PacketAead aead = PacketAead.Create(CipherSuite.ChaCha20Poly1305Sha256, key);
        byte[] data = [0x01];
        byte[] tag = new byte[PacketAead.TagSize];
        aead.Seal(nonce, header, data, tag);
        Assert.Equal(expectedCiphertextAndTag, data.Concat(tag).ToArray());
        Assert.True(aead.Open(nonce, header, data, tag));
        Assert.Equal(0x01, data[0]);
    }

    [Fact]
    public void InitialKeysAreDerivedPerVersion()
    {
        // The AEAD keys are not exposed; a packet sealed with v1 keys must not open with v2 keys.
        using InitialPacketKeys v1 = InitialPacketKeys.Derive(s_clientDcid, QuicVersion.V1);
        using InitialPacketKeys v2 = InitialPacketKeys.Derive(s_clientDcid, QuicVersion.V2);
        byte[] packet = Convert.FromHexString(RfcPacketVectors.V1ClientInitialProtected);
        Assert.Equal(PacketProtectionResult.DecryptionFailed, PacketProtection.Unprotect(packet, 18, 0, v2.Client, out _, out _, out _));
        Assert.Same(v1.Client, v1.SealKeys(isServer: false));
        Assert.Same(v1.Server, v1.OpenKeys(isServer: false));
        Assert.Equal(QuicKeyLabels.V2, QuicVersion.V2.KeyLabels);
    }
}
