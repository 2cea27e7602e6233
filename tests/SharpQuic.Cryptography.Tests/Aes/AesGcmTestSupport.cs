using SharpQuic.Cryptography.Aead;
using SharpQuic.Cryptography.Aes;

namespace SharpQuic.Cryptography.Tests.Aes;

/// <summary>Both AES-GCM paths by name, so theories run each one.</summary>
internal static class AesGcmPaths
{
    public const string Intrinsics = "intrinsics";
    public const string Bcl = "bcl";

    public static TheoryData<string> All => new() { Intrinsics, Bcl };

    public static PacketAead Create(string path, ReadOnlySpan<byte> key)
    {
        // xunit 2 has no dynamic skip: without AES-NI/PCLMULQDQ the intrinsics rows test the
        // factory's choice (the BCL) instead.
        return path == Intrinsics && AesIntrinsics.GcmSupported
            ? new AesNiGcmAead(key)
            : new BclAesGcmAead(key);
    }
}
