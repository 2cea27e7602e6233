using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Cryptography.Aes;

/// <summary>Chooses the AES header protection implementation for this machine.</summary>
internal static class AesHeaderProtectionFactory
{
    public static HeaderProtectionKey Create(ReadOnlySpan<byte> key) => Create(key, allowIntrinsics: !AesIntrinsics.Disabled);

    /// <summary>
    /// AES-NI when present and allowed, else the portable table-free AES (never the BCL's
    /// per-call <c>EncryptEcb</c>, which costs about a microsecond a packet).
    /// </summary>
    public static HeaderProtectionKey Create(ReadOnlySpan<byte> key, bool allowIntrinsics)
        => allowIntrinsics && AesIntrinsics.BlockSupported
            ? new AesNiHeaderProtection(key)
            : new SoftwareAesHeaderProtection(key);
}
