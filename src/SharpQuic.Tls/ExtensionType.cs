namespace SharpQuic.Tls;

/// <summary>TLS extension code points this implementation understands (RFC 8446bis §4.2). Others are carried
/// as raw bytes and ignored.</summary>
internal enum ExtensionType : ushort
{
    ServerName = 0,
    SupportedGroups = 10,
    SignatureAlgorithms = 13,
    ApplicationLayerProtocolNegotiation = 16,
    Padding = 21,
    PreSharedKey = 41,
    EarlyData = 42,
    SupportedVersions = 43,
    Cookie = 44,
    PskKeyExchangeModes = 45,
    CertificateAuthorities = 47,
    SignatureAlgorithmsCert = 50,
    KeyShare = 51,

    /// <summary>RFC 9001 §8.2.</summary>
    QuicTransportParameters = 0x39,
}
