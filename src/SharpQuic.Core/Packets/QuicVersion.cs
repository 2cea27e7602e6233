using SharpQuic.Cryptography.Kdf;

namespace SharpQuic.Core.Packets;

/// <summary>
/// A QUIC version number (RFC 8999 §5.1) and what this implementation knows about it: key
/// derivation labels, long header type bits and the Retry integrity key.
/// </summary>
public readonly struct QuicVersion : IEquatable<QuicVersion>
{
    /// <summary>QUIC version 1 (RFC 9000).</summary>
    public static readonly QuicVersion V1 = new(0x0000_0001);

    /// <summary>QUIC version 2 (RFC 9369 §3.1).</summary>
    public static readonly QuicVersion V2 = new(0x6b33_43cf);

    /// <summary>The version field of a Version Negotiation packet (RFC 8999 §6).</summary>
    public static readonly QuicVersion Negotiation = new(0);

    // RFC 9001 §5.8.
    private static readonly byte[] s_retryKeyV1 = Convert.FromHexString("be0c690b9f66575a1d766b54e368c84e");
    private static readonly byte[] s_retryNonceV1 = Convert.FromHexString("461599d35d632bf2239825bb");

    // RFC 9369 §3.3.3.
    private static readonly byte[] s_retryKeyV2 = Convert.FromHexString("8fb4b01b56ac48e260fbcbcead7ccc92");
    private static readonly byte[] s_retryNonceV2 = Convert.FromHexString("d86969bc2d7c6d9990efb04a");

    /// <summary>Wraps a version number as it appears on the wire.</summary>
    public QuicVersion(uint value) => Value = value;

    /// <summary>The 32-bit version number.</summary>
    public uint Value { get; }

    /// <summary>True for the versions this implementation speaks: v1 and v2.</summary>
    public bool IsSupported => Value == V1.Value || Value == V2.Value;

    /// <summary>
    /// True for the versions of the form 0x?a?a?a?a reserved to exercise version negotiation
    /// (RFC 9000 §15); they are never supported.
    /// </summary>
    public bool IsReserved => (Value & 0x0f0f_0f0f) == 0x0a0a_0a0a;

    /// <summary>The key derivation labels and Initial salt. Only for supported versions.</summary>
    public QuicKeyLabels KeyLabels => Value switch
    {
        0x0000_0001 => QuicKeyLabels.V1,
        0x6b33_43cf => QuicKeyLabels.V2,
        _ => throw new InvalidOperationException("Not a supported QUIC version."),
    };

    /// <summary>The AES-128-GCM key of the Retry Integrity Tag. Only for supported versions.</summary>
    internal ReadOnlySpan<byte> RetryIntegrityKey => Value == V2.Value ? s_retryKeyV2 : Value == V1.Value ? s_retryKeyV1 : throw new InvalidOperationException("Not a supported QUIC version.");

    /// <summary>The nonce of the Retry Integrity Tag. Only for supported versions.</summary>
    internal ReadOnlySpan<byte> RetryIntegrityNonce => Value == V2.Value ? s_retryNonceV2 : Value == V1.Value ? s_retryNonceV1 : throw new InvalidOperationException("Not a supported QUIC version.");

    /// <summary>
    /// A reserved (GREASE) version built from caller-supplied randomness: the low nibble of
    /// every byte is forced to 0xa (RFC 9000 §15).
    /// </summary>
    public static QuicVersion CreateReserved(uint random) => new((random & 0xf0f0_f0f0) | 0x0a0a_0a0a);

    /// <summary>
    /// The packet type carried by the two long header type bits (<c>(firstByte &amp; 0x30) &gt;&gt; 4</c>).
    /// v1: Initial 0, 0-RTT 1, Handshake 2, Retry 3 (RFC 9000 §17.2); v2: Initial 1, 0-RTT 2,
    /// Handshake 3, Retry 0 (RFC 9369 §3.2). Only for supported versions.
    /// </summary>
    public PacketType PacketTypeFromBits(int typeBits)
    {
        // v2 rotates the v1 code points by one.
        int v1Bits = Value == V2.Value ? (typeBits + 3) & 3 : typeBits & 3;
        return (PacketType)v1Bits;
    }

    /// <summary>The two long header type bits for <paramref name="type"/> (the inverse of <see cref="PacketTypeFromBits"/>).</summary>
    public int TypeBits(PacketType type)
    {
        if (type > PacketType.Retry)
        {
            throw new ArgumentOutOfRangeException(nameof(type), "Only Initial, 0-RTT, Handshake and Retry have long header type bits.");
        }

        int v1Bits = (int)type;
        return Value == V2.Value ? (v1Bits + 1) & 3 : v1Bits;
    }

    /// <inheritdoc/>
    public bool Equals(QuicVersion other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is QuicVersion other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => (int)Value;

    /// <inheritdoc/>
    public override string ToString() => "0x" + Value.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Equality of version numbers.</summary>
    public static bool operator ==(QuicVersion left, QuicVersion right) => left.Equals(right);

    /// <summary>Inequality of version numbers.</summary>
    public static bool operator !=(QuicVersion left, QuicVersion right) => !left.Equals(right);
}
