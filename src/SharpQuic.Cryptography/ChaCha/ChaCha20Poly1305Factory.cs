using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Cryptography.ChaCha;

/// <summary>Chooses the ChaCha20-Poly1305 implementation for this machine.</summary>
internal static class ChaCha20Poly1305Factory
{
    // Our managed AEAD (vectorised ChaCha20, 26-bit-limb Poly1305) measured 3-5x faster than the
    // BCL's at 64-512 bytes and no slower at 1,500 (bench: ChaChaAeadBenchmarks): the BCL call
    // costs about a microsecond whatever the size. The BCL's stays the reference in the tests
    // (Wycheproof on both, byte-for-byte agreement at every length 0..1500).
    public static PacketAead Create(ReadOnlySpan<byte> key) => new ManagedChaCha20Poly1305Aead(key);
}
