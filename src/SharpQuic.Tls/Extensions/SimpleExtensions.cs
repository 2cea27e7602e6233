using SharpQuic.Tls.Wire;

namespace SharpQuic.Tls.Extensions;

/// <summary>early_data (RFC 8446bis §4.2.10): empty in ClientHello and EncryptedExtensions;
/// <c>uint32 max_early_data_size</c> in NewSessionTicket.</summary>
internal static class EarlyDataExtension
{
    /// <summary>The only max_early_data_size QUIC allows (RFC 9001 §4.6.1).</summary>
    public const uint QuicMaxEarlyDataSize = 0xFFFF_FFFF;

    /// <summary>ClientHello/EncryptedExtensions form: the data must be empty.</summary>
    public static bool TryParseEmpty(ReadOnlySpan<byte> data, out TlsAlert alert)
    {
        alert = data.IsEmpty ? default : TlsAlert.DecodeError;
        return data.IsEmpty;
    }

    /// <summary>NewSessionTicket form.</summary>
    public static bool TryParseTicket(ReadOnlySpan<byte> data, out uint maxEarlyDataSize, out TlsAlert alert)
    {
        var reader = new TlsReader(data);
        if (!reader.TryReadUInt32(out maxEarlyDataSize) || !reader.IsEmpty)
        {
            alert = TlsAlert.DecodeError;
            return false;
        }

        alert = default;
        return true;
    }

    public static byte[] EncodeTicket(uint maxEarlyDataSize)
        => [(byte)(maxEarlyDataSize >> 24), (byte)(maxEarlyDataSize >> 16), (byte)(maxEarlyDataSize >> 8), (byte)maxEarlyDataSize];
}

/// <summary>cookie (RFC 8446bis §4.2.2): <c>opaque cookie&lt;1..2^16-1&gt;</c>.</summary>
internal static class CookieExtension
{
    public static bool TryParse(ReadOnlySpan<byte> data, out byte[] cookie, out TlsAlert alert)
    {
        var reader = new TlsReader(data);
        if (!reader.TryReadVector16(out ReadOnlySpan<byte> value, min: 1) || !reader.IsEmpty)
        {
            cookie = [];
            alert = TlsAlert.DecodeError;
            return false;
        }

        cookie = value.ToArray();
        alert = default;
        return true;
    }

    public static byte[] Encode(ReadOnlySpan<byte> cookie)
    {
        if (cookie.IsEmpty)
        {
            throw new ArgumentException("A cookie is 1..65535 bytes.", nameof(cookie));
        }

        var w = new TlsWriter(2 + cookie.Length);
        w.WriteVector16(cookie);
        return w.ToArray();
    }
}

/// <summary>quic_transport_parameters (RFC 9001 §8.2): opaque here; SharpQuic.Core parses the contents.</summary>
internal static class QuicTransportParametersExtension
{
    public static byte[] Encode(ReadOnlySpan<byte> encodedParameters) => encodedParameters.ToArray();

    /// <summary>Returns the bytes unchanged; the transport layer validates them (RFC 9000 §18).</summary>
    public static byte[] Parse(ReadOnlySpan<byte> data) => data.ToArray();
}
