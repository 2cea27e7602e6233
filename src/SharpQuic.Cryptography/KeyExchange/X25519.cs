using System.Security.Cryptography;

namespace SharpQuic.Cryptography.KeyExchange;

/// <summary>
/// X25519 Diffie-Hellman (RFC 7748 §5, §6.1), managed and constant-time, for the TLS 1.3 groups
/// x25519 (0x001D) and the X25519 half of X25519MLKEM768 (0x11EC). Keys and shared secrets are
/// 32 bytes. Nothing here allocates; secrets copied to the stack are zeroed before returning.
/// </summary>
internal static class X25519
{
    /// <summary>Length in bytes of private keys, public keys and shared secrets.</summary>
    public const int KeySize = 32;

    // RFC 7748 §5: a24 = (486662 - 2) / 4 for curve25519.
    private const uint A24 = 121665;

    // RFC 7748 §4.1: the base point of curve25519 has u = 9.
    private const uint BasePointU = 9;

    /// <summary>Fills <paramref name="privateKey"/> (32 bytes) with fresh random bytes.</summary>
    /// <remarks>Any 32 bytes are a valid private key: the scalar is clamped when used (RFC 7748 §5).</remarks>
    public static void GeneratePrivateKey(Span<byte> privateKey)
    {
        if (privateKey.Length != KeySize)
        {
            throw new ArgumentException("An X25519 private key is 32 bytes.", nameof(privateKey));
        }

        RandomNumberGenerator.Fill(privateKey);
    }

    /// <summary>
    /// publicKey = X25519(privateKey, 9): the public key to send in a key share (RFC 7748 §6.1).
    /// </summary>
    /// <param name="privateKey">32 bytes, from <see cref="GeneratePrivateKey"/> or the caller's own random source.</param>
    /// <param name="publicKey">Receives 32 bytes.</param>
    public static void DerivePublicKey(ReadOnlySpan<byte> privateKey, Span<byte> publicKey)
    {
        if (privateKey.Length != KeySize)
        {
            throw new ArgumentException("An X25519 private key is 32 bytes.", nameof(privateKey));
        }

        if (publicKey.Length != KeySize)
        {
            throw new ArgumentException("An X25519 public key is 32 bytes.", nameof(publicKey));
        }

        Field25519 basePoint = Field25519.FromSmall(BasePointU);
        Ladder(privateKey, basePoint, uIsBasePoint: true, publicKey);
    }

    /// <summary>
    /// sharedSecret = X25519(privateKey, peerPublicKey) (RFC 7748 §6.1). Returns false, with
    /// <paramref name="sharedSecret"/> zeroed, when the result is all zeros (the peer sent a
    /// small-order point: TLS 1.3 §7.4.2 and the X25519MLKEM768 draft require an abort) or when
    /// a length is not 32. Non-canonical public keys (u ≥ p, or the top bit set) are accepted
    /// and reduced as RFC 7748 §5 says. <paramref name="sharedSecret"/> may overlap either input.
    /// </summary>
    public static bool TrySharedSecret(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> peerPublicKey, Span<byte> sharedSecret)
    {
        // Lengths are public: branching on them leaks nothing.
        if (privateKey.Length != KeySize || peerPublicKey.Length != KeySize || sharedSecret.Length != KeySize)
        {
            if (sharedSecret.Length == KeySize)
            {
                sharedSecret.Clear();
            }

            return false;
        }

        // decodeUCoordinate: masks bit 255; values ≥ p stay as they are (RFC 7748 §5).
        Field25519 u = Field25519.FromBytes(peerPublicKey);
        Ladder(privateKey, u, uIsBasePoint: false, sharedSecret);

        // RFC 7748 §6.1: check for the all-zero value, without an early exit on any byte.
        int acc = 0;
        for (int i = 0; i < KeySize; i++)
        {
            acc |= sharedSecret[i];
        }

        // Only the outcome (a public, protocol-visible fact) decides the branch below.
        bool nonZero = (((acc - 1) >> 8) & 1) == 0;
        return nonZero;
    }

    /// <summary>
    /// The Montgomery ladder of RFC 7748 §5: output = u-coordinate of decodeScalar25519(k) · u,
    /// encoded canonically into 32 bytes. <paramref name="uIsBasePoint"/> (public) says u = 9,
    /// so the multiplication by u in each step can be a multiplication by a small constant.
    /// </summary>
    private static void Ladder(ReadOnlySpan<byte> scalar, in Field25519 u, bool uIsBasePoint, Span<byte> output)
    {
        // decodeScalar25519: clear the three low bits and bit 255, set bit 254.
        Span<byte> k = stackalloc byte[KeySize];
        scalar.CopyTo(k);
        k[0] &= 248;
        k[31] &= 127;
        k[31] |= 64;

        Field25519 x1 = u;
        Field25519 x2 = Field25519.One;
        Field25519 z2 = default;
        Field25519 x3 = u;
        Field25519 z3 = Field25519.One;
        ulong swap = 0;

        // The loop bound and byte index are public; the bit only reaches ConditionalSwap.
        for (int t = 254; t >= 0; t--)
        {
            ulong kt = (ulong)(k[t >> 3] >> (t & 7)) & 1;
            swap ^= kt;
            Field25519.ConditionalSwap(ref x2, ref x3, swap);
            Field25519.ConditionalSwap(ref z2, ref z3, swap);
            swap = kt;

            Field25519.Add(out Field25519 a, x2, z2);
            Field25519.Square(out Field25519 aa, a);
            Field25519.Sub(out Field25519 b, x2, z2);
            Field25519.Square(out Field25519 bb, b);
            Field25519.Sub(out Field25519 e, aa, bb);
            Field25519.Add(out Field25519 c, x3, z3);
            Field25519.Sub(out Field25519 d, x3, z3);
            Field25519.Mul(out Field25519 da, d, a);
            Field25519.Mul(out Field25519 cb, c, b);

            Field25519.Add(out Field25519 sum, da, cb);
            Field25519.Square(out x3, sum);
            Field25519.Sub(out Field25519 diff, da, cb);
            Field25519.Square(out Field25519 diff2, diff);
            if (uIsBasePoint)
            {
                Field25519.MulSmall(out z3, diff2, BasePointU);
            }
            else
            {
                Field25519.Mul(out z3, x1, diff2);
            }

            Field25519.Mul(out x2, aa, bb);
            Field25519.MulSmall(out Field25519 a24e, e, A24);
            Field25519.Add(out Field25519 aaPlus, aa, a24e);
            Field25519.Mul(out z2, e, aaPlus);
        }

        Field25519.ConditionalSwap(ref x2, ref x3, swap);
        Field25519.ConditionalSwap(ref z2, ref z3, swap);

        // x2 / z2; z2 = 0 (a small-order input) gives 0, as RFC 7748 §5 expects.
        Field25519.Invert(out Field25519 zInv, z2);
        Field25519.Mul(out Field25519 result, x2, zInv);
        result.ToBytes(output);

        CryptographicOperations.ZeroMemory(k);
        x2.Clear();
        z2.Clear();
        x3.Clear();
        z3.Clear();
        zInv.Clear();
        result.Clear();
    }
}
