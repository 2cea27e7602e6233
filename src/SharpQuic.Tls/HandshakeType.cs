namespace SharpQuic.Tls;

/// <summary>Handshake message types (RFC 8446bis §4).</summary>
internal enum HandshakeType : byte
{
    ClientHello = 1,
    ServerHello = 2,
    NewSessionTicket = 4,

    /// <summary>Never used in QUIC: receipt is an error (RFC 9001 §8.3).</summary>
    EndOfEarlyData = 5,
    EncryptedExtensions = 8,
    Certificate = 11,
    CertificateRequest = 13,
    CertificateVerify = 15,
    Finished = 20,

    /// <summary>Never used in QUIC, which has its own key update (RFC 9001 §6).</summary>
    KeyUpdate = 24,

    /// <summary>The synthetic message that replaces ClientHello1 in the transcript after a HelloRetryRequest
    /// (RFC 8446bis §4.4.1); never sent on the wire.</summary>
    MessageHash = 254,
}
