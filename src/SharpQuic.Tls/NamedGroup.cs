namespace SharpQuic.Tls;

/// <summary>Key exchange groups (RFC 8446bis §4.2.7; hybrids from draft-ietf-tls-ecdhe-mlkem).</summary>
public enum NamedGroup : ushort
{
    /// <summary>ECDHE over NIST P-256.</summary>
    Secp256r1 = 0x0017,

    /// <summary>ECDHE over Curve25519 (RFC 7748).</summary>
    X25519 = 0x001D,

    /// <summary>Pure ML-KEM-768 (FIPS 203).</summary>
    MlKem768 = 0x0201,

    /// <summary>Hybrid P-256 + ML-KEM-768.</summary>
    SecP256r1MlKem768 = 0x11EB,

    /// <summary>Hybrid X25519 + ML-KEM-768, the default.</summary>
    X25519MlKem768 = 0x11EC,
}
