namespace SharpQuic.Http3;

/// <summary>
/// A WebTransport echo endpoint (used by <c>sharpquic serve</c> at /webtransport/echo and by the tests):
/// every bidirectional stream is echoed on itself, every unidirectional stream is echoed back on a new
/// unidirectional stream, every datagram is echoed.
/// </summary>
internal static class WebTransportEcho
{
    /// <summary>Echoes until the session ends.</summary>
    public static async Task RunAsync(WebTransportSession session, CancellationToken cancellationToken)
    {
        // Asked to wind down (our server's GOAWAY, or the client's WT_DRAIN_SESSION): close cleanly, code 0 (§4.6).
        _ = session.Draining.ContinueWith(
            static (_, state) => ((WebTransportSession)state!).CloseAsync(0, "draining"),
            session, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        Task datagrams = EchoDatagramsAsync(session, cancellationToken);
        try
        {
            while (true)
            {
                WebTransportStream stream = await session.AcceptStreamAsync(cancellationToken).ConfigureAwait(false);
                _ = stream.IsBidirectional ? EchoBidirectionalAsync(stream, cancellationToken) : EchoUnidirectionalAsync(session, stream, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is WebTransportException or OperationCanceledException)
        {
            // The session ended.
        }

        await datagrams.ConfigureAwait(false);
    }

    private static async Task EchoDatagramsAsync(WebTransportSession session, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[65536];
        try
        {
            while (true)
            {
                int n = await session.ReceiveDatagramAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n <= session.MaxDatagramSize)
                {
                    await session.SendDatagramAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is WebTransportException or OperationCanceledException or ArgumentException)
        {
        }
    }

    private static async Task EchoBidirectionalAsync(WebTransportStream stream, CancellationToken cancellationToken)
    {
        await using (stream.ConfigureAwait(false))
        {
            byte[] buffer = new byte[16 * 1024];
            try
            {
                int n;
                while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                }

                stream.CompleteWrites();
                await stream.QuicStream.WritesClosed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is WebTransportException or OperationCanceledException or QuicException)
            {
            }
        }
    }

    private static async Task EchoUnidirectionalAsync(WebTransportSession session, WebTransportStream stream, CancellationToken cancellationToken)
    {
        // Streamed back on a new unidirectional stream as it arrives: memory stays at one buffer
        // whatever the stream's size, and a slow reader of the echo slows the sender through flow control.
        try
        {
            await using (stream.ConfigureAwait(false))
            {
                WebTransportStream reply = await session.OpenUnidirectionalStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (reply.ConfigureAwait(false))
                {
                    byte[] buffer = new byte[16 * 1024];
                    int n;
                    while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        await reply.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                    }

                    reply.CompleteWrites();
                    await reply.QuicStream.WritesClosed.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is WebTransportException or OperationCanceledException or QuicException)
        {
        }
    }
}
