using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Extensions;

/// <summary>
/// The shape shared by supported_groups (RFC 8446bis §4.2.7) and signature_algorithms(_cert) (§4.2.3):
/// <c>uint16 list&lt;2..2^16-2&gt;</c>. GREASE values (RFC 8701) are dropped; unknown ones are kept so the
/// caller can intersect with its own preferences.
/// </summary>
internal static class CodePointListExtension
{
    public static bool TryParse(ReadOnlySpan<byte> data, out List<ushort> values, out TlsAlert alert)
    {
        values = [];
        var reader = new TlsReader(data);
        if (!reader.TryReadVector16(out ReadOnlySpan<byte> list, min: 2) || !reader.IsEmpty || (list.Length & 1) != 0)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        var r = new TlsReader(list);
        while (r.TryReadUInt16(out ushort v))
        {
            if (!Grease.IsGrease(v))
            {
                values.Add(v);
            }
        }

        alert = default;
        return true;
    }

    public static byte[] Encode(ReadOnlySpan<ushort> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("The list must not be empty.", nameof(values));
        }

        var w = new TlsWriter(2 + (2 * values.Length));
        int mark = w.BeginVector(2);
        foreach (ushort v in values)
        {
            w.WriteUInt16(v);
        }

        w.EndVector(mark);
        return w.ToArray();
    }
}

/// <summary>supported_groups (RFC 8446bis §4.2.7).</summary>
internal static class SupportedGroupsExtension
{
    public static bool TryParse(ReadOnlySpan<byte> data, out List<NamedGroup> groups, out TlsAlert alert)
    {
        groups = [];
        if (!CodePointListExtension.TryParse(data, out List<ushort> values, out alert))
        {
            return false;
        }

        foreach (ushort v in values)
        {
            groups.Add((NamedGroup)v);
        }

        return true;
    }

    public static byte[] Encode(IReadOnlyList<NamedGroup> groups)
    {
        var values = new ushort[groups.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (ushort)groups[i];
        }

        return CodePointListExtension.Encode(values);
    }
}

/// <summary>signature_algorithms and signature_algorithms_cert (RFC 8446bis §4.2.3): the same encoding.</summary>
internal static class SignatureAlgorithmsExtension
{
    public static bool TryParse(ReadOnlySpan<byte> data, out List<SignatureScheme> schemes, out TlsAlert alert)
    {
        schemes = [];
        if (!CodePointListExtension.TryParse(data, out List<ushort> values, out alert))
        {
            return false;
        }

        foreach (ushort v in values)
        {
            schemes.Add((SignatureScheme)v);
        }

        return true;
    }

    public static byte[] Encode(IReadOnlyList<SignatureScheme> schemes)
    {
        var values = new ushort[schemes.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (ushort)schemes[i];
        }

        return CodePointListExtension.Encode(values);
    }
}
