using System.Buffers;
using SharpQuic.Core.Wire;

namespace SharpQuic.Http3.Wire;

/// <summary>
/// Writers for HTTP/3 frames (RFC 9114 §7.2), stream preambles (§6.2) and the WebTransport stream
/// signals (draft-ietf-webtrans-http3 §4.2, §4.3). Span writers return false when the destination is
/// too short and then leave no promise about its contents; the <see cref="IBufferWriter{T}"/>
/// overloads size the span themselves. Types and values must be varints (≤ 2^62 - 1).
/// </summary>
internal static class Http3FrameWriter
{
    /// <summary>The length of a frame header (type and length varints).</summary>
    public static int HeaderLength(ulong type, ulong payloadLength) => VarInt.EncodedLength(type) + VarInt.EncodedLength(payloadLength);

    /// <summary>
    /// Writes a frame header. For DATA the caller then writes the payload itself, which lets
    /// stream bytes go out without an intermediate copy.
    /// </summary>
    public static bool TryWriteHeader(Span<byte> destination, ulong type, ulong payloadLength, out int written)
    {
        var writer = new QuicWriter(destination);
        bool ok = writer.TryWriteVarInt(type) && writer.TryWriteVarInt(payloadLength);
        written = ok ? writer.Written : 0;
        return ok;
    }

    /// <summary>The length of a frame whose payload is <paramref name="payloadLength"/> bytes.</summary>
    public static int FrameLength(ulong type, int payloadLength) => HeaderLength(type, (ulong)payloadLength) + payloadLength;

    /// <summary>Writes a frame whose payload is opaque bytes (DATA, HEADERS, GREASE, unknown).</summary>
    public static bool TryWriteFrame(Span<byte> destination, ulong type, ReadOnlySpan<byte> payload, out int written)
    {
        written = 0;
        if (!TryWriteHeader(destination, type, (ulong)payload.Length, out int header) || destination.Length - header < payload.Length)
        {
            return false;
        }

        payload.CopyTo(destination[header..]);
        written = header + payload.Length;
        return true;
    }

    /// <summary>
    /// Writes a frame whose payload is a varint then bytes: GOAWAY, MAX_PUSH_ID and CANCEL_PUSH
    /// (empty <paramref name="rest"/>), PUSH_PROMISE (push ID, field section) and PRIORITY_UPDATE
    /// (element ID, priority field value).
    /// </summary>
    public static bool TryWriteFrame(Span<byte> destination, ulong type, ulong leading, ReadOnlySpan<byte> rest, out int written)
    {
        written = 0;
        int payloadLength = VarInt.EncodedLength(leading) + rest.Length;
        var writer = new QuicWriter(destination);
        if (!writer.TryWriteVarInt(type) || !writer.TryWriteVarInt((ulong)payloadLength)
            || !writer.TryWriteVarInt(leading) || !writer.TryWriteBytes(rest))
        {
            return false;
        }

        written = writer.Written;
        return true;
    }

    /// <summary>Writes an opaque-payload frame into <paramref name="writer"/>.</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, ulong type, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> span = writer.GetSpan(FrameLength(type, payload.Length));
        TryWriteFrame(span, type, payload, out int written);
        writer.Advance(written);
    }

    /// <summary>Writes a varint-led frame into <paramref name="writer"/>.</summary>
    public static void WriteFrame(IBufferWriter<byte> writer, ulong type, ulong leading, ReadOnlySpan<byte> rest)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> span = writer.GetSpan(FrameLength(type, VarInt.EncodedLength(leading) + rest.Length));
        TryWriteFrame(span, type, leading, rest, out int written);
        writer.Advance(written);
    }

    /// <summary>DATA (RFC 9114 §7.2.1).</summary>
    public static bool TryWriteData(Span<byte> destination, ReadOnlySpan<byte> payload, out int written)
        => TryWriteFrame(destination, (ulong)Http3FrameType.Data, payload, out written);

    /// <summary>HEADERS carrying a QPACK-encoded field section (RFC 9114 §7.2.2).</summary>
    public static bool TryWriteHeaders(Span<byte> destination, ReadOnlySpan<byte> encodedFieldSection, out int written)
        => TryWriteFrame(destination, (ulong)Http3FrameType.Headers, encodedFieldSection, out written);

    /// <summary>CANCEL_PUSH (RFC 9114 §7.2.3).</summary>
    public static bool TryWriteCancelPush(Span<byte> destination, ulong pushId, out int written)
        => TryWriteFrame(destination, (ulong)Http3FrameType.CancelPush, pushId, default, out written);

    /// <summary>PUSH_PROMISE (RFC 9114 §7.2.5).</summary>
    public static bool TryWritePushPromise(Span<byte> destination, ulong pushId, ReadOnlySpan<byte> encodedFieldSection, out int written)
        => TryWriteFrame(destination, (ulong)Http3FrameType.PushPromise, pushId, encodedFieldSection, out written);

    /// <summary>GOAWAY with a stream ID (from a server) or push ID (from a client) (RFC 9114 §7.2.6).</summary>
    public static bool TryWriteGoAway(Span<byte> destination, ulong id, out int written)
        => TryWriteFrame(destination, (ulong)Http3FrameType.GoAway, id, default, out written);

    /// <summary>MAX_PUSH_ID (RFC 9114 §7.2.7).</summary>
    public static bool TryWriteMaxPushId(Span<byte> destination, ulong pushId, out int written)
        => TryWriteFrame(destination, (ulong)Http3FrameType.MaxPushId, pushId, default, out written);

    /// <summary>PRIORITY_UPDATE for a request stream (0xF0700) or push (0xF0701) (RFC 9218 §7.2).</summary>
    public static bool TryWritePriorityUpdate(Span<byte> destination, bool forPush, ulong elementId, ReadOnlySpan<byte> priorityFieldValue, out int written)
    {
        ulong type = forPush ? (ulong)Http3FrameType.PriorityUpdatePush : (ulong)Http3FrameType.PriorityUpdateRequest;
        return TryWriteFrame(destination, type, elementId, priorityFieldValue, out written);
    }

    /// <summary>A reserved frame (RFC 9114 §7.2.8) with any payload, e.g. as padding.</summary>
    public static bool TryWriteGrease(Span<byte> destination, ulong greaseType, ReadOnlySpan<byte> payload, out int written)
    {
        if (!Http3Grease.IsReserved(greaseType))
        {
            throw new ArgumentException("A GREASE frame type has the form 0x1f * N + 0x21.", nameof(greaseType));
        }

        return TryWriteFrame(destination, greaseType, payload, out written);
    }

    /// <summary>
    /// The first bytes of a unidirectional stream (RFC 9114 §6.2): its type, then for a push stream
    /// the push ID and for a WebTransport stream the session ID (<paramref name="id"/>, else ignored).
    /// </summary>
    public static bool TryWriteStreamPreamble(Span<byte> destination, ulong streamType, ulong id, out int written)
    {
        var writer = new QuicWriter(destination);
        bool ok = writer.TryWriteVarInt(streamType);
        if (ok && (streamType == (ulong)Http3StreamType.Push || streamType == (ulong)Http3StreamType.WebTransport))
        {
            ok = writer.TryWriteVarInt(id);
        }

        written = ok ? writer.Written : 0;
        return ok;
    }

    /// <summary>The WT_STREAM signal and session ID opening a bidirectional WebTransport stream (draft §4.3).</summary>
    public static bool TryWriteWebTransportStreamSignal(Span<byte> destination, ulong sessionId, out int written)
        => TryWriteHeader(destination, (ulong)Http3FrameType.WebTransportStream, sessionId, out written);
}
