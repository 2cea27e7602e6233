using System.Security.Cryptography;
using System.Text;
using SharpQuic.Tls.KeySchedule;

namespace SharpQuic.Core.Connection;

/// <summary>
/// The TLS exporter of one connection (RFC 8446 §7.5), usable from any thread: it holds its own copy of the
/// exporter secret, taken when the handshake completed, and zeroes it on <see cref="Dispose"/>.
/// </summary>
internal sealed class KeyingMaterialExporter : IDisposable
{
    private readonly HashAlgorithmName _hash;
    private readonly byte[] _secret;
    private readonly Lock _lock = new();
    private bool _disposed;

    public KeyingMaterialExporter(HashAlgorithmName hash, byte[] secret)
    {
        _hash = hash;
        _secret = secret;
    }

    /// <summary>The most bytes one export yields: HKDF-Expand's limit, 255 hash lengths (RFC 5869 §2.3).</summary>
    public int MaxLength => 255 * TlsKeySchedule.HashSizeOf(_hash);

    /// <summary>
    /// TLS-Exporter(<paramref name="label"/>, <paramref name="context"/>, <paramref name="length"/>). The label is
    /// ASCII, 1..249 characters (the HkdfLabel's label holds at most 255 bytes with its "tls13 " prefix).
    /// </summary>
    public byte[] Export(string label, ReadOnlySpan<byte> context, int length)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        if (label.Length > 249 || !Ascii.IsValid(label))
        {
            throw new ArgumentException("An exporter label is 1 to 249 ASCII characters.", nameof(label));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxLength);
        var output = new byte[length];
        Span<byte> labelBytes = stackalloc byte[label.Length];
        Encoding.ASCII.GetBytes(label, labelBytes);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            TlsKeySchedule.Export(_hash, _secret, labelBytes, context, output);
        }

        return output;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            CryptographicOperations.ZeroMemory(_secret);
        }
    }
}
