using System.Text;
using SharpQuic.Cryptography;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Tickets;

/// <summary>
/// A client's record of one NewSessionTicket (RFC 8446bis §4.6.1): the opaque ticket, the PSK derived from it, and
/// what resumption and 0-RTT must match (suite, ALPN, server name, the server's transport parameters, RFC 9000
/// §7.4.1). <see cref="Serialize"/> gives a versioned, length-prefixed form for storing it (the CLI's ticket file).
/// </summary>
internal sealed class SessionTicket
{
    private static ReadOnlySpan<byte> Magic => "SQTK"u8;

    private const byte FormatVersion = 1;

    public required byte[] Ticket { get; init; }

    public required byte[] Psk { get; init; }

    public required CipherSuite Suite { get; init; }

    public required byte[] ApplicationProtocol { get; init; }

    /// <summary>The SNI it was issued for (resume only with the same name).</summary>
    public required string? ServerName { get; init; }

    public required uint LifetimeSeconds { get; init; }

    public required uint AgeAdd { get; init; }

    /// <summary>0 when 0-RTT is not allowed.</summary>
    public required uint MaxEarlyDataSize { get; init; }

    /// <summary>The server's transport parameters from the connection that issued it (RFC 9000 §7.4.1).</summary>
    public required byte[] TransportParameters { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    public bool AllowsEarlyData => MaxEarlyDataSize != 0;

    /// <summary>True while the ticket may still be offered (§4.6.1: lifetime from receipt).</summary>
    public bool IsValidAt(DateTimeOffset now) => now >= ReceivedAt && now - ReceivedAt < TimeSpan.FromSeconds(LifetimeSeconds);

    /// <summary>obfuscated_ticket_age = age in ms + ticket_age_add, mod 2^32 (§4.2.11.1).</summary>
    public uint ObfuscatedAge(DateTimeOffset now) => unchecked((uint)(long)(now - ReceivedAt).TotalMilliseconds + AgeAdd);

    public byte[] Serialize()
    {
        var w = new TlsWriter(256 + Ticket.Length + TransportParameters.Length);
        w.WriteBytes(Magic);
        w.WriteUInt8(FormatVersion);
        w.WriteUInt16((ushort)Suite);
        long received = ReceivedAt.ToUnixTimeMilliseconds();
        w.WriteUInt32((uint)((ulong)received >> 32));
        w.WriteUInt32((uint)received);
        w.WriteUInt32(LifetimeSeconds);
        w.WriteUInt32(AgeAdd);
        w.WriteUInt32(MaxEarlyDataSize);
        w.WriteVector16(Ticket);
        w.WriteVector8(Psk);
        w.WriteVector8(ApplicationProtocol);
        w.WriteVector8(ServerName is null ? [] : Encoding.ASCII.GetBytes(ServerName));
        w.WriteVector16(TransportParameters);
        return w.ToArray();
    }

    /// <summary>Parses <see cref="Serialize"/>'s output; false for anything else (wrong magic or version, bad
    /// lengths, trailing bytes, an unknown suite or a PSK that does not fit the suite's hash).</summary>
    public static bool TryDeserialize(ReadOnlySpan<byte> data, out SessionTicket? ticket)
    {
        ticket = null;
        var r = new TlsReader(data);
        if (!r.TryReadBytes(Magic.Length, out ReadOnlySpan<byte> magic) || !magic.SequenceEqual(Magic)
            || !r.TryReadUInt8(out byte version) || version != FormatVersion
            || !r.TryReadUInt16(out ushort suite)
            || !r.TryReadUInt32(out uint receivedHigh) || !r.TryReadUInt32(out uint receivedLow)
            || !r.TryReadUInt32(out uint lifetime) || !r.TryReadUInt32(out uint ageAdd) || !r.TryReadUInt32(out uint maxEarly)
            || !r.TryReadVector16(out ReadOnlySpan<byte> opaque, min: 1)
            || !r.TryReadVector8(out ReadOnlySpan<byte> psk)
            || !r.TryReadVector8(out ReadOnlySpan<byte> alpn, min: 1)
            || !r.TryReadVector8(out ReadOnlySpan<byte> name)
            || !r.TryReadVector16(out ReadOnlySpan<byte> parameters)
            || !r.IsEmpty)
        {
            return false;
        }

        if (suite is < (ushort)CipherSuite.Aes128GcmSha256 or > (ushort)CipherSuite.ChaCha20Poly1305Sha256
            || psk.Length != CipherSuiteInfo.HashSize((CipherSuite)suite))
        {
            return false;
        }

        long received = (long)(((ulong)receivedHigh << 32) | receivedLow);
        if (received < -62_135_596_800_000L || received > 253_402_300_799_999L)
        {
            return false;
        }

        ticket = new SessionTicket
        {
            Ticket = opaque.ToArray(),
            Psk = psk.ToArray(),
            Suite = (CipherSuite)suite,
            ApplicationProtocol = alpn.ToArray(),
            ServerName = name.IsEmpty ? null : Encoding.ASCII.GetString(name),
            LifetimeSeconds = lifetime,
            AgeAdd = ageAdd,
            MaxEarlyDataSize = maxEarly,
            TransportParameters = parameters.ToArray(),
            ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(received),
        };
        return true;
    }
}
