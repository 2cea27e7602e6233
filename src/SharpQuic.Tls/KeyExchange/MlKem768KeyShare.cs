using System.Security.Cryptography;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.KeyExchange.MLKem;

namespace SharpQuic.Tls.KeyExchange;

/// <summary>
/// ML-KEM-768 as a key share (draft-ietf-tls-ecdhe-mlkem §3; alone it is the group MLKEM768, 0x0201): the client
/// sends the encapsulation key (1184 bytes), the server answers with a ciphertext (1088 bytes), both end with a
/// 32-byte secret. Randomness (the 64-byte key generation seed d ‖ z and the 32-byte message m) comes from the
/// injected <see cref="IRandomSource"/>, so a seeded test reproduces every share. A wrong length or an
/// encapsulation key failing the FIPS 203 §7.2 modulus check is false (illegal_parameter).
/// </summary>
internal sealed class MlKem768KeyShare : IKeyShareProvider, IKeyShareComponent
{
    private readonly IRandomSource _random;
    private byte[]? _decapsulationKey;

    public MlKem768KeyShare(IRandomSource random)
    {
        _random = random;
    }

    public NamedGroup Group => NamedGroup.MlKem768;

    public int ClientShareLength => MLKem768.EncapsulationKeySize;

    public int ServerShareLength => MLKem768.CiphertextSize;

    public byte[] CreateClientShare()
    {
        var share = new byte[MLKem768.EncapsulationKeySize];
        WriteClientShare(share);
        return share;
    }

    public void WriteClientShare(Span<byte> destination)
    {
        Span<byte> seed = stackalloc byte[MLKem768.SeedSize];
        _random.Fill(seed);
        _decapsulationKey = new byte[MLKem768.DecapsulationKeySize];
        MLKem768.KeyGenFromSeed(seed, destination[..MLKem768.EncapsulationKeySize], _decapsulationKey);
        CryptographicOperations.ZeroMemory(seed);
    }

    public bool TryComputeSharedSecret(ReadOnlySpan<byte> serverShare, out byte[] sharedSecret)
    {
        sharedSecret = new byte[MLKem768.SharedSecretSize];
        return TryFinish(serverShare, sharedSecret);
    }

    public bool TryFinish(ReadOnlySpan<byte> serverShare, Span<byte> sharedSecret)
    {
        byte[] dk = _decapsulationKey ?? throw new InvalidOperationException("CreateClientShare was not called.");
        bool ok = serverShare.Length == MLKem768.CiphertextSize && MLKem768.TryDecapsulate(dk, serverShare, sharedSecret);
        CryptographicOperations.ZeroMemory(dk);
        _decapsulationKey = null;
        return ok;
    }

    public bool TryRespond(ReadOnlySpan<byte> clientShare, out byte[] serverShare, out byte[] sharedSecret)
    {
        serverShare = new byte[MLKem768.CiphertextSize];
        sharedSecret = new byte[MLKem768.SharedSecretSize];
        return TryRespond(clientShare, serverShare, sharedSecret);
    }

    public bool TryRespond(ReadOnlySpan<byte> clientShare, Span<byte> serverShare, Span<byte> sharedSecret)
    {
        if (clientShare.Length != MLKem768.EncapsulationKeySize)
        {
            return false;
        }

        Span<byte> message = stackalloc byte[32];
        _random.Fill(message);
        bool ok = MLKem768.TryEncapsulate(clientShare, message, serverShare[..MLKem768.CiphertextSize], sharedSecret);
        CryptographicOperations.ZeroMemory(message);
        return ok;
    }
}
