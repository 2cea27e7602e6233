using SharpQuic.Cryptography;

namespace SharpQuic.Tls.KeyExchange;

/// <summary>
/// Creates the key shares of the five groups SharpQuic implements: x25519, secp256r1, MLKEM768 and the hybrids
/// X25519MLKEM768 and SecP256r1MLKEM768 (draft-ietf-tls-ecdhe-mlkem §3). All key material comes from one
/// <see cref="IRandomSource"/>.
/// </summary>
internal sealed class KeyShareFactory : IKeyShareProviderFactory
{
    private readonly IRandomSource _random;

    public KeyShareFactory(IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _random = random;
    }

    public bool IsSupported(NamedGroup group) => IsImplemented(group);

    /// <summary>True for the groups this folder implements.</summary>
    public static bool IsImplemented(NamedGroup group) => group is NamedGroup.X25519 or NamedGroup.Secp256r1
        or NamedGroup.MlKem768 or NamedGroup.X25519MlKem768 or NamedGroup.SecP256r1MlKem768;

    public IKeyShareProvider Create(NamedGroup group) => group switch
    {
        NamedGroup.X25519 => new X25519KeyShare(_random),
        NamedGroup.Secp256r1 => new P256KeyShare(_random),
        NamedGroup.MlKem768 => new MlKem768KeyShare(_random),
        NamedGroup.X25519MlKem768 => new HybridKeyShare(group, new MlKem768KeyShare(_random), new X25519KeyShare(_random)),
        NamedGroup.SecP256r1MlKem768 => new HybridKeyShare(group, new P256KeyShare(_random), new MlKem768KeyShare(_random)),
        _ => throw new ArgumentOutOfRangeException(nameof(group), group, "Unsupported group."),
    };
}
