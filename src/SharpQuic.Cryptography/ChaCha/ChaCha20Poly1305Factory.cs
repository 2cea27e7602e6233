using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>Chooses the ChaCha20-Poly1305 implementation for this machine.</summary>
internal static class ChaCha20Poly1305Factory
{
    public static PacketAead Create(ReadOnlySpan<byte> key) => new BclChaCha20Poly1305Aead(key);
}
