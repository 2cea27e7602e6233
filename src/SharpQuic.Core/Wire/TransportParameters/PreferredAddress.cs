using System.Net;
using System.Net.Sockets;

namespace SharpQuic.Core.Wire;

/// <summary>
/// The server's preferred_address transport parameter (RFC 9000 §18.2, §9.6): an IPv4 and an
/// IPv6 address with ports (all zeros for a family the server does not offer), a connection ID
/// of 1 to 20 bytes with sequence number 1, and its stateless reset token.
/// </summary>
public sealed class PreferredAddress
{
    /// <summary>Bytes of the value without the connection ID: 4 + 2 + 16 + 2 + 1 + 16.</summary>
    internal const int FixedLength = 41;

    /// <summary>Builds a preferred address; the connection ID must be 1..20 bytes and the token 16.</summary>
    public PreferredAddress(IPAddress ipv4Address, ushort ipv4Port, IPAddress ipv6Address, ushort ipv6Port, byte[] connectionId, byte[] statelessResetToken)
    {
        ArgumentNullException.ThrowIfNull(ipv4Address);
        ArgumentNullException.ThrowIfNull(ipv6Address);
        ArgumentNullException.ThrowIfNull(connectionId);
        ArgumentNullException.ThrowIfNull(statelessResetToken);
        if (ipv4Address.AddressFamily != AddressFamily.InterNetwork || ipv6Address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException("Expected one IPv4 and one IPv6 address.", nameof(ipv4Address));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(connectionId.Length, 1, nameof(connectionId));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(connectionId.Length, 20, nameof(connectionId));
        ArgumentOutOfRangeException.ThrowIfNotEqual(statelessResetToken.Length, 16, nameof(statelessResetToken));
        IPv4Address = ipv4Address;
        IPv4Port = ipv4Port;
        IPv6Address = ipv6Address;
        IPv6Port = ipv6Port;
        ConnectionId = connectionId;
        StatelessResetToken = statelessResetToken;
    }

    /// <summary>The IPv4 address (0.0.0.0 when not offered).</summary>
    public IPAddress IPv4Address { get; }

    /// <summary>The IPv4 port (0 when not offered).</summary>
    public ushort IPv4Port { get; }

    /// <summary>The IPv6 address (:: when not offered).</summary>
    public IPAddress IPv6Address { get; }

    /// <summary>The IPv6 port (0 when not offered).</summary>
    public ushort IPv6Port { get; }

    /// <summary>The connection ID to use at the preferred address (sequence number 1).</summary>
    public byte[] ConnectionId { get; }

    /// <summary>The stateless reset token of <see cref="ConnectionId"/>.</summary>
    public byte[] StatelessResetToken { get; }

    internal int EncodedLength => FixedLength + ConnectionId.Length;
}
