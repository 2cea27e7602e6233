using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using SharpQuic.Core.Wire;

namespace SharpQuic.Http3.Wire;

/// <summary>Writers for capsules (RFC 9297 §3.2) and the WebTransport capsules of draft-ietf-webtrans-http3.</summary>
internal static class CapsuleWriter
{
    /// <summary>Writes a capsule with an opaque value (DATAGRAM, WT_DRAIN_SESSION with an empty value, unknown).</summary>
    public static bool TryWriteCapsule(Span<byte> destination, ulong type, ReadOnlySpan<byte> value, out int written)
    {
        var writer = new QuicWriter(destination);
        bool ok = writer.TryWriteVarInt(type) && writer.TryWriteVarInt((ulong)value.Length) && writer.TryWriteBytes(value);
        written = ok ? writer.Written : 0;
        return ok;
    }

    /// <summary>Writes a capsule into <paramref name="writer"/>.</summary>
    public static void WriteCapsule(IBufferWriter<byte> writer, ulong type, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int length = VarInt.EncodedLength(type) + VarInt.EncodedLength((ulong)value.Length) + value.Length;
        TryWriteCapsule(writer.GetSpan(length), type, value, out int written);
        writer.Advance(written);
    }

    /// <summary>A DATAGRAM capsule (RFC 9297 §3.5) carrying an HTTP Datagram payload.</summary>
    public static bool TryWriteDatagram(Span<byte> destination, ReadOnlySpan<byte> payload, out int written)
        => TryWriteCapsule(destination, (ulong)CapsuleType.Datagram, payload, out written);

    /// <summary>WT_DRAIN_SESSION (draft-ietf-webtrans-http3 §4.7).</summary>
    public static bool TryWriteDrainSession(Span<byte> destination, out int written)
        => TryWriteCapsule(destination, (ulong)CapsuleType.WebTransportDrainSession, default, out written);

    /// <summary>
    /// A capsule whose value is one varint: WT_MAX_DATA, WT_MAX_STREAMS, WT_DATA_BLOCKED,
    /// WT_STREAMS_BLOCKED (draft-ietf-webtrans-http3 §5.6).
    /// </summary>
    public static bool TryWriteVarIntCapsule(Span<byte> destination, CapsuleType type, ulong value, out int written)
    {
        var writer = new QuicWriter(destination);
        bool ok = writer.TryWriteVarInt((ulong)type) && writer.TryWriteVarInt((ulong)VarInt.EncodedLength(value)) && writer.TryWriteVarInt(value);
        written = ok ? writer.Written : 0;
        return ok;
    }

    /// <summary>
    /// WT_CLOSE_SESSION (draft-ietf-webtrans-http3 §6) with a UTF-8 message of at most
    /// <see cref="CapsuleReader.MaxCloseMessageLength"/> bytes.
    /// </summary>
    public static bool TryWriteCloseSession(Span<byte> destination, uint errorCode, ReadOnlySpan<byte> utf8Message, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(utf8Message.Length, CapsuleReader.MaxCloseMessageLength, nameof(utf8Message));
        written = 0;
        var writer = new QuicWriter(destination);
        if (!writer.TryWriteVarInt((ulong)CapsuleType.WebTransportCloseSession) || !writer.TryWriteVarInt((ulong)(4 + utf8Message.Length))
            || !writer.TryReserve(4, out Span<byte> code) || !writer.TryWriteBytes(utf8Message))
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32BigEndian(code, errorCode);
        written = writer.Written;
        return true;
    }

    /// <summary>
    /// Encodes <paramref name="message"/> as UTF-8 into <paramref name="destination"/> (at least
    /// 1024 bytes), cut at a character boundary to fit the 1024-byte limit as the draft asks of senders.
    /// </summary>
    public static int EncodeCloseMessage(string message, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, CapsuleReader.MaxCloseMessageLength, nameof(destination));
        if (message.Length == 0)
        {
            return 0;
        }

        Span<byte> target = destination[..CapsuleReader.MaxCloseMessageLength];
        Encoding.UTF8.GetEncoder().Convert(message, target, true, out _, out int bytesUsed, out _);
        return bytesUsed;
    }
}
