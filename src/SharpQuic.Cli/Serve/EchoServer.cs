using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Cli.Common;

namespace SharpQuic.Cli.Serve;

/// <summary>
/// The echo/discard server behind <c>sharpquic echo serve</c> (protocol in the CLI README): every bidirectional stream
/// the client opens is echoed back on itself until FIN; every unidirectional one is read and discarded; every
/// datagram (RFC 9221) is sent back as it came.
/// </summary>
internal sealed class EchoServer : StreamServer
{
    /// <summary>The largest datagram payload the echo server accepts (anything that fits in a packet).</summary>
    public const int MaxDatagramReceiveSize = 65527;

    /// <summary>The ALPN value of the echo protocol.</summary>
    public static readonly SslApplicationProtocol Alpn = new("sharpquic-echo");

    private EchoServer(QuicListener listener, X509Certificate2 certificate, TextWriter log)
        : base(listener, certificate, log)
    {
    }

    /// <summary>Starts listening; connections are served until <see cref="StreamServer.DisposeAsync"/>. Takes ownership of the certificate.</summary>
    public static async Task<EchoServer> StartAsync(IPEndPoint listen, X509Certificate2 certificate, bool requireRetry, string? qlogDirectory, TextWriter log, bool acceptEarlyData = false)
    {
        QuicListener listener = await ListenAsync(listen, Alpn, certificate, requireRetry, qlogDirectory, maxStreams: 100, MaxDatagramReceiveSize,
            acceptEarlyData ? static o => o.AcceptEarlyData = true : null).ConfigureAwait(false);
        var server = new EchoServer(listener, certificate, log);
        server.Start();
        return server;
    }

    /// <inheritdoc/>
    protected override async Task ServeDatagramsAsync(QuicConnection connection, StreamCounters counters)
    {
        await Task.Yield();
        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxDatagramReceiveSize);
        try
        {
            while (true)
            {
                int length = await connection.ReceiveDatagramAsync(buffer).ConfigureAwait(false);
                if (length <= connection.MaxDatagramSize)
                {
                    // The client's limit for us may be smaller than ours for it: what does not fit is not echoed.
                    await connection.SendDatagramAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
                    Interlocked.Increment(ref counters.Datagrams);
                }
            }
        }
        catch (QuicException)
        {
            // The connection ended (or the client accepts no datagrams): nothing more to echo.
        }
        catch (ObjectDisposedException)
        {
            // The connection was disposed by the stream loop.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    protected override async Task ServeStreamAsync(QuicStream stream, StreamCounters counters)
    {
        bool echo = stream.Type == QuicStreamType.Bidirectional;
        await using (stream.ConfigureAwait(false))
        {
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                long total = 0;
                int read;
                while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    if (echo)
                    {
                        await stream.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                    }

                    total += read;
                }

                if (echo)
                {
                    // The client's FIN ends the echo: answer with ours (RFC 9000 §3.1). Not waiting for its ACK: the
                    // client may close the connection as soon as it has read our FIN, before acknowledging it.
                    stream.CompleteWrites();
                    Interlocked.Increment(ref counters.BidirectionalStreams);
                    Interlocked.Add(ref counters.BytesSent, total);
                }
                else
                {
                    Interlocked.Increment(ref counters.UnidirectionalStreams);
                }

                Interlocked.Increment(ref counters.Streams);
                Interlocked.Add(ref counters.BytesReceived, total);
            }
            catch (QuicException)
            {
                // The client reset the stream or the connection went away: this stream is done.
                Interlocked.Increment(ref counters.Failed);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
