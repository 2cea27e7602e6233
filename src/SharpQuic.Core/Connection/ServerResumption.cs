using SharpQuic.Cryptography;
using SharpQuic.Tls.Tickets;

namespace SharpQuic.Core.Connection;

/// <summary>
/// A server's session ticket state, shared by all its connections (a listener holds one): the key that seals tickets
/// (RFC 8446bis §4.6.1) and, for anti-replay, the set of tickets already used (§8.1: each ticket resumes once, so
/// 0-RTT data cannot be replayed through it).
/// </summary>
internal sealed class ServerResumption : IDisposable
{
    /// <summary>Creates the state from a 32-byte ticket key (servers sharing the key accept each other's tickets).</summary>
    public ServerResumption(ReadOnlySpan<byte> ticketKey, bool singleUseTickets = true, int usedTicketCapacity = 100_000)
    {
        Protector = new TicketProtector(ticketKey);
        UsedTickets = singleUseTickets ? new UsedTicketSet(usedTicketCapacity) : null;
    }

    /// <summary>Size of a ticket key.</summary>
    public const int KeySize = TicketProtector.KeySize;

    /// <summary>Seals and opens tickets.</summary>
    internal TicketProtector Protector { get; }

    /// <summary>Tickets already accepted; null when tickets may be reused.</summary>
    internal UsedTicketSet? UsedTickets { get; }

    /// <summary>A fresh random ticket key.</summary>
    public static ServerResumption CreateRandom(IRandomSource random, bool singleUseTickets = true)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> key = stackalloc byte[KeySize];
        random.Fill(key);
        var resumption = new ServerResumption(key, singleUseTickets);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        return resumption;
    }

    /// <inheritdoc/>
    public void Dispose() => Protector.Dispose();
}
