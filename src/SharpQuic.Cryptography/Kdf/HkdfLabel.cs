using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SharpQuic.Cryptography.Kdf;

/// <summary>HKDF-Expand-Label of TLS 1.3 (RFC 8446 §7.1), as QUIC uses it (RFC 9001 §5.1).</summary>
public static class HkdfLabel
{
    private const int MaxLabelLength = 255 - 6;
    private const int MaxContextLength = 255;

    /// <summary>
    /// HKDF-Expand(secret, HkdfLabel, output.Length) with
    /// <c>struct { uint16 length; opaque label&lt;7..255&gt; = "tls13 " + label; opaque context&lt;0..255&gt;; }</c>.
    /// </summary>
    /// <param name="hash">The cipher suite's hash.</param>
    /// <param name="secret">The pseudo-random key.</param>
    /// <param name="label">The label without the "tls13 " prefix, in ASCII.</param>
    /// <param name="context">The context (often empty, or a transcript hash).</param>
    /// <param name="output">Receives output.Length bytes.</param>
    public static void Expand(HashAlgorithmName hash, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, Span<byte> output)
    {
        if (label.Length > MaxLabelLength)
        {
            throw new ArgumentException("Label too long.", nameof(label));
        }

        if (context.Length > MaxContextLength)
        {
            throw new ArgumentException("Context too long.", nameof(context));
        }

        if (output.Length > ushort.MaxValue)
        {
            throw new ArgumentException("Output too long.", nameof(output));
        }

        ReadOnlySpan<byte> prefix = "tls13 "u8;
        Span<byte> info = stackalloc byte[2 + 1 + MaxLabelLength + 6 + 1 + MaxContextLength];
        int n = 0;
        BinaryPrimitives.WriteUInt16BigEndian(info, (ushort)output.Length);
        n += 2;
        info[n++] = (byte)(prefix.Length + label.Length);
        prefix.CopyTo(info[n..]);
        n += prefix.Length;
        label.CopyTo(info[n..]);
        n += label.Length;
        info[n++] = (byte)context.Length;
        context.CopyTo(info[n..]);
        n += context.Length;

        HKDF.Expand(hash, secret, output, info[..n]);
    }
}
