using System.Security.Cryptography;

namespace SharpQuic.Tls.KeySchedule;

/// <summary>
/// Transcript-Hash (RFC 8446bis §4.4.1): a running hash over the handshake messages (headers included).
/// A client does not know the suite's hash until ServerHello, so messages appended before
/// <see cref="SetHash"/> are buffered. After a HelloRetryRequest, <see cref="ReplaceWithMessageHash"/> swaps
/// ClientHello1 for the synthetic <c>message_hash</c> message.
/// </summary>
internal sealed class TranscriptHash : IDisposable
{
    private List<byte[]>? _pending = [];
    private IncrementalHash? _hash;
    private int _messageCount;

    /// <summary>A transcript whose hash is chosen later with <see cref="SetHash"/>.</summary>
    public TranscriptHash()
    {
    }

    /// <summary>A transcript with a known hash (a server after choosing the suite).</summary>
    public TranscriptHash(HashAlgorithmName hash)
    {
        SetHash(hash);
    }

    /// <summary>The hash in use, once set.</summary>
    public HashAlgorithmName? Hash { get; private set; }

    /// <summary>The hash output length in bytes (32 or 48), once set.</summary>
    public int HashSize => _hash?.HashLengthInBytes ?? throw new InvalidOperationException("The hash is not chosen yet.");

    /// <summary>Messages appended so far.</summary>
    public int MessageCount => _messageCount;

    /// <summary>Chooses the hash and absorbs any messages appended before.</summary>
    public void SetHash(HashAlgorithmName hash)
    {
        if (_hash is not null)
        {
            throw new InvalidOperationException("The transcript hash is already chosen.");
        }

        _hash = IncrementalHash.CreateHash(hash);
        Hash = hash;
        foreach (byte[] m in _pending!)
        {
            _hash.AppendData(m);
        }

        _pending = null;
    }

    /// <summary>Adds one whole handshake message (4-byte header included).</summary>
    public void Append(ReadOnlySpan<byte> message)
    {
        if (_hash is not null)
        {
            _hash.AppendData(message);
        }
        else
        {
            _pending!.Add(message.ToArray());
        }

        _messageCount++;
    }

    /// <summary>Writes Hash(messages so far) into <paramref name="destination"/>; returns its length.</summary>
    public int GetCurrentHash(Span<byte> destination)
    {
        if (_hash is null)
        {
            throw new InvalidOperationException("The hash is not chosen yet.");
        }

        return _hash.GetCurrentHash(destination);
    }

    /// <summary>Hash(messages so far) as a new array.</summary>
    public byte[] GetCurrentHash()
    {
        var result = new byte[HashSize];
        GetCurrentHash(result);
        return result;
    }

    /// <summary>
    /// RFC 8446bis §4.4.1: after a HelloRetryRequest the transcript restarts as
    /// <c>message_hash(254) || 00 00 Hash.length || Hash(ClientHello1)</c>. Call it when ClientHello1 is the
    /// only message appended and before the HelloRetryRequest is.
    /// </summary>
    public void ReplaceWithMessageHash()
    {
        if (_hash is null || _messageCount != 1)
        {
            throw new InvalidOperationException("Only ClientHello1 may be replaced, once the hash is chosen.");
        }

        Span<byte> synthetic = stackalloc byte[4 + 64];
        int size = _hash.GetHashAndReset(synthetic[4..]);
        synthetic[0] = (byte)HandshakeType.MessageHash;
        synthetic[1] = 0;
        synthetic[2] = 0;
        synthetic[3] = (byte)size;
        _hash.AppendData(synthetic[..(4 + size)]);
    }

    /// <summary>The synthetic message_hash message for a stateless server that kept Hash(ClientHello1) in a
    /// cookie (§4.2.2); append it to a fresh transcript in place of ClientHello1.</summary>
    public static byte[] MessageHashMessage(ReadOnlySpan<byte> clientHello1Hash)
    {
        var message = new byte[4 + clientHello1Hash.Length];
        message[0] = (byte)HandshakeType.MessageHash;
        message[3] = (byte)clientHello1Hash.Length;
        clientHello1Hash.CopyTo(message.AsSpan(4));
        return message;
    }

    public void Dispose() => _hash?.Dispose();
}
