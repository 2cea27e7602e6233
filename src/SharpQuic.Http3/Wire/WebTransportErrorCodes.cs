namespace SharpQuic.Http3.Wire;

/// <summary>
/// Maps 32-bit WebTransport application error codes to and from the HTTP/3 error range reserved
/// for WT_APPLICATION_ERROR (draft-ietf-webtrans-http3 §4.4, "Resetting Data Streams"): the range
/// 0x52e4a40fa8db..0x52e5ac983162 minus the GREASE code points <c>0x1f * N + 0x21</c> inside it.
/// </summary>
public static class WebTransportErrorCodes
{
    /// <summary>The HTTP/3 code that WebTransport application error 0 maps to.</summary>
    public const ulong First = 0x52e4a40fa8db;

    /// <summary>The HTTP/3 code that WebTransport application error 0xffffffff maps to.</summary>
    public const ulong Last = 0x52e5ac983162;

    /// <summary>The HTTP/3 error code carrying WebTransport application error <paramref name="code"/>.</summary>
    public static ulong ToHttp3(uint code) => First + code + (code / 0x1e);

    /// <summary>
    /// The WebTransport application error carried by HTTP/3 error code <paramref name="http3Code"/>;
    /// false when the code is outside the WT_APPLICATION_ERROR range or is a GREASE code point in it
    /// (the stream is then reset with no application error code, as the draft says).
    /// </summary>
    public static bool TryFromHttp3(ulong http3Code, out uint code)
    {
        code = 0;
        if (http3Code < First || http3Code > Last || Http3Grease.IsReserved(http3Code))
        {
            return false;
        }

        // First sits just after a GREASE point ((First - 0x21) % 0x1f == 1), so every
        // 0x1f-long block from First holds 0x1e application codes followed by one GREASE point.
        ulong shifted = http3Code - First;
        code = (uint)(shifted - (shifted / 0x1f));
        return true;
    }
}
