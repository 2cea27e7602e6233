using SharpQuic.Cryptography;

namespace SharpQuic.Core.Endpoint;

/// <summary>
/// Chooses the connection IDs an endpoint issues (RFC 9000 §5.1). A seam: the default draws random
/// bytes; a QUIC-LB generator (draft-ietf-quic-load-balancers) encodes a config rotation byte and a
/// server ID, and a multi-worker driver encodes the worker index so datagrams reach the thread that
/// owns the connection.
/// </summary>
/// <remarks>
/// All IDs of one generator have the same <see cref="Length"/>: short headers do not carry the
/// length, and stateless resets must recover it without state (RFC 9000 §10.3.2).
/// </remarks>
public interface IConnectionIdGenerator
{
    /// <summary>Length of every generated ID, 0..20. A stateless-reset-capable endpoint needs at least 1.</summary>
    int Length { get; }

    /// <summary>Writes a new, unpredictable connection ID of exactly <see cref="Length"/> bytes.</summary>
    void Generate(Span<byte> destination);

    /// <summary>
    /// Recovers the worker (or server) index a connection ID routes to, if this generator encodes
    /// one; false otherwise (then any routing by hash is up to the caller). Must not throw on
    /// arbitrary bytes.
    /// </summary>
    bool TryDecodeWorker(ReadOnlySpan<byte> connectionId, out int worker)
    {
        worker = 0;
        return false;
    }
}

/// <summary>Helpers over <see cref="IConnectionIdGenerator"/>.</summary>
public static class ConnectionIdGeneratorExtensions
{
    /// <summary>Generates a connection ID as a value.</summary>
    public static ConnectionId Generate(this IConnectionIdGenerator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Span<byte> bytes = stackalloc byte[ConnectionId.MaxLength];
        bytes = bytes[..generator.Length];
        generator.Generate(bytes);
        return new ConnectionId(bytes);
    }
}

/// <summary>Random connection IDs of a fixed length (the default generator).</summary>
public sealed class RandomConnectionIdGenerator : IConnectionIdGenerator
{
    private readonly IRandomSource _random;

    /// <summary>Creates a generator of <paramref name="length"/>-byte IDs (0..20) from <paramref name="random"/>.</summary>
    public RandomConnectionIdGenerator(int length, IRandomSource random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, ConnectionId.MaxLength);
        ArgumentNullException.ThrowIfNull(random);
        Length = length;
        _random = random;
    }

    /// <inheritdoc/>
    public int Length { get; }

    /// <inheritdoc/>
    public void Generate(Span<byte> destination)
    {
        if (destination.Length != Length)
        {
            throw new ArgumentException($"The destination must be exactly {Length} bytes.", nameof(destination));
        }

        _random.Fill(destination);
    }
}
