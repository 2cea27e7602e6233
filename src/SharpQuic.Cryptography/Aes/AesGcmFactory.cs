using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Cryptography.Aes;

/// <summary>Chooses the AES-GCM implementation for this machine.</summary>
internal static class AesGcmFactory
{
    public static PacketAead Create(ReadOnlySpan<byte> key) => new BclAesGcmAead(key);
}
