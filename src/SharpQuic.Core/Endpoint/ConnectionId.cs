using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SharpQuic.Core.Endpoint;

/// <summary>
/// A QUIC connection ID: 0 to 20 bytes (RFC 9000 §5.1, §17.2), stored inline so that routing
/// tables and packets carry it without a heap allocation.
/// </summary>
/// <remarks>
/// <see cref="GetHashCode"/> uses <see cref="HashCode"/>, whose seed is random per process, so an
/// attacker who picks connection IDs cannot precompute colliding values; an endpoint that wants its
/// own seed uses <see cref="ConnectionIdComparer"/>.
/// </remarks>
public readonly struct ConnectionId : IEquatable<ConnectionId>
{
    /// <summary>The longest connection ID QUIC version 1 allows (RFC 9000 §17.2).</summary>
    public const int MaxLength = 20;

    private readonly Bytes _bytes;
    private readonly byte _length;

    /// <summary>Copies <paramref name="bytes"/>; throws when longer than <see cref="MaxLength"/> (use <see cref="TryCreate"/> for bytes from the network).</summary>
    public ConnectionId(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength)
        {
            throw new ArgumentException($"A connection ID has at most {MaxLength} bytes.", nameof(bytes));
        }

        bytes.CopyTo(_bytes);
        _length = (byte)bytes.Length;
    }

    /// <summary>The zero-length connection ID.</summary>
    public static ConnectionId Empty => default;

    /// <summary>Length in bytes (0..20).</summary>
    public int Length => _length;

    /// <summary>The bytes. Valid as long as this value is (use it on a local or field, not a temporary).</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> Span => ((ReadOnlySpan<byte>)_bytes)[.._length];

    /// <summary>One byte.</summary>
    public byte this[int index] => (uint)index < _length ? _bytes[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public static bool operator ==(ConnectionId left, ConnectionId right) => left.Equals(right);

    public static bool operator !=(ConnectionId left, ConnectionId right) => !left.Equals(right);

    /// <summary>Creates a connection ID from peer data; false when longer than <see cref="MaxLength"/>.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> bytes, out ConnectionId connectionId)
    {
        if (bytes.Length > MaxLength)
        {
            connectionId = default;
            return false;
        }

        connectionId = new ConnectionId(bytes);
        return true;
    }

    /// <summary>Copies the bytes to <paramref name="destination"/>; returns the length.</summary>
    public int CopyTo(Span<byte> destination)
    {
        Span.CopyTo(destination);
        return _length;
    }

    /// <inheritdoc/>
    public bool Equals(ConnectionId other) => Span.SequenceEqual(other.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ConnectionId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.AddBytes(Span);
        hash.Add(_length);
        return hash.ToHashCode();
    }

    /// <summary>Lowercase hex, as in qlog; empty for a zero-length ID.</summary>
    public override string ToString() => Convert.ToHexStringLower(Span);

    [InlineArray(MaxLength)]
    private struct Bytes
    {
        private byte _element0;
    }
}

/// <summary>
/// Connection ID equality with a hash keyed by a per-endpoint secret: routing tables keyed by
/// peer-chosen connection IDs must not be open to hash flooding (RFC 9000 §21).
/// </summary>
public sealed class ConnectionIdComparer : IEqualityComparer<ConnectionId>
{
    private readonly long _seed;

    /// <summary>Creates a comparer whose hashes are mixed with <paramref name="seed"/> (draw it from a random source).</summary>
    public ConnectionIdComparer(long seed) => _seed = seed;

    /// <inheritdoc/>
    public bool Equals(ConnectionId x, ConnectionId y) => x.Equals(y);

    /// <inheritdoc/>
    public int GetHashCode(ConnectionId obj)
    {
        var hash = default(HashCode);
        hash.Add(_seed);
        hash.AddBytes(obj.Span);
        hash.Add(obj.Length);
        return hash.ToHashCode();
    }
}
