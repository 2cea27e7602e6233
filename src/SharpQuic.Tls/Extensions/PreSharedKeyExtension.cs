using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Extensions;

/// <summary><c>PskIdentity { opaque identity&lt;1..2^16-1&gt;; uint32 obfuscated_ticket_age; }</c>.</summary>
internal sealed record PskIdentity(byte[] Identity, uint ObfuscatedTicketAge);

/// <summary>The ClientHello form of pre_shared_key: identities and their binders, in the same order.</summary>
internal sealed class OfferedPsks
{
    public OfferedPsks(List<PskIdentity> identities, List<byte[]> binders)
    {
        Identities = identities;
        Binders = binders;
    }

    public List<PskIdentity> Identities { get; }

    /// <summary>One HMAC per identity, each 32..255 bytes.</summary>
    public List<byte[]> Binders { get; }

    /// <summary>
    /// Bytes taken by the <c>binders</c> vector (its uint16 length included). Since pre_shared_key is the last
    /// extension, the binders are the last bytes of the ClientHello, and the binder transcript is the
    /// ClientHello truncated by this many bytes (RFC 8446bis §4.2.11.2).
    /// </summary>
    public int BindersEncodedLength
    {
        get
        {
            int n = 2;
            foreach (byte[] b in Binders)
            {
                n += 1 + b.Length;
            }

            return n;
        }
    }
}

/// <summary>pre_shared_key (RFC 8446bis §4.2.11): OfferedPsks in ClientHello, <c>uint16 selected_identity</c>
/// in ServerHello.</summary>
internal static class PreSharedKeyExtension
{
    /// <summary>Parses OfferedPsks. Bad lengths are decode_error; identity and binder counts that differ are
    /// illegal_parameter.</summary>
    public static bool TryParseClient(ReadOnlySpan<byte> data, out OfferedPsks offered, out TlsAlert alert)
    {
        offered = new OfferedPsks([], []);
        var reader = new TlsReader(data);
        if (!reader.TryReadVector16(out ReadOnlySpan<byte> identities, min: 7)
            || !reader.TryReadVector16(out ReadOnlySpan<byte> binders, min: 33)
            || !reader.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        var r = new TlsReader(identities);
        while (!r.IsEmpty)
        {
            if (!r.TryReadVector16(out ReadOnlySpan<byte> identity, min: 1) || !r.TryReadUInt32(out uint age))
            {
                alert = TlsAlert.DecodeError;
                return false;
            }

            offered.Identities.Add(new PskIdentity(identity.ToArray(), age));
        }

        r = new TlsReader(binders);
        while (!r.IsEmpty)
        {
            if (!r.TryReadVector8(out ReadOnlySpan<byte> binder, min: 32))
            {
                alert = TlsAlert.DecodeError;
                return false;
            }

            offered.Binders.Add(binder.ToArray());
        }

        if (offered.Identities.Count != offered.Binders.Count)
        {
            alert = TlsAlert.IllegalParameter;
            return false;
        }

        alert = default;
        return true;
    }

    /// <summary>ServerHello form: the index of the identity the server chose.</summary>
    public static bool TryParseServer(ReadOnlySpan<byte> data, out ushort selectedIdentity, out TlsAlert alert)
    {
        var reader = new TlsReader(data);
        if (!reader.TryReadUInt16(out selectedIdentity) || !reader.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        alert = default;
        return true;
    }

    public static byte[] EncodeClient(OfferedPsks offered)
    {
        var w = new TlsWriter();
        int ids = w.BeginVector(2);
        foreach (PskIdentity id in offered.Identities)
        {
            w.WriteVector16(id.Identity);
            w.WriteUInt32(id.ObfuscatedTicketAge);
        }

        w.EndVector(ids);
        int binders = w.BeginVector(2);
        foreach (byte[] b in offered.Binders)
        {
            w.WriteVector8(b);
        }

        w.EndVector(binders);
        return w.ToArray();
    }

    public static byte[] EncodeServer(ushort selectedIdentity) => [(byte)(selectedIdentity >> 8), (byte)selectedIdentity];
}
