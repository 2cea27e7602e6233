namespace SharpQuic.Http3.Wire;

/// <summary>
/// Which frames may arrive on which stream (RFC 9114 §7.2, RFC 9218 §7, draft-ietf-webtrans-http3
/// §4.3), as one table consulted per frame header. The push rules assume the local client never
/// sends MAX_PUSH_ID (so the maximum push ID stays unset, RFC 9114 §4.6) and the local server never
/// pushes: a PUSH_PROMISE or CANCEL_PUSH can then only name a push ID the receiver never allowed or
/// never promised, which is H3_ID_ERROR (§7.2.3, §7.2.5).
/// </summary>
internal static class Http3FrameRules
{
    /// <summary>
    /// Whether a frame of <paramref name="type"/> may be received on a stream of
    /// <paramref name="kind"/>. <paramref name="firstOnStream"/> is true for the first frame of
    /// the stream; <paramref name="localIsClient"/> names the receiving endpoint's role.
    /// Unknown and GREASE types are allowed (to be skipped, §9) except as the control stream's first frame.
    /// </summary>
    public static bool IsAllowed(Http3StreamKind kind, bool localIsClient, ulong type, bool firstOnStream, out Http3ErrorCode error)
    {
        error = Check(kind, localIsClient, type, firstOnStream);
        return error == Http3ErrorCode.NoError;
    }

    private static Http3ErrorCode Check(Http3StreamKind kind, bool localIsClient, ulong type, bool firstOnStream)
    {
        // §6.2.1: the control stream must open with SETTINGS, whatever the first frame is.
        if (kind == Http3StreamKind.Control && firstOnStream)
        {
            return type == (ulong)Http3FrameType.Settings ? Http3ErrorCode.NoError : Http3ErrorCode.MissingSettings;
        }

        if (Http3FrameTypes.IsReservedHttp2(type))
        {
            return Http3ErrorCode.FrameUnexpected; // §7.2.8
        }

        bool control = kind == Http3StreamKind.Control;
        switch (type)
        {
            case (ulong)Http3FrameType.Data:
            case (ulong)Http3FrameType.Headers:
                return control ? Http3ErrorCode.FrameUnexpected : Http3ErrorCode.NoError; // §7.2.1, §7.2.2
            case (ulong)Http3FrameType.Settings:
                return Http3ErrorCode.FrameUnexpected; // §7.2.4: once, first, control stream only
            case (ulong)Http3FrameType.GoAway:
                return control ? Http3ErrorCode.NoError : Http3ErrorCode.FrameUnexpected; // §7.2.6
            case (ulong)Http3FrameType.MaxPushId:
                // §7.2.7: control stream only, and only a server may receive it.
                return control && !localIsClient ? Http3ErrorCode.NoError : Http3ErrorCode.FrameUnexpected;
            case (ulong)Http3FrameType.CancelPush:
                // §7.2.3: control stream only; the push ID can never be valid here (see the type comment).
                return control ? Http3ErrorCode.IdError : Http3ErrorCode.FrameUnexpected;
            case (ulong)Http3FrameType.PushPromise:
                // §7.2.5: request streams only; a server must not receive it; a client that never sent
                // MAX_PUSH_ID sees a push ID above its (unset) maximum.
                if (kind != Http3StreamKind.Request || !localIsClient)
                {
                    return Http3ErrorCode.FrameUnexpected;
                }

                return Http3ErrorCode.IdError;
            case (ulong)Http3FrameType.PriorityUpdateRequest:
            case (ulong)Http3FrameType.PriorityUpdatePush:
                // RFC 9218 §7.2: sent by clients on the control stream only. A push one is passed on
                // (a server that never pushes simply ignores it) rather than judged here.
                return control && !localIsClient ? Http3ErrorCode.NoError : Http3ErrorCode.FrameUnexpected;
            case (ulong)Http3FrameType.WebTransportStream:
                // draft-ietf-webtrans-http3 §4.3: only as the very first bytes of a bidirectional stream.
                return kind == Http3StreamKind.Request && firstOnStream ? Http3ErrorCode.NoError : Http3ErrorCode.FrameError;
            default:
                return Http3ErrorCode.NoError; // §9: unknown types are ignored
        }
    }
}
