using System.Security.Cryptography;
using SharpQuic.Cryptography;

namespace SharpQuic.Tls.KeyExchange;

/// <summary>
/// secp256r1 (0x0017, RFC 8446bis §4.2.8.2): the share is the uncompressed point 0x04 ‖ X ‖ Y (65 bytes); the
/// shared secret is the X coordinate of the ECDH result (§7.4.1). The peer's point is validated by the BCL import,
/// which throws for a point off the curve: that is caught and reported as false (illegal_parameter). The private
/// scalar comes from the injected <see cref="IRandomSource"/> (rejection-sampled below the group order).
/// </summary>
internal sealed class P256KeyShare : IKeyShareProvider, IKeyShareComponent
{
    /// <summary>0x04 ‖ X ‖ Y.</summary>
    public const int PointLength = 65;

    private const int CoordinateLength = 32;

    // The order n of P-256 (SEC 2 §2.4.2), big-endian.
    private static ReadOnlySpan<byte> Order =>
    [
        0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
    ];

    private readonly IRandomSource _random;
    private ECDiffieHellman? _key;

    public P256KeyShare(IRandomSource random)
    {
        _random = random;
    }

    public NamedGroup Group => NamedGroup.Secp256r1;

    public int ClientShareLength => PointLength;

    public int ServerShareLength => PointLength;

    public byte[] CreateClientShare()
    {
        var share = new byte[PointLength];
        WriteClientShare(share);
        return share;
    }

    public void WriteClientShare(Span<byte> destination)
    {
        _key?.Dispose();
        _key = CreateKey(_random);
        WritePoint(_key, destination);
    }

    public bool TryComputeSharedSecret(ReadOnlySpan<byte> serverShare, out byte[] sharedSecret)
    {
        sharedSecret = new byte[CoordinateLength];
        return TryFinish(serverShare, sharedSecret);
    }

    public bool TryFinish(ReadOnlySpan<byte> serverShare, Span<byte> sharedSecret)
    {
        ECDiffieHellman key = _key ?? throw new InvalidOperationException("CreateClientShare was not called.");
        bool ok = TryAgree(key, serverShare, sharedSecret);
        key.Dispose();
        _key = null;
        return ok;
    }

    public bool TryRespond(ReadOnlySpan<byte> clientShare, out byte[] serverShare, out byte[] sharedSecret)
    {
        serverShare = new byte[PointLength];
        sharedSecret = new byte[CoordinateLength];
        return TryRespond(clientShare, serverShare, sharedSecret);
    }

    public bool TryRespond(ReadOnlySpan<byte> clientShare, Span<byte> serverShare, Span<byte> sharedSecret)
    {
        using ECDiffieHellman key = CreateKey(_random);
        WritePoint(key, serverShare);
        return TryAgree(key, clientShare, sharedSecret);
    }

    private static bool TryAgree(ECDiffieHellman key, ReadOnlySpan<byte> peerShare, Span<byte> sharedSecret)
    {
        // §4.2.8.2: exactly 65 bytes, uncompressed form (legacy_form = 4).
        if (peerShare.Length != PointLength || peerShare[0] != 0x04)
        {
            return false;
        }

        try
        {
            var parameters = new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = peerShare.Slice(1, CoordinateLength).ToArray(), Y = peerShare.Slice(1 + CoordinateLength).ToArray() },
            };
            using ECDiffieHellman peer = ECDiffieHellman.Create(parameters);
            byte[] raw = key.DeriveRawSecretAgreement(peer.PublicKey);
            bool ok = raw.Length == CoordinateLength;
            if (ok)
            {
                raw.CopyTo(sharedSecret);
            }

            CryptographicOperations.ZeroMemory(raw);
            return ok;
        }
        catch (CryptographicException)
        {
            // An off-curve point or the point at infinity: the import refuses it (§4.2.8.2 validation).
            return false;
        }
    }

    private static ECDiffieHellman CreateKey(IRandomSource random)
    {
        Span<byte> d = stackalloc byte[CoordinateLength];
        do
        {
            random.Fill(d);
        }
        while (!IsValidScalar(d));

        var parameters = new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d.ToArray() };
        CryptographicOperations.ZeroMemory(d);
        try
        {
            // The platform derives Q from D.
            return ECDiffieHellman.Create(parameters);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(parameters.D);
        }
    }

    // 0 < d < n.
    private static bool IsValidScalar(ReadOnlySpan<byte> d)
    {
        bool nonZero = d.ContainsAnyExcept((byte)0);
        return nonZero && d.SequenceCompareTo(Order) < 0;
    }

    private static void WritePoint(ECDiffieHellman key, Span<byte> destination)
    {
        ECParameters p = key.ExportParameters(includePrivateParameters: false);
        destination[0] = 0x04;
        p.Q.X.AsSpan().CopyTo(destination.Slice(1, CoordinateLength));
        p.Q.Y.AsSpan().CopyTo(destination.Slice(1 + CoordinateLength, CoordinateLength));
    }
}
