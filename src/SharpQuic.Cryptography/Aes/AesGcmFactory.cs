using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Cryptography.Aes;

/// <summary>Chooses the AES-GCM implementation for this machine.</summary>
internal static class AesGcmFactory
{
    public static PacketAead Create(ReadOnlySpan<byte> key) => Create(key, allowIntrinsics: !AesIntrinsics.Disabled);

    /// <summary>
    /// AES-NI + PCLMULQDQ when present and allowed (several times faster per packet), else the
    /// BCL's <see cref="System.Security.Cryptography.AesGcm"/>.
    /// </summary>
    public static PacketAead Create(ReadOnlySpan<byte> key, bool allowIntrinsics)
        => allowIntrinsics && AesIntrinsics.GcmSupported
            ? new AesNiGcmAead(key)
            : new BclAesGcmAead(key);
}
