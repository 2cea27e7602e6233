using SharpQuic.Tls.Extensions;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Messages;

/// <summary>
/// NewSessionTicket (RFC 8446bis §4.6.1):
/// <code>
/// struct {
///     uint32 ticket_lifetime;
///     uint32 ticket_age_add;
///     opaque ticket_nonce&lt;0..255&gt;;
///     opaque ticket&lt;1..2^16-1&gt;;
///     Extension extensions&lt;0..2^16-1&gt;;
/// } NewSessionTicket;
/// </code>
/// </summary>
internal sealed class NewSessionTicket
{
    /// <summary>Seven days, the longest a ticket may live (§4.6.1).</summary>
    public const uint MaxLifetimeSeconds = 604_800;

    public NewSessionTicket(uint lifetimeSeconds, uint ageAdd, byte[] nonce, byte[] ticket, ExtensionList extensions)
    {
        LifetimeSeconds = lifetimeSeconds;
        AgeAdd = ageAdd;
        Nonce = nonce;
        Ticket = ticket;
        Extensions = extensions;
    }

    public uint LifetimeSeconds { get; }

    public uint AgeAdd { get; }

    public byte[] Nonce { get; }

    public byte[] Ticket { get; }

    public ExtensionList Extensions { get; }

    /// <summary>max_early_data_size from the early_data extension, or null when the ticket does not allow
    /// 0-RTT.</summary>
    public uint? MaxEarlyDataSize { get; private init; }

    /// <summary>
    /// Parses a NewSessionTicket body. Alerts: decode_error for bad lengths; illegal_parameter for a lifetime
    /// above seven days (§4.6.1), a repeated extension, or an early_data max_early_data_size other than
    /// 0xffffffff (RFC 9001 §4.6.1 makes that a PROTOCOL_VIOLATION; the caller may map it so).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out NewSessionTicket? message, out TlsAlert alert)
    {
        message = null;
        var r = new TlsReader(body);
        if (!r.TryReadUInt32(out uint lifetime)
            || !r.TryReadUInt32(out uint ageAdd)
            || !r.TryReadVector8(out ReadOnlySpan<byte> nonce)
            || !r.TryReadVector16(out ReadOnlySpan<byte> ticket, min: 1))
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        if (!ExtensionList.TryRead(ref r, pskMustBeLast: false, out ExtensionList extensions, out alert))
        {
            return false;
        }

        if (!r.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        if (lifetime > MaxLifetimeSeconds)
        {
            alert = TlsAlert.IllegalParameter;
            return false;
        }

        uint? maxEarlyData = null;
        if (extensions.TryGet(ExtensionType.EarlyData, out byte[] earlyData))
        {
            if (!EarlyDataExtension.TryParseTicket(earlyData, out uint size, out alert))
            {
                return false;
            }

            if (size != EarlyDataExtension.QuicMaxEarlyDataSize)
            {
                alert = TlsAlert.IllegalParameter;
                return false;
            }

            maxEarlyData = size;
        }

        message = new NewSessionTicket(lifetime, ageAdd, nonce.ToArray(), ticket.ToArray(), extensions) { MaxEarlyDataSize = maxEarlyData };
        return true;
    }

    public byte[] Encode()
    {
        var w = new TlsWriter(64 + Ticket.Length);
        Write(w);
        return w.ToArray();
    }

    public void Write(TlsWriter w)
    {
        if (LifetimeSeconds > MaxLifetimeSeconds || Ticket.Length == 0 || Nonce.Length > 255)
        {
            throw new InvalidOperationException("NewSessionTicket fields out of range.");
        }

        int message = w.BeginHandshake(HandshakeType.NewSessionTicket);
        w.WriteUInt32(LifetimeSeconds);
        w.WriteUInt32(AgeAdd);
        w.WriteVector8(Nonce);
        w.WriteVector16(Ticket);
        Extensions.Write(w);
        w.EndVector(message);
    }
}
