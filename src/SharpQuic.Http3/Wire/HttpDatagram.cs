using SharpQuic.Core.Wire;

namespace SharpQuic.Http3.Wire;

/// <summary>
/// The HTTP/3 Datagram format inside a QUIC DATAGRAM frame (RFC 9297 §2.1): the Quarter Stream ID
/// (the request stream ID divided by four) followed by the payload.
/// </summary>
internal static class HttpDatagram
{
    /// <summary>The largest legal Quarter Stream ID, 2^60 - 1 (RFC 9297 §2.1).</summary>
    public const ulong MaxQuarterStreamId = (1UL << 60) - 1;

    /// <summary>
    /// Splits a QUIC DATAGRAM payload. A payload too short for the Quarter Stream ID or one above
    /// 2^60 - 1 is H3_DATAGRAM_ERROR (§2.1). Whether <paramref name="streamId"/> names an open
    /// request stream is the caller's decision.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out ulong streamId, out ReadOnlySpan<byte> payload, out Http3ErrorCode error)
    {
        streamId = 0;
        payload = default;
        if (!VarInt.TryRead(datagram, out ulong quarter, out int read) || quarter > MaxQuarterStreamId)
        {
            error = Http3ErrorCode.DatagramError;
            return false;
        }

        streamId = quarter * 4;
        payload = datagram[read..];
        error = Http3ErrorCode.NoError;
        return true;
    }

    /// <summary>The encoded length of a datagram for <paramref name="streamId"/> with <paramref name="payloadLength"/> bytes.</summary>
    public static int GetLength(ulong streamId, int payloadLength) => VarInt.EncodedLength(streamId / 4) + payloadLength;

    /// <summary>
    /// Writes a datagram for the client-initiated bidirectional stream <paramref name="streamId"/>
    /// (a multiple of four: datagrams belong to requests, §2.1).
    /// </summary>
    public static bool TryWrite(Span<byte> destination, ulong streamId, ReadOnlySpan<byte> payload, out int written)
    {
        if (streamId % 4 != 0 || streamId > VarInt.MaxValue)
        {
            throw new ArgumentException("HTTP Datagrams belong to client-initiated bidirectional streams.", nameof(streamId));
        }

        var writer = new QuicWriter(destination);
        bool ok = writer.TryWriteVarInt(streamId / 4) && writer.TryWriteBytes(payload);
        written = ok ? writer.Written : 0;
        return ok;
    }
}
