using System.Security.Cryptography;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.KeyExchange;

namespace SharpQuic.Tls.KeyExchange;

/// <summary>
/// x25519 (0x001D, RFC 8446bis §4.2.8.2, RFC 7748): 32-byte shares. The private key is 32 bytes from the injected
/// <see cref="IRandomSource"/>, so a seeded test reproduces every share. An all-zero shared secret (a low-order
/// peer point) is refused (§7.4.2), and the caller answers illegal_parameter.
/// </summary>
internal sealed class X25519KeyShare : IKeyShareProvider, IKeyShareComponent
{
    private readonly IRandomSource _random;
    private byte[]? _privateKey;

    public X25519KeyShare(IRandomSource random)
    {
        _random = random;
    }

    public NamedGroup Group => NamedGroup.X25519;

    public int ClientShareLength => X25519.KeySize;

    public int ServerShareLength => X25519.KeySize;

    public byte[] CreateClientShare()
    {
        var share = new byte[X25519.KeySize];
        WriteClientShare(share);
        return share;
    }

    public void WriteClientShare(Span<byte> destination)
    {
        _privateKey = new byte[X25519.KeySize];
        _random.Fill(_privateKey);
        X25519.DerivePublicKey(_privateKey, destination);
    }

    public bool TryComputeSharedSecret(ReadOnlySpan<byte> serverShare, out byte[] sharedSecret)
    {
        sharedSecret = new byte[X25519.KeySize];
        return TryFinish(serverShare, sharedSecret);
    }

    public bool TryFinish(ReadOnlySpan<byte> serverShare, Span<byte> sharedSecret)
    {
        if (_privateKey is null)
        {
            throw new InvalidOperationException("CreateClientShare was not called.");
        }

        // §4.2.8.2: the share is exactly 32 bytes; X25519.TrySharedSecret refuses the all-zero result (§7.4.2).
        bool ok = serverShare.Length == X25519.KeySize && X25519.TrySharedSecret(_privateKey, serverShare, sharedSecret);
        CryptographicOperations.ZeroMemory(_privateKey);
        _privateKey = null;
        return ok;
    }

    public bool TryRespond(ReadOnlySpan<byte> clientShare, out byte[] serverShare, out byte[] sharedSecret)
    {
        serverShare = new byte[X25519.KeySize];
        sharedSecret = new byte[X25519.KeySize];
        return TryRespond(clientShare, serverShare, sharedSecret);
    }

    public bool TryRespond(ReadOnlySpan<byte> clientShare, Span<byte> serverShare, Span<byte> sharedSecret)
    {
        if (clientShare.Length != X25519.KeySize)
        {
            return false;
        }

        Span<byte> privateKey = stackalloc byte[X25519.KeySize];
        _random.Fill(privateKey);
        X25519.DerivePublicKey(privateKey, serverShare);
        bool ok = X25519.TrySharedSecret(privateKey, clientShare, sharedSecret);
        CryptographicOperations.ZeroMemory(privateKey);
        return ok;
    }
}
