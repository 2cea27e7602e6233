using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>Chooses the ChaCha20 header protection implementation (RFC 9001 §5.4.4).</summary>
internal static class ChaCha20HeaderProtectionFactory
{
    // One implementation: ChaCha20 picks its vector or scalar block function itself.
    public static HeaderProtectionKey Create(ReadOnlySpan<byte> key) => new ChaCha20HeaderProtection(key);
}
