namespace SharpQuic.Http3.Wire;

/// <summary>HTTP/3 frame types (RFC 9114 §7.2, §11.2.1; RFC 9218 §7; draft-ietf-webtrans-http3).</summary>
internal enum Http3FrameType : ulong
{
    Data = 0x00,
    Headers = 0x01,
    CancelPush = 0x03,
    Settings = 0x04,
    PushPromise = 0x05,
    GoAway = 0x07,
    MaxPushId = 0x0d,

    /// <summary>Not a real frame: the WT_STREAM signal opening a bidirectional WebTransport stream.</summary>
    WebTransportStream = 0x41,

    /// <summary>PRIORITY_UPDATE for a request stream (RFC 9218 §7.2).</summary>
    PriorityUpdateRequest = 0xF0700,

    /// <summary>PRIORITY_UPDATE for a push stream (RFC 9218 §7.2).</summary>
    PriorityUpdatePush = 0xF0701,
}

/// <summary>Classification of frame type code points.</summary>
internal static class Http3FrameTypes
{
    /// <summary>
    /// HTTP/2 frame types with no HTTP/3 counterpart (PRIORITY 0x02, PING 0x06, WINDOW_UPDATE 0x08,
    /// CONTINUATION 0x09): receipt is H3_FRAME_UNEXPECTED (RFC 9114 §7.2.8).
    /// </summary>
    public static bool IsReservedHttp2(ulong type) => type is 0x02 or 0x06 or 0x08 or 0x09;

    /// <summary>Whether the type is one this implementation gives meaning to.</summary>
    public static bool IsKnown(ulong type) => type switch
    {
        (ulong)Http3FrameType.Data or (ulong)Http3FrameType.Headers or (ulong)Http3FrameType.CancelPush
            or (ulong)Http3FrameType.Settings or (ulong)Http3FrameType.PushPromise or (ulong)Http3FrameType.GoAway
            or (ulong)Http3FrameType.MaxPushId or (ulong)Http3FrameType.WebTransportStream
            or (ulong)Http3FrameType.PriorityUpdateRequest or (ulong)Http3FrameType.PriorityUpdatePush => true,
        _ => false,
    };
}
