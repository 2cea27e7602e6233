using System.Security.Cryptography;
using SharpQuic.Cryptography;

namespace SharpQuic.Core.Endpoint;

/// <summary>
/// Stateless reset tokens derived from one static key (RFC 9000 §10.3.2): the first 16 bytes of
/// HMAC-SHA256(key, connection ID). An endpoint that lost its state recomputes the token from the
/// connection ID of the packet it cannot process. Servers sharing the key can reset each other's
/// connections, so a connection ID must never be reused across servers sharing the key (§21.11).
/// </summary>
public sealed class StatelessResetTokens
{
    /// <summary>Token length (RFC 9000 §10.3).</summary>
    public const int TokenLength = 16;

    /// <summary>Smallest key accepted: the token must be hard to guess (RFC 9000 §10.3.2).</summary>
    public const int MinimumKeyLength = 16;

    private readonly byte[] _key;

    /// <summary>Uses <paramref name="staticKey"/> (at least 16 bytes; 32 recommended), e.g. shared by a cluster.</summary>
    public StatelessResetTokens(ReadOnlySpan<byte> staticKey)
    {
        if (staticKey.Length < MinimumKeyLength)
        {
            throw new ArgumentException($"The stateless reset key needs at least {MinimumKeyLength} bytes.", nameof(staticKey));
        }

        _key = staticKey.ToArray();
    }

    /// <summary>A fresh random 32-byte key: tokens survive nothing but this object (the default).</summary>
    public static StatelessResetTokens CreateRandom(IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> key = stackalloc byte[32];
        random.Fill(key);
        var tokens = new StatelessResetTokens(key);
        CryptographicOperations.ZeroMemory(key);
        return tokens;
    }

    /// <summary>Writes the 16-byte token for <paramref name="connectionId"/> into <paramref name="destination"/>.</summary>
    public void Compute(ReadOnlySpan<byte> connectionId, Span<byte> destination)
    {
        if (destination.Length < TokenLength)
        {
            throw new ArgumentException($"The destination needs {TokenLength} bytes.", nameof(destination));
        }

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, connectionId, mac);
        mac[..TokenLength].CopyTo(destination);
        CryptographicOperations.ZeroMemory(mac);
    }

    /// <summary>
    /// Whether <paramref name="datagram"/> ends in <paramref name="token"/>, compared in constant
    /// time (RFC 9000 §10.3.1). Datagrams shorter than a valid short-header packet (21 bytes) never
    /// match.
    /// </summary>
    public static bool Matches(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> token)
    {
        if (token.Length != TokenLength || datagram.Length < StatelessResetPacket.MinimumLength)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(datagram[^TokenLength..], token);
    }
}
