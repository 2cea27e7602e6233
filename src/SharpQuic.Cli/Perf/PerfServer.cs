using System.Buffers.Binary;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using SharpQuic.Cli.Common;

namespace SharpQuic.Cli.Perf;

/// <summary>
/// The server side of the perf protocol (README, "perf"): on each bidirectional stream the client's first 8 bytes
/// are the big-endian count of bytes it wants back; everything after them up to FIN is read and discarded, then the
/// server sends that many bytes and FIN. Unidirectional streams are discarded.
/// </summary>
internal sealed class PerfServer : StreamServer
{
    /// <summary>The ALPN value of the perf protocol.</summary>
    public static readonly SslApplicationProtocol Alpn = new("sharpquic-perf");

    /// <summary>The request header: the response length as a big-endian unsigned 64-bit number.</summary>
    public const int HeaderLength = 8;

    // The bytes sent back carry no meaning; one shared read-only buffer serves every stream.
    private static readonly byte[] s_payload = new byte[BufferSize];

    private PerfServer(QuicListener listener, X509Certificate2 certificate, TextWriter log)
        : base(listener, certificate, log)
    {
        LogEveryConnection = false;
    }

    /// <summary>Starts listening; takes ownership of the certificate.</summary>
    public static async Task<PerfServer> StartAsync(IPEndPoint listen, X509Certificate2 certificate, TextWriter log, Action<QuicServerConnectionOptions>? configure = null)
    {
        // Enough stream credit for many requests in flight per connection (RFC 9000 §4.6).
        QuicListener listener = await ListenAsync(listen, Alpn, certificate, requireRetry: false, qlogDirectory: null, maxStreams: 1000, configure: configure).ConfigureAwait(false);
        var server = new PerfServer(listener, certificate, log);
        server.Start();
        return server;
    }

    /// <inheritdoc/>
    protected override async Task ServeStreamAsync(QuicStream stream, StreamCounters counters)
    {
        await using (stream.ConfigureAwait(false))
        {
            byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                // Read to FIN, keeping the first 8 bytes whichever reads they arrive in.
                long received = 0;
                ulong requested = 0;
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(received < HeaderLength ? (int)received : 0)).ConfigureAwait(false)) > 0)
                {
                    if (received < HeaderLength && received + read >= HeaderLength)
                    {
                        requested = BinaryPrimitives.ReadUInt64BigEndian(buffer);
                    }

                    received += read;
                }

                if (stream.Type != QuicStreamType.Bidirectional)
                {
                    Interlocked.Increment(ref counters.UnidirectionalStreams);
                    Interlocked.Add(ref counters.BytesReceived, received);
                    return;
                }

                if (received < HeaderLength)
                {
                    // Not our protocol: refuse the stream instead of guessing a length.
                    stream.Abort(QuicAbortDirection.Write, PerfProtocol.ErrorBadRequest);
                    Interlocked.Increment(ref counters.Failed);
                    return;
                }

                long remaining = requested > long.MaxValue ? long.MaxValue : (long)requested;
                long sent = 0;
                while (remaining > 0)
                {
                    int count = (int)Math.Min(s_payload.Length, remaining);
                    await stream.WriteAsync(s_payload.AsMemory(0, count)).ConfigureAwait(false);
                    remaining -= count;
                    sent += count;
                }

                stream.CompleteWrites();
                Interlocked.Increment(ref counters.Streams);
                Interlocked.Increment(ref counters.BidirectionalStreams);
                Interlocked.Add(ref counters.BytesReceived, received);
                Interlocked.Add(ref counters.BytesSent, sent);
            }
            catch (QuicException)
            {
                Interlocked.Increment(ref counters.Failed);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
