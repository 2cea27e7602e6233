namespace SharpQuic.Tls.Certificates;

/// <summary>Which endpoint a certificate (and its CertificateVerify) belongs to.</summary>
internal enum CertificateRole
{
    /// <summary>The server's certificate: "TLS 1.3, server CertificateVerify", EKU id-kp-serverAuth.</summary>
    Server,

    /// <summary>The client's certificate: "TLS 1.3, client CertificateVerify", EKU id-kp-clientAuth.</summary>
    Client,
}

/// <summary>
/// The content covered by a CertificateVerify signature (RFC 8446bis §4.4.3): 64 bytes of 0x20, the context
/// string, a 0 byte, then Transcript-Hash(Handshake Context, Certificate). Built into a caller's span so the
/// signer and verifier can keep it on the stack (<see cref="MaxLength"/> bytes at most).
/// </summary>
internal static class CertificateVerifyContent
{
    /// <summary>The 0x20 padding that clears attacker-chosen prefixes (§4.4.3).</summary>
    public const int PaddingLength = 64;

    /// <summary>Both context strings are 33 bytes long.</summary>
    public const int ContextLength = 33;

    /// <summary>The largest transcript hash accepted (SHA-512); TLS 1.3 suites use 32 or 48.</summary>
    public const int MaxTranscriptHashLength = 64;

    /// <summary>The content length for the largest transcript hash.</summary>
    public const int MaxLength = PaddingLength + ContextLength + 1 + MaxTranscriptHashLength;

    private static ReadOnlySpan<byte> ServerContext => "TLS 1.3, server CertificateVerify"u8;

    private static ReadOnlySpan<byte> ClientContext => "TLS 1.3, client CertificateVerify"u8;

    /// <summary>The content length for a transcript hash of <paramref name="transcriptHashLength"/> bytes.</summary>
    public static int GetLength(int transcriptHashLength) => PaddingLength + ContextLength + 1 + transcriptHashLength;

    /// <summary>Writes the signed content for <paramref name="role"/>'s signature; returns its length.
    /// A too-small destination or an oversized hash is a programming error and throws.</summary>
    public static int Build(CertificateRole role, ReadOnlySpan<byte> transcriptHash, Span<byte> destination)
    {
        if (transcriptHash.IsEmpty || transcriptHash.Length > MaxTranscriptHashLength)
        {
            throw new ArgumentException("The transcript hash must be 1..64 bytes.", nameof(transcriptHash));
        }

        int length = GetLength(transcriptHash.Length);
        if (destination.Length < length)
        {
            throw new ArgumentException("The destination is too small.", nameof(destination));
        }

        destination[..PaddingLength].Fill(0x20);
        (role == CertificateRole.Server ? ServerContext : ClientContext).CopyTo(destination[PaddingLength..]);
        destination[PaddingLength + ContextLength] = 0;
        transcriptHash.CopyTo(destination[(PaddingLength + ContextLength + 1)..]);
        return length;
    }
}
