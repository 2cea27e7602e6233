using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Extensions;

/// <summary>One <c>KeyShareEntry { NamedGroup group; opaque key_exchange&lt;1..2^16-1&gt;; }</c>.</summary>
internal sealed record KeyShareEntry(NamedGroup Group, byte[] KeyExchange);

/// <summary>key_share (RFC 8446bis §4.2.8): a list in ClientHello, one entry in ServerHello, and only the
/// selected group in HelloRetryRequest.</summary>
internal static class KeyShareExtension
{
    /// <summary>
    /// ClientHello form: <c>KeyShareEntry client_shares&lt;0..2^16-1&gt;</c>. GREASE groups are dropped. Two entries
    /// for one group are illegal_parameter (§4.2.8: "Clients MUST NOT offer multiple KeyShareEntry values for the
    /// same group").
    /// </summary>
    public static bool TryParseClient(ReadOnlySpan<byte> data, out List<KeyShareEntry> shares, out TlsAlert alert)
    {
        shares = [];
        var reader = new TlsReader(data);
        if (!reader.TryReadVector16(out ReadOnlySpan<byte> list) || !reader.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        var seen = new HashSet<ushort>();
        var r = new TlsReader(list);
        while (!r.IsEmpty)
        {
            if (!TryReadEntry(ref r, out ushort group, out ReadOnlySpan<byte> keyExchange))
            {
                alert = TlsAlert.DecodeError;
                return false;
            }

            if (!seen.Add(group))
            {
                alert = TlsAlert.IllegalParameter;
                return false;
            }

            if (!Grease.IsGrease(group))
            {
                shares.Add(new KeyShareEntry((NamedGroup)group, keyExchange.ToArray()));
            }
        }

        alert = default;
        return true;
    }

    /// <summary>ServerHello form: one <c>KeyShareEntry server_share</c>.</summary>
    public static bool TryParseServer(ReadOnlySpan<byte> data, out KeyShareEntry share, out TlsAlert alert)
    {
        var reader = new TlsReader(data);
        if (!TryReadEntry(ref reader, out ushort group, out ReadOnlySpan<byte> keyExchange) || !reader.IsEmpty)
        {
            share = new KeyShareEntry(default, []);
            alert = TlsAlert.DecodeError;
            return false;
        }

        share = new KeyShareEntry((NamedGroup)group, keyExchange.ToArray());
        alert = default;
        return true;
    }

    /// <summary>HelloRetryRequest form: <c>NamedGroup selected_group</c>.</summary>
    public static bool TryParseHelloRetryRequest(ReadOnlySpan<byte> data, out NamedGroup selectedGroup, out TlsAlert alert)
    {
        var reader = new TlsReader(data);
        if (!reader.TryReadUInt16(out ushort group) || !reader.IsEmpty)
        {
            selectedGroup = default;
            alert = TlsAlert.DecodeError;
            return false;
        }

        selectedGroup = (NamedGroup)group;
        alert = default;
        return true;
    }

    public static byte[] EncodeClient(IReadOnlyList<KeyShareEntry> shares)
    {
        var w = new TlsWriter();
        int mark = w.BeginVector(2);
        foreach (KeyShareEntry e in shares)
        {
            WriteEntry(w, e);
        }

        w.EndVector(mark);
        return w.ToArray();
    }

    public static byte[] EncodeServer(KeyShareEntry share)
    {
        var w = new TlsWriter(4 + share.KeyExchange.Length);
        WriteEntry(w, share);
        return w.ToArray();
    }

    public static byte[] EncodeHelloRetryRequest(NamedGroup selectedGroup)
        => [(byte)((ushort)selectedGroup >> 8), (byte)selectedGroup];

    private static bool TryReadEntry(ref TlsReader r, out ushort group, out ReadOnlySpan<byte> keyExchange)
    {
        keyExchange = default;
        return r.TryReadUInt16(out group) && r.TryReadVector16(out keyExchange, min: 1);
    }

    private static void WriteEntry(TlsWriter w, KeyShareEntry e)
    {
        if (e.KeyExchange.Length == 0)
        {
            throw new ArgumentException("key_exchange must not be empty.", nameof(e));
        }

        w.WriteUInt16((ushort)e.Group);
        w.WriteVector16(e.KeyExchange);
    }
}
