using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Extensions;

/// <summary>PSK key exchange modes (RFC 8446bis §4.2.9).</summary>
internal enum PskKeyExchangeMode : byte
{
    /// <summary>PSK only: no forward secrecy.</summary>
    PskKe = 0,

    /// <summary>PSK with (EC)DHE: the mode SharpQuic uses.</summary>
    PskDheKe = 1,
}

/// <summary>psk_key_exchange_modes (RFC 8446bis §4.2.9): <c>PskKeyExchangeMode ke_modes&lt;1..255&gt;</c>.
/// Unknown and GREASE modes are dropped.</summary>
internal static class PskKeyExchangeModesExtension
{
    public static bool TryParse(ReadOnlySpan<byte> data, out List<PskKeyExchangeMode> modes, out TlsAlert alert)
    {
        modes = [];
        var reader = new TlsReader(data);
        if (!reader.TryReadVector8(out ReadOnlySpan<byte> list, min: 1) || !reader.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        foreach (byte m in list)
        {
            if (m <= (byte)PskKeyExchangeMode.PskDheKe && !modes.Contains((PskKeyExchangeMode)m))
            {
                modes.Add((PskKeyExchangeMode)m);
            }
        }

        alert = default;
        return true;
    }

    public static byte[] Encode(IReadOnlyList<PskKeyExchangeMode> modes)
    {
        if (modes.Count is 0 or > 255)
        {
            throw new ArgumentException("1..255 modes.", nameof(modes));
        }

        var bytes = new byte[1 + modes.Count];
        bytes[0] = (byte)modes.Count;
        for (int i = 0; i < modes.Count; i++)
        {
            bytes[1 + i] = (byte)modes[i];
        }

        return bytes;
    }
}
