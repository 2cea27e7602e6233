using SharpQuic.Http3.Wire;

namespace SharpQuic.Http3;

/// <summary>
/// The server side of session establishment (draft-ietf-webtrans-http3 §3.2): checks an extended
/// CONNECT routed to a WebTransport endpoint, answers 2xx with the stream left open, and runs the
/// application's handler for the session's lifetime.
/// </summary>
internal static class WebTransportServerEndpoint
{
    /// <summary>The early drafts' request field naming the draft, and the answer Chromium expects.</summary>
    private const string Draft02RequestField = "sec-webtransport-http3-draft02";
    private const string DraftResponseField = "sec-webtransport-http3-draft";

    public static async Task AcceptAsync(Http3Context context, WebTransportSessionHandler handler)
    {
        Http3Request request = context.Request;
        Http3Response response = context.Response;
        if (!WebTransportNegotiation.IsWebTransportProtocol(request.Protocol)
            || request.Reader is not Http3RequestStream stream || stream.Connection.WebTransport is not WebTransportManager manager)
        {
            // Not WebTransport, or WebTransport is not enabled on this server.
            response.StatusCode = 501;
            return;
        }

        // §3.1: a draft server must not process a WebTransport request before the client's SETTINGS,
        // which must show HTTP Datagram support (else the request is malformed, RFC 9114 §4.1.2).
        Http3Settings peer = await stream.Connection.PeerSettings.WaitAsync(context.RequestAborted).ConfigureAwait(false);
        if (!WebTransportNegotiation.PeerSupportsDatagrams(peer)
            || (WebTransportNegotiation.GetVariant(peer) == WebTransportVariant.Current && !WebTransportNegotiation.MeetsTransportRequirements(stream.Connection.Quic)))
        {
            // §3.1: a current-draft client also needs QUIC datagrams and RESET_STREAM_AT (its transport parameters).
            Refuse(response, stream, Http3ErrorCode.MessageError);
            return;
        }

        if (manager.Limits.OriginValidator is Func<string?, bool> validator && !validator(request.Headers["origin"]))
        {
            response.StatusCode = 403; // §3.2
            return;
        }

        // §3.3: the client's offer (a malformed field counts as none) and our choice from it.
        List<string> offered = StructuredFieldStrings.TryParseStringList(request.Headers["wt-available-protocols"], out List<string> list) ? list : [];
        string? chosen = offered.Count > 0 ? manager.Limits.ProtocolSelector?.Invoke(request, offered) : null;
        if (chosen is not null && !offered.Contains(chosen))
        {
            throw new InvalidOperationException($"The protocol selector chose \"{chosen}\", which the client did not offer.");
        }

        if (chosen is null && manager.Limits.RequireApplicationProtocol)
        {
            response.StatusCode = 400;
            return;
        }

        // §5.2: a current-draft client that did not enable flow control may have one session at a time;
        // the earlier drafts (Chromium's) had no such rule and no flow control.
        int limit = WebTransportNegotiation.GetVariant(peer) == WebTransportVariant.Current && !WebTransportNegotiation.PeerEnablesFlowControl(peer)
            ? 1
            : int.MaxValue;
        var session = new WebTransportSession(manager, stream, request) { OfferedProtocols = offered, ApplicationProtocol = chosen };
        if (!manager.TryAddSession(session, limit))
        {
            // §5.2: too many sessions: the request is rejected unprocessed.
            Refuse(response, stream, Http3ErrorCode.RequestRejected);
            return;
        }

        response.StatusCode = 200;
        if (chosen is not null)
        {
            var item = new System.Text.StringBuilder();
            StructuredFieldStrings.AppendString(item, chosen);
            response.Headers["wt-protocol"] = item.ToString();
        }

        if (request.Headers.Contains(Draft02RequestField))
        {
            response.Headers[DraftResponseField] = "draft02";
        }

        try
        {
            await response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Http3Exception or QuicException or OperationCanceledException)
        {
            session.AbortSession(Http3ErrorCode.RequestCancelled, "The response could not be sent.");
            throw;
        }

        Task capsules = session.RunAsync();
        try
        {
            await handler(session, session.Closing).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (session.IsClosed)
        {
            // The handler stopped because the session ended.
        }
        catch
        {
            session.AbortSession(Http3ErrorCode.InternalError, "The session handler failed.");
            throw;
        }
        finally
        {
            await session.CloseAsync().ConfigureAwait(false);
            try
            {
                await capsules.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private static void Refuse(Http3Response response, Http3RequestStream stream, Http3ErrorCode code)
    {
        response.Abort((long)code);
        stream.Abort(code);
    }
}
