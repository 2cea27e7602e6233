using SharpQuic.Core.Packets;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Core.Tests.Packets;

/// <summary>Keys of every encryption level for one version, and builders of protected packets.</summary>
internal sealed class PacketTestKit : IDisposable
{
    public static readonly byte[] ClientDcid = Convert.FromHexString("8394c8f03e515708");

    private readonly InitialPacketKeys _initial;

    public PacketTestKit(QuicVersion version, int seed)
    {
        Version = version;
        var random = new Random(seed);
        _initial = InitialPacketKeys.Derive(ClientDcid, version);
        Handshake = FromRandomSecret(random, CipherSuite.Aes128GcmSha256, version);
        ZeroRtt = FromRandomSecret(random, CipherSuite.Aes256GcmSha384, version);
        OneRtt = FromRandomSecret(random, CipherSuite.Aes128GcmSha256, version);
    }

    public QuicVersion Version { get; }

    public PacketProtectionKeys Initial => _initial.Client;

    public PacketProtectionKeys Handshake { get; }

    public PacketProtectionKeys ZeroRtt { get; }

    public PacketProtectionKeys OneRtt { get; }

    public PacketProtectionKeys KeysFor(PacketType type) => type switch
    {
        PacketType.Initial => Initial,
        PacketType.Handshake => Handshake,
        PacketType.ZeroRtt => ZeroRtt,
        _ => OneRtt,
    };

    public static PacketProtectionKeys FromRandomSecret(Random random, CipherSuite suite, QuicVersion version)
    {
        byte[] secret = new byte[CipherSuiteInfo.HashSize(suite)];
        random.NextBytes(secret);
        return PacketProtectionKeys.FromSecret(suite, secret, version.KeyLabels);
    }

    /// <summary>Writes a protected Initial, 0-RTT or Handshake packet; returns its length.</summary>
    public int WriteLong(Span<byte> destination, PacketType type, ReadOnlySpan<byte> dcid, ReadOnlySpan<byte> scid, ReadOnlySpan<byte> token, ulong pn, int pnLength, ReadOnlySpan<byte> payload, int lengthFieldSize = 2)
    {
        Assert.True(PacketHeaderWriter.TryWriteLongHeader(destination, Version, type, dcid, scid, token, pn, pnLength, lengthFieldSize, out LongHeaderLayout layout));
        payload.CopyTo(destination[layout.PayloadOffset..]);
        int length = PacketHeaderWriter.CompleteLongHeader(destination, layout, payload.Length);
        PacketProtection.Protect(destination[..length], layout.PacketNumberOffset, pnLength, pn, KeysFor(type));
        return length;
    }

    /// <summary>Writes a protected 1-RTT packet; returns its length.</summary>
    public int WriteShort(Span<byte> destination, ReadOnlySpan<byte> dcid, bool keyPhase, ulong pn, int pnLength, ReadOnlySpan<byte> payload)
    {
        Assert.True(PacketHeaderWriter.TryWriteShortHeader(destination, dcid, spinBit: true, keyPhase, pn, pnLength, out int headerLength));
        payload.CopyTo(destination[headerLength..]);
        int length = headerLength + payload.Length + PacketAead.TagSize;
        PacketProtection.Protect(destination[..length], 1 + dcid.Length, pnLength, pn, OneRtt);
        return length;
    }

    public void Dispose()
    {
        _initial.Dispose();
        Handshake.Dispose();
        ZeroRtt.Dispose();
        OneRtt.Dispose();
    }
}
