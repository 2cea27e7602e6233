namespace SharpQuic.Core.Streams;

/// <summary>
/// A pool of fixed-size byte chunks for stream send and receive buffers. Single-threaded (a
/// connection's state belongs to one worker, see DESIGN.md "Threading model"); one pool can be
/// shared by every stream of a connection or of a worker. Returned chunks are kept up to
/// <see cref="MaxRetained"/> and reused, so a steady-state transfer allocates nothing.
/// </summary>
public sealed class ChunkPool
{
    /// <summary>The default chunk size: 16 KiB, about 13 full-sized packets of stream data.</summary>
    public const int DefaultChunkSize = 16 * 1024;

    private byte[][] _free;
    private int _freeCount;

    /// <summary>Creates a pool of <paramref name="chunkSize"/>-byte chunks that keeps at most <paramref name="maxRetained"/> free chunks.</summary>
    public ChunkPool(int chunkSize = DefaultChunkSize, int maxRetained = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetained, 0);
        ChunkSize = chunkSize;
        MaxRetained = maxRetained;
        _free = new byte[Math.Min(maxRetained, 16)][];
    }

    /// <summary>The size of every chunk.</summary>
    public int ChunkSize { get; }

    /// <summary>The most free chunks kept for reuse.</summary>
    public int MaxRetained { get; }

    /// <summary>Chunks handed out and not yet returned (for tests and diagnostics).</summary>
    public int Outstanding { get; private set; }

    /// <summary>Free chunks currently kept.</summary>
    public int Retained => _freeCount;

    /// <summary>Takes a chunk; its content is unspecified.</summary>
    public byte[] Rent()
    {
        Outstanding++;
        if (_freeCount > 0)
        {
            byte[] chunk = _free[--_freeCount];
            _free[_freeCount] = null!;
            return chunk;
        }

        return new byte[ChunkSize];
    }

    /// <summary>Gives a chunk back. It must have come from this pool and must not be used afterwards.</summary>
    public void Return(byte[] chunk)
    {
        if (chunk.Length != ChunkSize)
        {
            throw new ArgumentException("The chunk does not belong to this pool.", nameof(chunk));
        }

        Outstanding--;
        if (_freeCount == MaxRetained)
        {
            return;
        }

        if (_freeCount == _free.Length)
        {
            Array.Resize(ref _free, Math.Min(MaxRetained, _free.Length * 2));
        }

        _free[_freeCount++] = chunk;
    }
}
