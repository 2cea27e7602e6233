using System.Security.Cryptography;
using SharpQuic.Cryptography;

namespace SharpQuic.Tls.Tickets;

/// <summary>
/// Seals server session state into the opaque NewSessionTicket.ticket (RFC 8446bis §4.6.1 leaves the format to the
/// server): AES-256-GCM under a 32-byte key, as nonce (12) ‖ ciphertext ‖ tag (16). Anyone with the key can
/// resume, so the key is secret and should rotate; a ticket that fails to open is simply not resumed. Thread-safe:
/// one protector serves every connection of a listener.
/// </summary>
internal sealed class TicketProtector : IDisposable
{
    /// <summary>The key length.</summary>
    public const int KeySize = 32;

    /// <summary>The GCM nonce, which is also the ticket's unique id (single-use tracking).</summary>
    public const int NonceSize = 12;

    private const int TagSize = 16;

    private readonly byte[] _key;

    public TicketProtector(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException("A ticket key is 32 bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>Seals <paramref name="state"/> with a fresh random nonce.</summary>
    public byte[] Seal(ReadOnlySpan<byte> state, IRandomSource random)
    {
        var ticket = new byte[NonceSize + state.Length + TagSize];
        Span<byte> nonce = ticket.AsSpan(0, NonceSize);
        random.Fill(nonce);
        using var gcm = new AesGcm(_key, TagSize);
        gcm.Encrypt(nonce, state, ticket.AsSpan(NonceSize, state.Length), ticket.AsSpan(NonceSize + state.Length));
        return ticket;
    }

    /// <summary>Opens a ticket from a client; false (never an exception) for anything we did not seal.</summary>
    public bool TryOpen(ReadOnlySpan<byte> ticket, out byte[] state)
    {
        state = [];
        if (ticket.Length < NonceSize + TagSize || ticket.Length > 4096)
        {
            return false;
        }

        var plain = new byte[ticket.Length - NonceSize - TagSize];
        try
        {
            using var gcm = new AesGcm(_key, TagSize);
            gcm.Decrypt(ticket[..NonceSize], ticket[NonceSize..^TagSize], ticket[^TagSize..], plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }

        state = plain;
        return true;
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
