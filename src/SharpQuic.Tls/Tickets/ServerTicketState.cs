using SharpQuic.Cryptography;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Tickets;

/// <summary>
/// What a server needs to resume (RFC 8446bis §4.6.1, §4.2.11) and to decide on 0-RTT (§4.2.10, RFC 9001 §4.6.1,
/// RFC 9000 §7.4.1), sealed into the ticket by <see cref="TicketProtector"/>.
/// </summary>
internal sealed class ServerTicketState
{
    private const byte Version = 1;

    public required CipherSuite Suite { get; init; }

    public required long IssuedAtUnixMilliseconds { get; init; }

    public required uint LifetimeSeconds { get; init; }

    public required uint AgeAdd { get; init; }

    /// <summary>0 when the ticket does not allow 0-RTT, else 0xffffffff (RFC 9001 §4.6.1).</summary>
    public required uint MaxEarlyDataSize { get; init; }

    /// <summary>The resumption PSK derived with this ticket's nonce (§4.6.1).</summary>
    public required byte[] Psk { get; init; }

    public required byte[] ApplicationProtocol { get; init; }

    /// <summary>The SNI of the original connection ("" if none): resumption requires the same (§4.6.1).</summary>
    public required string ServerName { get; init; }

    /// <summary>The server's 0-RTT context when issued (see TlsServerOptions.EarlyDataContext).</summary>
    public required byte[] EarlyDataContext { get; init; }

    public byte[] Encode()
    {
        var w = new TlsWriter(128 + EarlyDataContext.Length);
        w.WriteUInt8(Version);
        w.WriteUInt16((ushort)Suite);
        w.WriteUInt32((uint)((ulong)IssuedAtUnixMilliseconds >> 32));
        w.WriteUInt32((uint)IssuedAtUnixMilliseconds);
        w.WriteUInt32(LifetimeSeconds);
        w.WriteUInt32(AgeAdd);
        w.WriteUInt32(MaxEarlyDataSize);
        w.WriteVector8(Psk);
        w.WriteVector8(ApplicationProtocol);
        w.WriteVector8(System.Text.Encoding.ASCII.GetBytes(ServerName));
        w.WriteVector16(EarlyDataContext);
        return w.ToArray();
    }

    public static bool TryDecode(ReadOnlySpan<byte> data, out ServerTicketState? state)
    {
        state = null;
        var r = new TlsReader(data);
        if (!r.TryReadUInt8(out byte version) || version != Version
            || !r.TryReadUInt16(out ushort suite)
            || !r.TryReadUInt32(out uint issuedHigh) || !r.TryReadUInt32(out uint issuedLow)
            || !r.TryReadUInt32(out uint lifetime) || !r.TryReadUInt32(out uint ageAdd) || !r.TryReadUInt32(out uint maxEarly)
            || !r.TryReadVector8(out ReadOnlySpan<byte> psk, min: 32, max: 48)
            || !r.TryReadVector8(out ReadOnlySpan<byte> alpn)
            || !r.TryReadVector8(out ReadOnlySpan<byte> serverName)
            || !r.TryReadVector16(out ReadOnlySpan<byte> context)
            || !r.IsEmpty
            || suite is < (ushort)CipherSuite.Aes128GcmSha256 or > (ushort)CipherSuite.ChaCha20Poly1305Sha256)
        {
            return false;
        }

        state = new ServerTicketState
        {
            Suite = (CipherSuite)suite,
            IssuedAtUnixMilliseconds = (long)(((ulong)issuedHigh << 32) | issuedLow),
            LifetimeSeconds = lifetime,
            AgeAdd = ageAdd,
            MaxEarlyDataSize = maxEarly,
            Psk = psk.ToArray(),
            ApplicationProtocol = alpn.ToArray(),
            ServerName = System.Text.Encoding.ASCII.GetString(serverName),
            EarlyDataContext = context.ToArray(),
        };
        return true;
    }
}
