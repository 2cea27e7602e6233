using SharpQuic.Cryptography.Aes;
using SharpQuic.Cryptography.ChaCha;

namespace SharpQuic.Cryptography.Aead;

/// <summary>
/// An AEAD keyed once and used for many packets (RFC 9001 §5.3). Encryption and decryption
/// work in place over the packet's payload so that the data path allocates nothing.
/// </summary>
/// <remarks>Not thread-safe: one connection's worker owns its keys.</remarks>
public abstract class PacketAead : IDisposable
{
    /// <summary>Tag length of every AEAD QUIC uses.</summary>
    public const int TagSize = 16;

    /// <summary>Nonce length of every AEAD QUIC uses.</summary>
    public const int NonceSize = 12;

    /// <summary>Creates the fastest implementation available on this machine for <paramref name="suite"/>.</summary>
    public static PacketAead Create(CipherSuite suite, ReadOnlySpan<byte> key)
    {
        if (key.Length != CipherSuiteInfo.KeySize(suite))
        {
            throw new ArgumentException("Key length does not match the cipher suite.", nameof(key));
        }

        return suite switch
        {
            CipherSuite.Aes128GcmSha256 or CipherSuite.Aes256GcmSha384 => AesGcmFactory.Create(key),
            CipherSuite.ChaCha20Poly1305Sha256 => ChaCha20Poly1305Factory.Create(key),
            _ => throw new ArgumentOutOfRangeException(nameof(suite)),
        };
    }

    /// <summary>Encrypts <paramref name="data"/> in place and writes the 16-byte tag.</summary>
    public abstract void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> data, Span<byte> tag);

    /// <summary>
    /// Decrypts <paramref name="data"/> in place. Returns false when the tag does not verify;
    /// <paramref name="data"/> is then unspecified and the packet must be discarded.
    /// </summary>
    public abstract bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, Span<byte> data, ReadOnlySpan<byte> tag);

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the key material.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
