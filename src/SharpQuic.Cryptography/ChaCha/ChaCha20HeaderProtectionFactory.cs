using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>Chooses the ChaCha20 header protection implementation (RFC 9001 §5.4.4).</summary>
internal static class ChaCha20HeaderProtectionFactory
{
    // The ChaCha20 block function of our own (RFC 8439 §2.3) lands with ChaCha20HeaderProtection.
    public static HeaderProtectionKey Create(ReadOnlySpan<byte> key)
        => throw new PlatformNotSupportedException("ChaCha20 header protection is not implemented yet.");
}
