namespace SharpQuic.Core.Packets;

/// <summary>The outcome of removing packet protection (RFC 9001 §5).</summary>
public enum PacketProtectionResult : byte
{
    /// <summary>Header protection removed and payload authenticated and decrypted.</summary>
    Success,

    /// <summary>
    /// Too few bytes after the packet number offset for the 16-byte header protection sample
    /// (RFC 9001 §5.4.2): the packet is discarded.
    /// </summary>
    TooShort,

    /// <summary>The AEAD tag did not verify (RFC 9001 §5.3): the packet is discarded, the connection goes on.</summary>
    DecryptionFailed,

    /// <summary>
    /// The packet decrypted but its reserved bits are not 0 after header protection removal:
    /// a PROTOCOL_VIOLATION connection error (RFC 9000 §17.2, §17.3.1). Checked only after
    /// successful decryption so that forged packets cannot close the connection.
    /// </summary>
    ReservedBitsSet,
}
