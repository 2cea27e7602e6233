using System.Buffers.Binary;

namespace SharpQuic.Core.Wire;

public sealed partial class TransportParameters
{
    /// <summary>
    /// The size of the encoding written by <see cref="TryWrite(Span{byte}, out int)"/>: integer
    /// parameters equal to their default and absent ones are left out.
    /// </summary>
    public int EncodedLength
    {
        get
        {
            var counter = new QuicWriter(Span<byte>.Empty);
            int length = 0;
            Visit(ref counter, ref length, countOnly: true);
            return length;
        }
    }

    /// <summary>The GREASE id 31 * <paramref name="n"/> + 27 (RFC 9000 §18.1).</summary>
    public static ulong GreaseId(ulong n)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, (VarInt.MaxValue - 27) / 31);
        return (31 * n) + 27;
    }

    /// <summary>True when <paramref name="id"/> is a reserved GREASE id (RFC 9000 §18.1).</summary>
    public static bool IsGreaseId(ulong id) => id >= 27 && (id - 27) % 31 == 0;

    /// <summary>Writes the parameters; false (with nothing meaningful written) when they do not fit.</summary>
    public bool TryWrite(Span<byte> destination, out int bytesWritten) =>
        TryWrite(destination, null, default, out bytesWritten);

    /// <summary>
    /// Writes the parameters followed, when <paramref name="greaseN"/> is set, by a GREASE
    /// parameter with id 31 * N + 27 and the value <paramref name="greaseValue"/>, so peers
    /// keep ignoring unknown ids (RFC 9000 §18.1). The caller picks N and the value (the core
    /// has no random source of its own).
    /// </summary>
    public bool TryWrite(Span<byte> destination, ulong? greaseN, ReadOnlySpan<byte> greaseValue, out int bytesWritten)
    {
        bytesWritten = 0;
        var writer = new QuicWriter(destination);
        int length = 0;
        if (!Visit(ref writer, ref length, countOnly: false))
        {
            return false;
        }

        if (greaseN.HasValue &&
            (!writer.TryWriteVarInt(GreaseId(greaseN.Value)) || !writer.TryWriteLengthPrefixed(greaseValue)))
        {
            return false;
        }

        bytesWritten = writer.Written;
        return true;
    }

    /// <summary>Writes the parameters and returns the byte count.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public int Encode(Span<byte> destination) =>
        TryWrite(destination, out int written) ? written : throw new ArgumentException("Destination too small.", nameof(destination));

    // Walks every parameter in id order, either counting its size or writing it.
    private bool Visit(ref QuicWriter writer, ref int length, bool countOnly)
    {
        bool ok = true;
        ok &= Bytes(ref writer, ref length, countOnly, TransportParameterId.OriginalDestinationConnectionId, _originalDestinationConnectionId);
        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.MaxIdleTimeout, MaxIdleTimeout, 0);
        ok &= Bytes(ref writer, ref length, countOnly, TransportParameterId.StatelessResetToken, _statelessResetToken);
        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.MaxUdpPayloadSize, _maxUdpPayloadSize, 65527);
        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.InitialMaxData, InitialMaxData, 0);
        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.InitialMaxStreamDataBidiLocal, InitialMaxStreamDataBidiLocal, 0);
        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.InitialMaxStreamDataBidiRemote, InitialMaxStreamDataBidiRemote, 0);
        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.InitialMaxStreamDataUni, InitialMaxStreamDataUni, 0);
        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.InitialMaxStreamsBidi, _initialMaxStreamsBidi, 0);
        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.InitialMaxStreamsUni, _initialMaxStreamsUni, 0);
        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.AckDelayExponent, _ackDelayExponent, 3);
        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.MaxAckDelay, _maxAckDelay, 25);
        if (DisableActiveMigration)
        {
            ok &= Bytes(ref writer, ref length, countOnly, TransportParameterId.DisableActiveMigration, []);
        }

        if (PreferredAddress is { } pa)
        {
            // Once per connection: a small array keeps the span safe to hand to the writer.
            byte[] value = new byte[pa.EncodedLength];
            pa.IPv4Address.TryWriteBytes(value.AsSpan(0, 4), out _);
            BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(4), pa.IPv4Port);
            pa.IPv6Address.TryWriteBytes(value.AsSpan(6, 16), out _);
            BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(22), pa.IPv6Port);
            value[24] = (byte)pa.ConnectionId.Length;
            pa.ConnectionId.CopyTo(value, 25);
            pa.StatelessResetToken.CopyTo(value, 25 + pa.ConnectionId.Length);
            ok &= Bytes(ref writer, ref length, countOnly, TransportParameterId.PreferredAddress, value);
        }

        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.ActiveConnectionIdLimit, _activeConnectionIdLimit, 2);
        ok &= Bytes(ref writer, ref length, countOnly, TransportParameterId.InitialSourceConnectionId, _initialSourceConnectionId);
        ok &= Bytes(ref writer, ref length, countOnly, TransportParameterId.RetrySourceConnectionId, _retrySourceConnectionId);
        if (VersionInformation is { } vi)
        {
            // Bounded by the caller's own configuration; a few versions at most.
            byte[] value = new byte[vi.EncodedLength];
            BinaryPrimitives.WriteUInt32BigEndian(value, vi.ChosenVersion);
            for (int i = 0; i < vi.AvailableVersions.Length; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(4 * (i + 1)), vi.AvailableVersions[i]);
            }

            ok &= Bytes(ref writer, ref length, countOnly, TransportParameterId.VersionInformation, value);
        }

        if (ResetStreamAt)
        {
            ok &= Bytes(ref writer, ref length, countOnly, TransportParameterId.ResetStreamAt, []);
        }

        ok &= Integer(ref writer, ref length, countOnly, TransportParameterId.MaxDatagramFrameSize, MaxDatagramFrameSize, 0);
        return ok;
    }

    private static bool Integer(ref QuicWriter writer, ref int length, bool countOnly, TransportParameterId id, ulong value, ulong defaultValue)
    {
        if (value == defaultValue)
        {
            return true;
        }

        int valueLength = VarInt.EncodedLength(value);
        length += VarInt.EncodedLength((ulong)id) + VarInt.EncodedLength((ulong)valueLength) + valueLength;
        return countOnly ||
            (writer.TryWriteVarInt((ulong)id) && writer.TryWriteVarInt((ulong)valueLength) && writer.TryWriteVarInt(value));
    }

    private static bool Bytes(ref QuicWriter writer, ref int length, bool countOnly, TransportParameterId id, ReadOnlySpan<byte> value)
    {
        length += VarInt.EncodedLength((ulong)id) + VarInt.EncodedLength((ulong)value.Length) + value.Length;
        return countOnly || (writer.TryWriteVarInt((ulong)id) && writer.TryWriteLengthPrefixed(value));
    }

    private static bool Bytes(ref QuicWriter writer, ref int length, bool countOnly, TransportParameterId id, byte[]? value) =>
        value is null || Bytes(ref writer, ref length, countOnly, id, value.AsSpan());
}
