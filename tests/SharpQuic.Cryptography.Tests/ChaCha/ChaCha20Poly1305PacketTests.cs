using SharpQuic.Cryptography.Aead;
using SharpQuic.Cryptography.HeaderProtection;
using SharpQuic.Cryptography.Kdf;

namespace SharpQuic.Cryptography.Tests.ChaCha;

/// <summary>RFC 9001 Appendix A.5 and RFC 9369 Appendix A.5: a whole short header packet under ChaCha20-Poly1305.</summary>
public sealed class ChaCha20Poly1305PacketTests
{
    private const string Secret = "9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b";
    private const ulong PacketNumber = 654360564;

    public static TheoryData<string, string, string> Vectors => new()
    {
        // version, nonce, protected packet
        { "v1", "e0459b3474bdd0e46d417eb0", "4cfe4189655e5cd55c41f69080575d7999c25a5bfb" },
        { "v2", "a6b5bc6ab7dafce328ff4a29", "5558b1c60ae7b6b932bc27d786f4bc2bb20f2162ba" },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Protects_the_RFC_short_header_packet(string version, string nonce, string packet)
    {
        QuicKeyLabels labels = version == "v1" ? QuicKeyLabels.V1 : QuicKeyLabels.V2;
        using PacketProtectionKeys keys = PacketProtectionKeys.FromSecret(CipherSuite.ChaCha20Poly1305Sha256, Convert.FromHexString(Secret), labels);

        byte[] actualNonce = new byte[PacketAead.NonceSize];
        keys.ComputeNonce(PacketNumber, actualNonce);
        Assert.Equal(nonce, Convert.ToHexStringLower(actualNonce));

        byte[] protectedPacket = Protect(keys, Convert.FromHexString("4200bff4"), pnLength: 3, payload: [0x01]);
        Assert.Equal(packet, Convert.ToHexStringLower(protectedPacket));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Unprotects_the_RFC_short_header_packet(string version, string nonce, string packet)
    {
        QuicKeyLabels labels = version == "v1" ? QuicKeyLabels.V1 : QuicKeyLabels.V2;
        using PacketProtectionKeys keys = PacketProtectionKeys.FromSecret(CipherSuite.ChaCha20Poly1305Sha256, Convert.FromHexString(Secret), labels);
        byte[] bytes = Convert.FromHexString(packet);

        // RFC 9001 §5.4.2: the sample starts four bytes after the packet number offset (1 here).
        Span<byte> mask = stackalloc byte[HeaderProtectionKey.MaskSize];
        keys.HeaderProtection.ComputeMask(bytes.AsSpan(1 + 4, HeaderProtectionKey.SampleSize), mask);
        bytes[0] ^= (byte)(mask[0] & 0x1f);
        int pnLength = (bytes[0] & 0x03) + 1;
        Assert.Equal(3, pnLength);
        for (int i = 0; i < pnLength; i++)
        {
            bytes[1 + i] ^= mask[1 + i];
        }

        Assert.Equal("4200bff4", Convert.ToHexStringLower(bytes.AsSpan(0, 4)));

        // The full packet number is 0x2700bff4 (RFC 9000 §A.3 decoding is not under test here).
        Span<byte> nonceBytes = stackalloc byte[PacketAead.NonceSize];
        keys.ComputeNonce(PacketNumber, nonceBytes);
        Assert.Equal(nonce, Convert.ToHexStringLower(nonceBytes));
        int headerLength = 1 + pnLength;
        Span<byte> data = bytes.AsSpan(headerLength, bytes.Length - headerLength - PacketAead.TagSize);
        Assert.True(keys.Aead.Open(nonceBytes, bytes.AsSpan(0, headerLength), data, bytes.AsSpan(bytes.Length - PacketAead.TagSize)));
        Assert.Equal([0x01], data.ToArray());
    }

    /// <summary>AEAD seal with the unprotected header as AAD, then header protection (RFC 9001 §5.3, §5.4.1).</summary>
    private static byte[] Protect(PacketProtectionKeys keys, byte[] header, int pnLength, byte[] payload)
    {
        byte[] packet = new byte[header.Length + payload.Length + PacketAead.TagSize];
        header.CopyTo(packet, 0);
        payload.CopyTo(packet, header.Length);

        Span<byte> nonce = stackalloc byte[PacketAead.NonceSize];
        keys.ComputeNonce(PacketNumber, nonce);
        keys.Aead.Seal(nonce, header, packet.AsSpan(header.Length, payload.Length), packet.AsSpan(header.Length + payload.Length));

        int pnOffset = header.Length - pnLength;
        Span<byte> mask = stackalloc byte[HeaderProtectionKey.MaskSize];
        keys.HeaderProtection.ComputeMask(packet.AsSpan(pnOffset + 4, HeaderProtectionKey.SampleSize), mask);
        packet[0] ^= (byte)(mask[0] & 0x1f); // short header: five bits
        for (int i = 0; i < pnLength; i++)
        {
            packet[pnOffset + i] ^= mask[1 + i];
        }

        return packet;
    }
}
