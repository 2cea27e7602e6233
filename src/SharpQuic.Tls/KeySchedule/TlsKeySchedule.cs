using System.Security.Cryptography;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.Kdf;

namespace SharpQuic.Tls.KeySchedule;

/// <summary>
/// The TLS 1.3 key schedule (RFC 8446bis §7.1): Early Secret → Handshake Secret → Main ("master") Secret, with
/// the traffic, exporter and resumption secrets derived from each. Stages advance in order; calling out of
/// order is a programming error and throws. Secrets are returned as new arrays owned by the caller.
/// Transcript hashes are passed in (see <see cref="TranscriptHash"/>); this class hashes nothing itself
/// except the empty string of the "derived" steps.
/// </summary>
internal sealed class TlsKeySchedule
{
    private byte[]? _earlySecret;
    private byte[]? _handshakeSecret;
    private byte[]? _mainSecret;

    public TlsKeySchedule(CipherSuite suite)
        : this(CipherSuiteInfo.Hash(suite))
    {
    }

    public TlsKeySchedule(HashAlgorithmName hash)
    {
        Hash = hash;
        HashSize = HashSizeOf(hash);
    }

    public HashAlgorithmName Hash { get; }

    public int HashSize { get; }

    /// <summary>The Early Secret; present after <see cref="DeriveEarlySecret"/>.</summary>
    public ReadOnlySpan<byte> EarlySecret => _earlySecret ?? throw NotYet("early");

    /// <summary>The Handshake Secret; present after <see cref="DeriveHandshakeSecret"/>.</summary>
    public ReadOnlySpan<byte> HandshakeSecret => _handshakeSecret ?? throw NotYet("handshake");

    /// <summary>The Main Secret (labelled "master"); present after <see cref="DeriveMainSecret"/>.</summary>
    public ReadOnlySpan<byte> MainSecret => _mainSecret ?? throw NotYet("main");

    /// <summary>Early Secret = HKDF-Extract(0, PSK); an empty <paramref name="psk"/> means no PSK, and a string
    /// of Hash.length zeros is used (§7.1).</summary>
    public void DeriveEarlySecret(ReadOnlySpan<byte> psk)
    {
        Span<byte> zeros = stackalloc byte[HashSize];
        zeros.Clear();
        _earlySecret = Extract(psk.IsEmpty ? zeros : psk, zeros);
        _handshakeSecret = null;
        _mainSecret = null;
    }

    /// <summary>binder_key = Derive-Secret(Early Secret, "res binder" | "ext binder", "").</summary>
    public byte[] BinderKey(bool resumption)
        => DeriveSecretOfEmpty(EarlySecret, resumption ? "res binder"u8 : "ext binder"u8);

    /// <summary>client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello).</summary>
    public byte[] ClientEarlyTrafficSecret(ReadOnlySpan<byte> clientHelloHash)
        => DeriveSecret(EarlySecret, "c e traffic"u8, clientHelloHash);

    /// <summary>early_exporter_secret = Derive-Secret(Early Secret, "e exp master", ClientHello).</summary>
    public byte[] EarlyExporterSecret(ReadOnlySpan<byte> clientHelloHash)
        => DeriveSecret(EarlySecret, "e exp master"u8, clientHelloHash);

    /// <summary>Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), shared secret).</summary>
    public void DeriveHandshakeSecret(ReadOnlySpan<byte> sharedSecret)
    {
        byte[] salt = DeriveSecretOfEmpty(EarlySecret, "derived"u8);
        _handshakeSecret = Extract(sharedSecret, salt);
        _mainSecret = null;
    }

    /// <summary>client_handshake_traffic_secret = Derive-Secret(., "c hs traffic", ClientHello...ServerHello).</summary>
    public byte[] ClientHandshakeTrafficSecret(ReadOnlySpan<byte> helloHash)
        => DeriveSecret(HandshakeSecret, "c hs traffic"u8, helloHash);

    /// <summary>server_handshake_traffic_secret = Derive-Secret(., "s hs traffic", ClientHello...ServerHello).</summary>
    public byte[] ServerHandshakeTrafficSecret(ReadOnlySpan<byte> helloHash)
        => DeriveSecret(HandshakeSecret, "s hs traffic"u8, helloHash);

    /// <summary>Main Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0).</summary>
    public void DeriveMainSecret()
    {
        byte[] salt = DeriveSecretOfEmpty(HandshakeSecret, "derived"u8);
        Span<byte> zeros = stackalloc byte[HashSize];
        zeros.Clear();
        _mainSecret = Extract(zeros, salt);
    }

    /// <summary>client_application_traffic_secret_0 = Derive-Secret(., "c ap traffic", ClientHello...server Finished).</summary>
    public byte[] ClientApplicationTrafficSecret(ReadOnlySpan<byte> serverFinishedHash)
        => DeriveSecret(MainSecret, "c ap traffic"u8, serverFinishedHash);

    /// <summary>server_application_traffic_secret_0 = Derive-Secret(., "s ap traffic", ClientHello...server Finished).</summary>
    public byte[] ServerApplicationTrafficSecret(ReadOnlySpan<byte> serverFinishedHash)
        => DeriveSecret(MainSecret, "s ap traffic"u8, serverFinishedHash);

    /// <summary>exporter_secret = Derive-Secret(., "exp master", ClientHello...server Finished).</summary>
    public byte[] ExporterSecret(ReadOnlySpan<byte> serverFinishedHash)
        => DeriveSecret(MainSecret, "exp master"u8, serverFinishedHash);

    /// <summary>resumption_secret = Derive-Secret(., "res master", ClientHello...client Finished).</summary>
    public byte[] ResumptionSecret(ReadOnlySpan<byte> clientFinishedHash)
        => DeriveSecret(MainSecret, "res master"u8, clientFinishedHash);

    /// <summary>The PSK of a ticket: HKDF-Expand-Label(resumption_secret, "resumption", ticket_nonce,
    /// Hash.length) (§4.6.1).</summary>
    public static byte[] ResumptionPsk(HashAlgorithmName hash, ReadOnlySpan<byte> resumptionSecret, ReadOnlySpan<byte> ticketNonce)
    {
        var psk = new byte[HashSizeOf(hash)];
        HkdfLabel.Expand(hash, resumptionSecret, "resumption"u8, ticketNonce, psk);
        return psk;
    }

    /// <summary>finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (§4.4.4).</summary>
    public static byte[] FinishedKey(HashAlgorithmName hash, ReadOnlySpan<byte> baseKey)
    {
        var key = new byte[HashSizeOf(hash)];
        HkdfLabel.Expand(hash, baseKey, "finished"u8, default, key);
        return key;
    }

    /// <summary>verify_data = HMAC(finished_key, Transcript-Hash) (§4.4.4). The same computation makes a PSK
    /// binder from the binder_key and the truncated ClientHello's hash (§4.2.11.2).</summary>
    public static byte[] ComputeVerifyData(HashAlgorithmName hash, ReadOnlySpan<byte> baseKey, ReadOnlySpan<byte> transcriptHash)
    {
        byte[] key = FinishedKey(hash, baseKey);
        try
        {
            return HmacOf(hash, key, transcriptHash);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Checks a received verify_data or binder in constant time (a mismatch is decrypt_error).</summary>
    public static bool VerifyFinished(HashAlgorithmName hash, ReadOnlySpan<byte> baseKey, ReadOnlySpan<byte> transcriptHash, ReadOnlySpan<byte> received)
    {
        byte[] expected = ComputeVerifyData(hash, baseKey, transcriptHash);
        return received.Length == expected.Length && CryptographicOperations.FixedTimeEquals(expected, received);
    }

    /// <summary>
    /// TLS-Exporter(label, context_value, key_length) =
    /// HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length) (§7.5),
    /// with Secret the exporter_secret (or early_exporter_secret). <paramref name="label"/> is ASCII.
    /// </summary>
    public static void Export(HashAlgorithmName hash, ReadOnlySpan<byte> exporterSecret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> context, Span<byte> output)
    {
        byte[] secret = DeriveSecretOfEmpty(hash, exporterSecret, label);
        Span<byte> contextHash = stackalloc byte[64];
        int n = HashOf(hash, context, contextHash);
        HkdfLabel.Expand(hash, secret, "exporter"u8, contextHash[..n], output);
        CryptographicOperations.ZeroMemory(secret);
    }

    /// <summary>Derive-Secret(Secret, Label, Messages) = HKDF-Expand-Label(Secret, Label, Transcript-Hash(Messages),
    /// Hash.length), given the transcript hash.</summary>
    public static byte[] DeriveSecret(HashAlgorithmName hash, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> transcriptHash)
    {
        var output = new byte[HashSizeOf(hash)];
        HkdfLabel.Expand(hash, secret, label, transcriptHash, output);
        return output;
    }

    public static int HashSizeOf(HashAlgorithmName hash)
    {
        if (hash == HashAlgorithmName.SHA256)
        {
            return 32;
        }

        if (hash == HashAlgorithmName.SHA384)
        {
            return 48;
        }

        throw new ArgumentException("TLS 1.3 suites use SHA-256 or SHA-384.", nameof(hash));
    }

    private byte[] DeriveSecret(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label, ReadOnlySpan<byte> transcriptHash)
    {
        if (transcriptHash.Length != HashSize)
        {
            throw new ArgumentException("Transcript hash has the wrong length.", nameof(transcriptHash));
        }

        return DeriveSecret(Hash, secret, label, transcriptHash);
    }

    private byte[] Extract(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt)
    {
        var prk = new byte[HashSize];
        HKDF.Extract(Hash, ikm, salt, prk);
        return prk;
    }

    private byte[] DeriveSecretOfEmpty(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label)
        => DeriveSecretOfEmpty(Hash, secret, label);

    // Derive-Secret(., label, "") hashes the empty message sequence: its context is Hash(""), not empty.
    private static byte[] DeriveSecretOfEmpty(HashAlgorithmName hash, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> label)
    {
        Span<byte> emptyHash = stackalloc byte[64];
        int n = HashOf(hash, default, emptyHash);
        return DeriveSecret(hash, secret, label, emptyHash[..n]);
    }

    private static int HashOf(HashAlgorithmName hash, ReadOnlySpan<byte> data, Span<byte> destination)
        => hash == HashAlgorithmName.SHA384 ? SHA384.HashData(data, destination) : SHA256.HashData(data, destination);

    private static byte[] HmacOf(HashAlgorithmName hash, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
        => hash == HashAlgorithmName.SHA384 ? HMACSHA384.HashData(key, data) : HMACSHA256.HashData(key, data);

    private static InvalidOperationException NotYet(string stage) => new($"The {stage} secret has not been derived yet.");
}
