using SharpQuic.Core.Endpoint;
using SharpQuic.Cryptography;

namespace SharpQuic.Runtime;

/// <summary>
/// Connection IDs that name the worker owning the connection (DESIGN.md "Threading model"): 8 bytes, the first
/// carrying the worker index in its low 6 bits (the top 2 bits random), the other 7 random. A datagram that reaches
/// the wrong worker's socket is handed to the right one by this byte alone, without a shared table.
/// </summary>
/// <remarks>The index is visible to observers, as in QUIC-LB's plaintext mode (draft-ietf-quic-load-balancers); the
/// 56 random bits keep the IDs unpredictable (RFC 9000 §5.1).</remarks>
internal sealed class WorkerConnectionIdGenerator : IConnectionIdGenerator
{
    /// <summary>The length of every ID.</summary>
    public const int IdLength = 8;

    /// <summary>Workers one port can have (6 bits).</summary>
    public const int MaxWorkers = 64;

    private readonly int _worker;
    private readonly IRandomSource _random;

    public WorkerConnectionIdGenerator(int worker, IRandomSource random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(worker);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(worker, MaxWorkers);
        _worker = worker;
        _random = random;
    }

    /// <inheritdoc/>
    public int Length => IdLength;

    /// <inheritdoc/>
    public void Generate(Span<byte> destination)
    {
        _random.Fill(destination[..IdLength]);
        destination[0] = (byte)((destination[0] & 0xC0) | _worker);
    }

    /// <inheritdoc/>
    public bool TryDecodeWorker(ReadOnlySpan<byte> connectionId, out int worker) => TryDecode(connectionId, out worker);

    /// <summary>The worker an ID of ours names; false for an ID of the wrong length.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> connectionId, out int worker)
    {
        if (connectionId.Length != IdLength)
        {
            worker = 0;
            return false;
        }

        worker = connectionId[0] & 0x3F;
        return true;
    }
}
