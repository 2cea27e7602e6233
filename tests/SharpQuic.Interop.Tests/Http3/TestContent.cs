using System.Security.Cryptography;

namespace SharpQuic.Interop.Tests.Http3;

/// <summary>
/// Deterministic response bodies: the byte at offset <c>i</c> depends only on <c>i</c>, so a server can produce any
/// length in any chunking and the test can hash the same bytes without storing them (no short period, unlike zeros).
/// </summary>
internal static class TestContent
{
    /// <summary>The body of the small request: short, and different from the generated content.</summary>
    public static readonly byte[] SmallBody = "Hello over HTTP/3 from the SharpQuic interop tests.\n"u8.ToArray();

    /// <summary>Fills <paramref name="destination"/> with the bytes at <paramref name="offset"/>.. of the content.</summary>
    public static void Fill(long offset, Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            // A multiplicative hash of the offset: the top byte of a 32-bit product (period 2^32).
            ulong position = (ulong)(offset + i);
            destination[i] = (byte)((uint)(position * 2654435761UL) >> 24 ^ (byte)(position >> 32));
        }
    }

    /// <summary>SHA-256 of the first <paramref name="length"/> bytes of the content.</summary>
    public static byte[] Sha256(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] chunk = new byte[256 * 1024];
        for (long offset = 0; offset < length;)
        {
            int n = (int)Math.Min(chunk.Length, length - offset);
            Fill(offset, chunk.AsSpan(0, n));
            hash.AppendData(chunk, 0, n);
            offset += n;
        }

        return hash.GetHashAndReset();
    }

    /// <summary>Writes the first <paramref name="length"/> bytes of the content to <paramref name="path"/>.</summary>
    public static void WriteFile(string path, long length)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        byte[] chunk = new byte[1 << 20];
        for (long offset = 0; offset < length;)
        {
            int n = (int)Math.Min(chunk.Length, length - offset);
            Fill(offset, chunk.AsSpan(0, n));
            file.Write(chunk, 0, n);
            offset += n;
        }
    }

    /// <summary>SHA-256 of a file, and its length.</summary>
    public static (long Length, byte[] Sha256) HashFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return (file.Length, SHA256.HashData(file));
    }
}
