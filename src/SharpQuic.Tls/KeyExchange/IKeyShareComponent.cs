namespace SharpQuic.Tls.KeyExchange;

/// <summary>
/// One half of a key share, written into a caller's span so that <see cref="HybridKeyShare"/> can concatenate two
/// of them (draft-ietf-tls-ecdhe-mlkem §3). Each component has fixed share lengths, checked exactly.
/// </summary>
internal interface IKeyShareComponent
{
    /// <summary>Bytes of the client's share (public key or encapsulation key).</summary>
    int ClientShareLength { get; }

    /// <summary>Bytes of the server's share (public key or ciphertext).</summary>
    int ServerShareLength { get; }

    /// <summary>Bytes of the shared secret.</summary>
    int SharedSecretLength => 32;

    /// <summary>Client: makes this handshake's key pair and writes the share.</summary>
    void WriteClientShare(Span<byte> destination);

    /// <summary>Client: completes from the server's share (exact length); false → illegal_parameter.</summary>
    bool TryFinish(ReadOnlySpan<byte> serverShare, Span<byte> sharedSecret);

    /// <summary>Server: answers the client's share (exact length); false → illegal_parameter.</summary>
    bool TryRespond(ReadOnlySpan<byte> clientShare, Span<byte> serverShare, Span<byte> sharedSecret);
}
