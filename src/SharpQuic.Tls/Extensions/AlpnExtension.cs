using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Extensions;

/// <summary>application_layer_protocol_negotiation (RFC 7301 §3.1): <c>ProtocolName protocol_name_list&lt;2..2^16-1&gt;</c>,
/// each <c>opaque ProtocolName&lt;1..2^8-1&gt;</c>. QUIC requires ALPN (RFC 9001 §8.1).</summary>
internal static class AlpnExtension
{
    /// <summary>Parses a non-empty list of non-empty names; an empty list or name is decode_error.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out List<byte[]> protocols, out TlsAlert alert)
    {
        protocols = [];
        var reader = new TlsReader(data);
        if (!reader.TryReadVector16(out ReadOnlySpan<byte> list, min: 2) || !reader.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        var r = new TlsReader(list);
        while (!r.IsEmpty)
        {
            if (!r.TryReadVector8(out ReadOnlySpan<byte> name, min: 1))
            {
                alert = TlsAlert.DecodeError;
                return false;
            }

            protocols.Add(name.ToArray());
        }

        alert = default;
        return true;
    }

    /// <summary>Parses a server's answer, which must name exactly one protocol (RFC 7301 §3.1);
    /// more than one is illegal_parameter.</summary>
    public static bool TryParseSelected(ReadOnlySpan<byte> data, out byte[] protocol, out TlsAlert alert)
    {
        protocol = [];
        if (!TryParse(data, out List<byte[]> protocols, out alert))
        {
            return false;
        }

        if (protocols.Count != 1)
        {
            alert = TlsAlert.IllegalParameter;
            return false;
        }

        protocol = protocols[0];
        return true;
    }

    public static byte[] Encode(IReadOnlyList<byte[]> protocols)
    {
        if (protocols.Count == 0)
        {
            throw new ArgumentException("ALPN needs at least one protocol.", nameof(protocols));
        }

        var w = new TlsWriter();
        int mark = w.BeginVector(2);
        foreach (byte[] p in protocols)
        {
            if (p.Length is 0 or > 255)
            {
                throw new ArgumentException("ALPN protocol names are 1..255 bytes.", nameof(protocols));
            }

            w.WriteVector8(p);
        }

        w.EndVector(mark);
        return w.ToArray();
    }
}
