namespace SharpQuic.Tls;

/// <summary>
/// The seam through which the handshake reaches a key exchange (implemented in SharpQuic.Cryptography's
/// KeyExchange folder). One instance serves one handshake and one group. A KEM group fits the same shape:
/// the client's share is an encapsulation key, the server's share a ciphertext.
/// </summary>
internal interface IKeyShareProvider
{
    /// <summary>The group this provider implements.</summary>
    NamedGroup Group { get; }

    /// <summary>Client side: creates this handshake's key pair and returns the key_exchange bytes to send.</summary>
    byte[] CreateClientShare();

    /// <summary>Client side: completes the exchange from the server's key_exchange bytes. False (the caller
    /// sends illegal_parameter) when the server's share is malformed or yields a forbidden result.</summary>
    bool TryComputeSharedSecret(ReadOnlySpan<byte> serverShare, out byte[] sharedSecret);

    /// <summary>Server side: answers the client's key_exchange bytes with the server's share and the shared
    /// secret. False (illegal_parameter) when the client's share is malformed.</summary>
    bool TryRespond(ReadOnlySpan<byte> clientShare, out byte[] serverShare, out byte[] sharedSecret);
}

/// <summary>Creates <see cref="IKeyShareProvider"/> instances for the groups an endpoint supports.</summary>
internal interface IKeyShareProviderFactory
{
    /// <summary>Whether <paramref name="group"/> can be created here.</summary>
    bool IsSupported(NamedGroup group);

    /// <summary>A fresh provider (fresh key material) for <paramref name="group"/>.</summary>
    IKeyShareProvider Create(NamedGroup group);
}
