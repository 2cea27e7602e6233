using System.Security.Cryptography;

namespace SharpQuic.Tls.KeyExchange;

/// <summary>
/// A hybrid group made of two components whose shares and secrets are concatenated (draft-ietf-tls-ecdhe-mlkem
/// §3): X25519MLKEM768 (0x11EC) puts ML-KEM first (client: ek ‖ X25519 public key, 1216 bytes; server: ct ‖ X25519
/// public key, 1120 bytes; secret: ML-KEM ss ‖ X25519 ss); SecP256r1MLKEM768 (0x11EB) puts the ECDH part first
/// (client: P-256 point ‖ ek, 1249 bytes; server: P-256 point ‖ ct, 1153 bytes; secret: ECDH ss ‖ ML-KEM ss).
/// Lengths are checked exactly; any failing component fails the whole exchange (illegal_parameter).
/// </summary>
internal sealed class HybridKeyShare : IKeyShareProvider
{
    private readonly IKeyShareComponent _first;
    private readonly IKeyShareComponent _second;

    public HybridKeyShare(NamedGroup group, IKeyShareComponent first, IKeyShareComponent second)
    {
        Group = group;
        _first = first;
        _second = second;
    }

    public NamedGroup Group { get; }

    public int ClientShareLength => _first.ClientShareLength + _second.ClientShareLength;

    public int ServerShareLength => _first.ServerShareLength + _second.ServerShareLength;

    private int SecretLength => _first.SharedSecretLength + _second.SharedSecretLength;

    public byte[] CreateClientShare()
    {
        var share = new byte[ClientShareLength];
        _first.WriteClientShare(share.AsSpan(0, _first.ClientShareLength));
        _second.WriteClientShare(share.AsSpan(_first.ClientShareLength));
        return share;
    }

    public bool TryComputeSharedSecret(ReadOnlySpan<byte> serverShare, out byte[] sharedSecret)
    {
        sharedSecret = new byte[SecretLength];
        if (serverShare.Length != ServerShareLength)
        {
            return false;
        }

        // Both halves run even when the first fails, so each component releases its private key.
        bool first = _first.TryFinish(serverShare[.._first.ServerShareLength], sharedSecret.AsSpan(0, _first.SharedSecretLength));
        bool second = _second.TryFinish(serverShare[_first.ServerShareLength..], sharedSecret.AsSpan(_first.SharedSecretLength));
        if (first && second)
        {
            return true;
        }

        CryptographicOperations.ZeroMemory(sharedSecret);
        return false;
    }

    public bool TryRespond(ReadOnlySpan<byte> clientShare, out byte[] serverShare, out byte[] sharedSecret)
    {
        serverShare = new byte[ServerShareLength];
        sharedSecret = new byte[SecretLength];
        if (clientShare.Length != ClientShareLength)
        {
            return false;
        }

        bool ok = _first.TryRespond(clientShare[.._first.ClientShareLength], serverShare.AsSpan(0, _first.ServerShareLength), sharedSecret.AsSpan(0, _first.SharedSecretLength))
            && _second.TryRespond(clientShare[_first.ClientShareLength..], serverShare.AsSpan(_first.ServerShareLength), sharedSecret.AsSpan(_first.SharedSecretLength));
        if (!ok)
        {
            CryptographicOperations.ZeroMemory(sharedSecret);
        }

        return ok;
    }
}
