using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Extensions;

/// <summary>supported_versions (RFC 8446bis §4.2.1): a list in ClientHello, one selected version in
/// ServerHello and HelloRetryRequest.</summary>
internal static class SupportedVersionsExtension
{
    /// <summary>TLS 1.3, the only version QUIC uses (RFC 9001 §4.2).</summary>
    public const ushort Tls13 = 0x0304;

    /// <summary>ClientHello form: <c>ProtocolVersion versions&lt;2..254&gt;</c>. GREASE entries are dropped.</summary>
    public static bool TryParseClient(ReadOnlySpan<byte> data, out List<ushort> versions, out TlsAlert alert)
    {
        versions = [];
        var reader = new TlsReader(data);
        if (!reader.TryReadVector8(out ReadOnlySpan<byte> list, min: 2, max: 254) || !reader.IsEmpty || (list.Length & 1) != 0)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        var r = new TlsReader(list);
        while (r.TryReadUInt16(out ushort v))
        {
            if (!Grease.IsGrease(v))
            {
                versions.Add(v);
            }
        }

        alert = default;
        return true;
    }

    /// <summary>ServerHello/HelloRetryRequest form: <c>ProtocolVersion selected_version</c>.</summary>
    public static bool TryParseServer(ReadOnlySpan<byte> data, out ushort selected, out TlsAlert alert)
    {
        var reader = new TlsReader(data);
        if (!reader.TryReadUInt16(out selected) || !reader.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        alert = default;
        return true;
    }

    public static byte[] EncodeClient(ReadOnlySpan<ushort> versions)
    {
        var w = new TlsWriter(1 + (2 * versions.Length));
        int mark = w.BeginVector(1);
        foreach (ushort v in versions)
        {
            w.WriteUInt16(v);
        }

        w.EndVector(mark);
        return w.ToArray();
    }

    public static byte[] EncodeServer(ushort selected) => [(byte)(selected >> 8), (byte)selected];
}
