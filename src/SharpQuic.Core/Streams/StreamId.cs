namespace SharpQuic.Core.Streams;

/// <summary>
/// A QUIC stream identifier (RFC 9000 §2.1): a 62-bit integer whose two least significant bits
/// give the initiator (bit 0: 0 client, 1 server) and the direction (bit 1: 0 bidirectional,
/// 1 unidirectional); the remaining bits are the stream's index among streams of its type.
/// </summary>
public readonly struct StreamId : IEquatable<StreamId>, IComparable<StreamId>
{
    /// <summary>The largest stream ID: 2^62 - 1, the largest variable-length integer (RFC 9000 §2.1).</summary>
    public const ulong MaxValue = (1UL << 62) - 1;

    /// <summary>The number of distinct indices per stream type: 2^60 (RFC 9000 §4.6).</summary>
    public const ulong MaxIndexCount = 1UL << 60;

    /// <summary>Wraps a raw stream ID; it must not exceed <see cref="MaxValue"/>.</summary>
    public StreamId(ulong value)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxValue);
        Value = value;
    }

    /// <summary>The raw 62-bit value as carried on the wire.</summary>
    public ulong Value { get; }

    /// <summary>Who opened the stream (bit 0x01).</summary>
    public StreamInitiator Initiator => (Value & 0x01) == 0 ? StreamInitiator.Client : StreamInitiator.Server;

    /// <summary>Whether data flows both ways (bit 0x02).</summary>
    public StreamDirection Direction => (Value & 0x02) == 0 ? StreamDirection.Bidirectional : StreamDirection.Unidirectional;

    /// <summary>True for a client-initiated stream.</summary>
    public bool IsClientInitiated => (Value & 0x01) == 0;

    /// <summary>True for a server-initiated stream.</summary>
    public bool IsServerInitiated => (Value & 0x01) != 0;

    /// <summary>True for a bidirectional stream.</summary>
    public bool IsBidirectional => (Value & 0x02) == 0;

    /// <summary>True for a unidirectional stream.</summary>
    public bool IsUnidirectional => (Value & 0x02) != 0;

    /// <summary>The stream's position among streams of the same type (0 for the first).</summary>
    public ulong Index => Value >> 2;

    /// <summary>The two type bits (0x00–0x03, RFC 9000 §2.1 Table 1).</summary>
    public int TypeBits => (int)(Value & 0x03);

    /// <summary>
    /// Composes the ID of the <paramref name="index"/>-th stream of a type. The index must be below
    /// 2^60 so that the ID fits a variable-length integer.
    /// </summary>
    public static StreamId Create(StreamInitiator initiator, StreamDirection direction, ulong index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, MaxIndexCount);
        return new StreamId((index << 2) | TypeBitsOf(initiator, direction));
    }

    /// <summary>Composes a stream ID from the "is client" and "is bidirectional" booleans.</summary>
    public static StreamId Create(bool clientInitiated, bool bidirectional, ulong index) =>
        Create(clientInitiated ? StreamInitiator.Client : StreamInitiator.Server,
            bidirectional ? StreamDirection.Bidirectional : StreamDirection.Unidirectional, index);

    /// <summary>The two type bits for an initiator and a direction.</summary>
    public static ulong TypeBitsOf(StreamInitiator initiator, StreamDirection direction) =>
        (initiator == StreamInitiator.Server ? 1UL : 0UL) | (direction == StreamDirection.Unidirectional ? 2UL : 0UL);

    /// <summary>True when the endpoint (a client when <paramref name="isClient"/>) opened this stream.</summary>
    public bool IsLocal(bool isClient) => IsClientInitiated == isClient;

    /// <summary>True when the endpoint can send on this stream: it is bidirectional or we opened it.</summary>
    public bool CanSend(bool isClient) => IsBidirectional || IsLocal(isClient);

    /// <summary>True when the endpoint can receive on this stream: it is bidirectional or the peer opened it.</summary>
    public bool CanReceive(bool isClient) => IsBidirectional || !IsLocal(isClient);

    /// <inheritdoc/>
    public bool Equals(StreamId other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is StreamId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc/>
    public int CompareTo(StreamId other) => Value.CompareTo(other.Value);

    /// <inheritdoc/>
    public override string ToString() => $"{Value} ({Initiator} {Direction} #{Index})";

    public static bool operator ==(StreamId left, StreamId right) => left.Value == right.Value;

    public static bool operator !=(StreamId left, StreamId right) => left.Value != right.Value;

    public static bool operator <(StreamId left, StreamId right) => left.Value < right.Value;

    public static bool operator >(StreamId left, StreamId right) => left.Value > right.Value;

    public static bool operator <=(StreamId left, StreamId right) => left.Value <= right.Value;

    public static bool operator >=(StreamId left, StreamId right) => left.Value >= right.Value;
}

/// <summary>Which endpoint opened a stream (RFC 9000 §2.1).</summary>
public enum StreamInitiator
{
    /// <summary>Opened by the client (bit 0x01 clear).</summary>
    Client,

    /// <summary>Opened by the server (bit 0x01 set).</summary>
    Server,
}

/// <summary>Whether a stream carries data both ways (RFC 9000 §2.1).</summary>
public enum StreamDirection
{
    /// <summary>Both endpoints send (bit 0x02 clear).</summary>
    Bidirectional,

    /// <summary>Only the initiator sends (bit 0x02 set).</summary>
    Unidirectional,
}
