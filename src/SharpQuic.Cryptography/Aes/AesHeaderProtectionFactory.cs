using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Cryptography.Aes;

/// <summary>Chooses the AES header protection implementation for this machine.</summary>
internal static class AesHeaderProtectionFactory
{
    public static HeaderProtectionKey Create(ReadOnlySpan<byte> key) => new BclAesHeaderProtection(key);
}
