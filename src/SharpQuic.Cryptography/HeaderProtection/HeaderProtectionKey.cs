using SharpQuic.Cryptography.Aes;
using SharpQuic.Cryptography.ChaCha;

namespace SharpQuic.Cryptography.HeaderProtection;

/// <summary>
/// Computes the header protection mask from a 16-byte ciphertext sample (RFC 9001 §5.4).
/// </summary>
/// <remarks>Not thread-safe: one connection's worker owns its keys.</remarks>
public abstract class HeaderProtectionKey : IDisposable
{
    /// <summary>Length of the ciphertext sample (RFC 9001 §5.4.2).</summary>
    public const int SampleSize = 16;

    /// <summary>Bytes of mask used: one for the first byte, up to four for the packet number.</summary>
    public const int MaskSize = 5;

    /// <summary>Creates the fastest implementation available on this machine for <paramref name="suite"/>.</summary>
    public static HeaderProtectionKey Create(CipherSuite suite, ReadOnlySpan<byte> key)
    {
        if (key.Length != CipherSuiteInfo.KeySize(suite))
        {
            throw new ArgumentException("Key length does not match the cipher suite.", nameof(key));
        }

        return suite switch
        {
            CipherSuite.Aes128GcmSha256 or CipherSuite.Aes256GcmSha384 => AesHeaderProtectionFactory.Create(key),
            CipherSuite.ChaCha20Poly1305Sha256 => ChaCha20HeaderProtectionFactory.Create(key),
            _ => throw new ArgumentOutOfRangeException(nameof(suite)),
        };
    }

    /// <summary>Writes <see cref="MaskSize"/> bytes of mask for <paramref name="sample"/> into <paramref name="mask"/>.</summary>
    public abstract void ComputeMask(ReadOnlySpan<byte> sample, Span<byte> mask);

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
