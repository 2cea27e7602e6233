using System.Security.Cryptography;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>Chooses the ChaCha20-Poly1305 implementation for this machine.</summary>
internal static class ChaCha20Poly1305Factory
{
    // The BCL's (OpenSSL, CNG, ...) where it exists; our managed one elsewhere.
    public static PacketAead Create(ReadOnlySpan<byte> key)
        => ChaCha20Poly1305.IsSupported ? new BclChaCha20Poly1305Aead(key) : new ManagedChaCha20Poly1305Aead(key);
}
