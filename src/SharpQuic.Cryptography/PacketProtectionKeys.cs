using System.Buffers.Binary;
using System.Security.Cryptography;
using SharpQuic.Cryptography.Aead;
using SharpQuic.Cryptography.HeaderProtection;
using SharpQuic.Cryptography.Kdf;

namespace SharpQuic.Cryptography;

/// <summary>
/// The keys that protect packets in one direction at one encryption level: an AEAD, its IV
/// and the header protection key (RFC 9001 §5.1).
/// </summary>
public sealed class PacketProtectionKeys : IDisposable
{
    private readonly byte[] _iv;
    private readonly bool _ownsHeaderProtection;

    private PacketProtectionKeys(CipherSuite suite, PacketAead aead, byte[] iv, HeaderProtectionKey headerProtection, bool ownsHeaderProtection)
    {
        Suite = suite;
        Aead = aead;
        _iv = iv;
        HeaderProtection = headerProtection;
        _ownsHeaderProtection = ownsHeaderProtection;
    }

    /// <summary>The negotiated cipher suite.</summary>
    public CipherSuite Suite { get; }

    /// <summary>Packet payload protection.</summary>
    public PacketAead Aead { get; }

    /// <summary>Header protection; it does not change on key update (RFC 9001 §6).</summary>
    public HeaderProtectionKey HeaderProtection { get; }

    /// <summary>Derives "quic key", "quic iv" and "quic hp" (or the v2 labels) from a traffic secret.</summary>
    public static PacketProtectionKeys FromSecret(CipherSuite suite, ReadOnlySpan<byte> secret, QuicKeyLabels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        HashAlgorithmName hash = CipherSuiteInfo.Hash(suite);
        int keySize = CipherSuiteInfo.KeySize(suite);
        Span<byte> key = stackalloc byte[keySize];
        Span<byte> hp = stackalloc byte[keySize];
        var iv = new byte[PacketAead.NonceSize];
        HkdfLabel.Expand(hash, secret, labels.Key, default, key);
        HkdfLabel.Expand(hash, secret, labels.Iv, default, iv);
        HkdfLabel.Expand(hash, secret, labels.Hp, default, hp);
        try
        {
            return new PacketProtectionKeys(suite, PacketAead.Create(suite, key), iv, HeaderProtectionKey.Create(suite, hp), ownsHeaderProtection: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(hp);
        }
    }

    /// <summary>The secret of the next key phase: HKDF-Expand-Label(secret, "quic ku", "", Hash.length) (RFC 9001 §6.1).</summary>
    public static void NextSecret(CipherSuite suite, ReadOnlySpan<byte> secret, QuicKeyLabels labels, Span<byte> nextSecret)
    {
        ArgumentNullException.ThrowIfNull(labels);
        HkdfLabel.Expand(CipherSuiteInfo.Hash(suite), secret, labels.KeyUpdate, default, nextSecret[..CipherSuiteInfo.HashSize(suite)]);
    }

    /// <summary>
    /// Keys of the next key phase, derived from <paramref name="nextSecret"/>: a new AEAD key and IV,
    /// the same header protection key (RFC 9001 §6.1). The result shares this instance's header
    /// protection; dispose the oldest generation last, or simply never before its successors.
    /// </summary>
    public PacketProtectionKeys NextGeneration(ReadOnlySpan<byte> nextSecret, QuicKeyLabels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        HashAlgorithmName hash = CipherSuiteInfo.Hash(Suite);
        Span<byte> key = stackalloc byte[CipherSuiteInfo.KeySize(Suite)];
        var iv = new byte[PacketAead.NonceSize];
        HkdfLabel.Expand(hash, nextSecret, labels.Key, default, key);
        HkdfLabel.Expand(hash, nextSecret, labels.Iv, default, iv);
        try
        {
            return new PacketProtectionKeys(Suite, PacketAead.Create(Suite, key), iv, HeaderProtection, ownsHeaderProtection: false);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The AEAD nonce: the IV XORed with the packet number, left-padded to 12 bytes (RFC 9001 §5.3).</summary>
    public void ComputeNonce(ulong packetNumber, Span<byte> nonce)
    {
        _iv.CopyTo(nonce);
        ulong tail = BinaryPrimitives.ReadUInt64BigEndian(nonce[4..]) ^ packetNumber;
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], tail);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Aead.Dispose();
        if (_ownsHeaderProtection)
        {
            HeaderProtection.Dispose();
        }

        CryptographicOperations.ZeroMemory(_iv);
    }
}
