using System.Buffers.Binary;

namespace SharpQuic.Cli.Perf;

/// <summary>The perf protocol's wire pieces (README, "perf"), shared by client and server.</summary>
internal static class PerfProtocol
{
    /// <summary>The application error code a server resets a stream with when it carried fewer than 8 bytes.</summary>
    public const long ErrorBadRequest = 1;

    /// <summary>The size of every read and write: 64 KiB.</summary>
    public const int BufferSize = 64 * 1024;

    /// <summary>Writes the request header: the response length, big-endian (network order, RFC 9000 §1.3 style).</summary>
    public static void WriteHeader(Span<byte> destination, long responseLength) =>
        BinaryPrimitives.WriteUInt64BigEndian(destination, (ulong)responseLength);

    /// <summary>
    /// Sends one request on <paramref name="stream"/>: the header, then <paramref name="uploadLength"/> bytes, then FIN.
    /// <paramref name="buffer"/> (at least 64 KiB) is the caller's, reused across requests; its payload bytes are whatever it holds.
    /// </summary>
    public static async ValueTask SendRequestAsync(QuicStream stream, long responseLength, long uploadLength, byte[] buffer, CancellationToken cancellationToken)
    {
        WriteHeader(buffer, responseLength);
        int first = (int)Math.Min(uploadLength, buffer.Length - PerfServer.HeaderLength);
        long remaining = uploadLength - first;
        await stream.WriteAsync(buffer.AsMemory(0, PerfServer.HeaderLength + first), completeWrites: remaining == 0, cancellationToken).ConfigureAwait(false);
        while (remaining > 0)
        {
            int count = (int)Math.Min(buffer.Length, remaining);
            remaining -= count;
            await stream.WriteAsync(buffer.AsMemory(0, count), completeWrites: remaining == 0, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a stream to FIN into <paramref name="buffer"/>, returning the byte count.</summary>
    public static async ValueTask<long> DrainAsync(QuicStream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            total += read;
        }

        return total;
    }
}
