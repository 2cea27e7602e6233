using System.Text;
using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Extensions;

/// <summary>server_name (RFC 6066 §3), host_name entries only. In EncryptedExtensions the server's
/// acknowledgement is an empty extension_data.</summary>
internal static class ServerNameExtension
{
    private const byte HostNameType = 0;

    /// <summary>
    /// Parses a ClientHello ServerNameList. Entries of other name types are skipped; a second host_name is
    /// illegal_parameter (RFC 6066 §3); a host name with bytes outside printable ASCII or a trailing dot is
    /// illegal_parameter (RFC 6066 §3: ASCII, no trailing dot). <paramref name="hostName"/> is null when no
    /// host_name entry was present.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out string? hostName, out TlsAlert alert)
    {
        hostName = null;
        var reader = new TlsReader(data);
        if (!reader.TryReadVector16(out ReadOnlySpan<byte> list, min: 1) || !reader.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        var r = new TlsReader(list);
        while (!r.IsEmpty)
        {
            if (!r.TryReadUInt8(out byte nameType) || !r.TryReadVector16(out ReadOnlySpan<byte> name, min: 1))
            {
                alert = TlsAlert.DecodeError;
                return false;
            }

            if (nameType != HostNameType)
            {
                continue;
            }

            if (hostName is not null || !IsValidHostName(name))
            {
                alert = TlsAlert.IllegalParameter;
                return false;
            }

            hostName = Encoding.ASCII.GetString(name);
        }

        alert = default;
        return true;
    }

    /// <summary>Encodes a ServerNameList holding one host_name.</summary>
    public static byte[] Encode(string hostName)
    {
        byte[] name = Encoding.ASCII.GetBytes(hostName);
        if (!IsValidHostName(name))
        {
            throw new ArgumentException("Not a valid DNS host name for server_name.", nameof(hostName));
        }

        var w = new TlsWriter(name.Length + 5);
        int list = w.BeginVector(2);
        w.WriteUInt8(HostNameType);
        w.WriteVector16(name);
        w.EndVector(list);
        return w.ToArray();
    }

    private static bool IsValidHostName(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name[^1] == (byte)'.')
        {
            return false;
        }

        foreach (byte b in name)
        {
            if (b <= 0x20 || b >= 0x7F)
            {
                return false;
            }
        }

        return true;
    }
}
