using System.Security.Cryptography;

namespace SharpQuic.Cryptography;

/// <summary>
/// Where the sans-IO layers get randomness (key shares, connection IDs, tokens, TLS randoms).
/// Injected so that a test or a simulation can fix the seed; production uses
/// <see cref="SystemRandomSource"/>.
/// </summary>
public interface IRandomSource
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    void Fill(Span<byte> destination);
}

/// <summary>The operating system's cryptographically secure generator.</summary>
public sealed class SystemRandomSource : IRandomSource
{
    /// <summary>The shared instance (thread-safe).</summary>
    public static SystemRandomSource Instance { get; } = new();

    /// <inheritdoc/>
    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}

/// <summary>
/// A seeded, reproducible generator for tests and simulations. Not secure: never use it to
/// protect real traffic.
/// </summary>
public sealed class DeterministicRandomSource(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    /// <inheritdoc/>
    public void Fill(Span<byte> destination) => _random.NextBytes(destination);
}
