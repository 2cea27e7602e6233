namespace SharpQuic.Tls;

/// <summary>TLS 1.3 alert descriptions (RFC 8446bis §6). In QUIC every alert is fatal and is sent as
/// a CONNECTION_CLOSE with a CRYPTO_ERROR code, never as a TLS record (RFC 9001 §4.8).</summary>
public enum TlsAlert : byte
{
    /// <summary>close_notify (0).</summary>
    CloseNotify = 0,

    /// <summary>unexpected_message (10): an inappropriate message was received.</summary>
    UnexpectedMessage = 10,

    /// <summary>bad_record_mac (20).</summary>
    BadRecordMac = 20,

    /// <summary>record_overflow (22).</summary>
    RecordOverflow = 22,

    /// <summary>handshake_failure (40): no acceptable set of parameters.</summary>
    HandshakeFailure = 40,

    /// <summary>bad_certificate (42).</summary>
    BadCertificate = 42,

    /// <summary>unsupported_certificate (43).</summary>
    UnsupportedCertificate = 43,

    /// <summary>certificate_revoked (44).</summary>
    CertificateRevoked = 44,

    /// <summary>certificate_expired (45).</summary>
    CertificateExpired = 45,

    /// <summary>certificate_unknown (46).</summary>
    CertificateUnknown = 46,

    /// <summary>illegal_parameter (47): a field was out of range or inconsistent with other fields.</summary>
    IllegalParameter = 47,

    /// <summary>unknown_ca (48).</summary>
    UnknownCa = 48,

    /// <summary>access_denied (49).</summary>
    AccessDenied = 49,

    /// <summary>decode_error (50): a message could not be decoded (bad length, truncated field).</summary>
    DecodeError = 50,

    /// <summary>decrypt_error (51): a handshake cryptographic operation failed (signature, Finished, binder).</summary>
    DecryptError = 51,

    /// <summary>protocol_version (70).</summary>
    ProtocolVersion = 70,

    /// <summary>insufficient_security (71).</summary>
    InsufficientSecurity = 71,

    /// <summary>internal_error (80).</summary>
    InternalError = 80,

    /// <summary>inappropriate_fallback (86).</summary>
    InappropriateFallback = 86,

    /// <summary>user_canceled (90).</summary>
    UserCanceled = 90,

    /// <summary>missing_extension (109).</summary>
    MissingExtension = 109,

    /// <summary>unsupported_extension (110).</summary>
    UnsupportedExtension = 110,

    /// <summary>unrecognized_name (112).</summary>
    UnrecognizedName = 112,

    /// <summary>bad_certificate_status_response (113).</summary>
    BadCertificateStatusResponse = 113,

    /// <summary>unknown_psk_identity (115).</summary>
    UnknownPskIdentity = 115,

    /// <summary>certificate_required (116).</summary>
    CertificateRequired = 116,

    /// <summary>general_error (117).</summary>
    GeneralError = 117,

    /// <summary>no_application_protocol (120): no ALPN protocol in common (RFC 9001 §8.1 requires ALPN).</summary>
    NoApplicationProtocol = 120,
}

/// <summary>Helpers for <see cref="TlsAlert"/>.</summary>
public static class TlsAlertExtensions
{
    /// <summary>The first QUIC CRYPTO_ERROR code (RFC 9000 §20.1).</summary>
    public const ulong CryptoErrorBase = 0x100;

    /// <summary>The QUIC transport error code for this alert: CRYPTO_ERROR = 0x100 + alert (RFC 9001 §4.8).</summary>
    public static ulong ToQuicErrorCode(this TlsAlert alert) => CryptoErrorBase + (byte)alert;

    /// <summary>Maps a CRYPTO_ERROR code (0x100..0x1ff) back to its alert; false for any other code.</summary>
    public static bool TryFromQuicErrorCode(ulong errorCode, out TlsAlert alert)
    {
        if (errorCode is >= CryptoErrorBase and <= CryptoErrorBase + 0xff)
        {
            alert = (TlsAlert)(byte)(errorCode - CryptoErrorBase);
            return true;
        }

        alert = default;
        return false;
    }
}
