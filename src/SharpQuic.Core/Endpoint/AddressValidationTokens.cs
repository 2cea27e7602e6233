using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Core.Endpoint;

/// <summary>Which mechanism issued an address validation token (RFC 9000 §8.1.3, §8.1.4).</summary>
public enum AddressValidationTokenKind : byte
{
    /// <summary>Not a token we could read.</summary>
    None = 0,

    /// <summary>Sent in a Retry packet; used at once, bound to the client's address and port.</summary>
    Retry = 1,

    /// <summary>Sent in a NEW_TOKEN frame; used on a later connection, bound to the client's IP address.</summary>
    NewToken = 2,
}

/// <summary>The outcome of <see cref="AddressValidationTokens.TryValidate"/>.</summary>
public enum TokenValidationResult : byte
{
    /// <summary>Ours, intact, in time, from the address it was issued to.</summary>
    Valid,

    /// <summary>Authentic but too old (or issued implausibly far in the future).</summary>
    Expired,

    /// <summary>Authentic but presented from another IP address (or, for Retry, another port).</summary>
    WrongAddress,

    /// <summary>Authentication failed: altered, truncated past the header, or sealed under another key.</summary>
    Forged,

    /// <summary>Sealed under a key id this server does not hold (rotated out, or never ours).</summary>
    UnknownKey,

    /// <summary>Not shaped like one of our tokens (too short, too long, or an impossible plaintext).</summary>
    Malformed,
}

/// <summary>Lifetimes of address validation tokens.</summary>
public sealed record AddressValidationTokenOptions
{
    /// <summary>How long a Retry token is accepted: the client returns it within a round trip (RFC 9000 §8.1.4).</summary>
    public TimeSpan RetryTokenLifetime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a NEW_TOKEN token is accepted (RFC 9000 §8.1.3: tokens SHOULD expire).</summary>
    public TimeSpan NewTokenLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How far in the future an issue time may lie (clock differences between servers sharing the key).</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Stateless address validation tokens (RFC 9000 §8.1.2–§8.1.4): the server's memory of a client,
/// sealed with AES-128-GCM and carried by the client. Any server holding the key (and key id) can
/// validate a token another issued.
/// </summary>
/// <remarks>
/// Layout: key id (1, also the associated data) ‖ nonce (12, random) ‖ sealed plaintext ‖ tag (16).
/// Plaintext: kind (1) ‖ issue time, Unix ms (8) ‖ IP length (1) ‖ IP (4 or 16); a Retry token
/// adds port (2) ‖ original DCID length (1) ‖ original DCID ‖ Retry SCID length (1) ‖ Retry SCID.
/// Everything about the client is encrypted, so a NEW_TOKEN token links to nothing for an observer
/// (§8.1.3), and the random nonce makes every token unique. Random 96-bit nonces keep a key safe
/// for about 2^32 tokens: rotate keys well before that. Validation allocates nothing and never
/// throws on hostile bytes. Replay is not prevented here (§8.1.4 asks to limit it): the lifetimes
/// bound it. Not thread-safe: one instance per worker, sharing the key.
/// </remarks>
public sealed class AddressValidationTokens : IDisposable
{
    /// <summary>AES-128-GCM key length.</summary>
    public const int KeyLength = 16;

    /// <summary>Longest token this class writes or reads; longer input is rejected unread.</summary>
    public const int MaxTokenLength = 128;

    private const int HeaderLength = 1 + PacketAead.NonceSize;
    private const int MinPlaintextLength = 1 + 8 + 1 + 4;
    private const int MaxPlaintextLength = 1 + 8 + 1 + 16 + 2 + 1 + ConnectionId.MaxLength + 1 + ConnectionId.MaxLength;
    private const int MinTokenLength = HeaderLength + MinPlaintextLength + PacketAead.TagSize;

    private readonly PacketAead?[] _keys = new PacketAead?[256];
    private readonly byte _currentKeyId;
    private readonly IRandomSource _random;
    private readonly long _retryLifetimeMs;
    private readonly long _newTokenLifetimeMs;
    private readonly long _skewMs;

    /// <summary>
    /// Seals new tokens with <paramref name="key"/> (16 bytes) under <paramref name="keyId"/>; nonces
    /// come from <paramref name="random"/>.
    /// </summary>
    public AddressValidationTokens(byte keyId, ReadOnlySpan<byte> key, IRandomSource random, AddressValidationTokenOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        options ??= new AddressValidationTokenOptions();
        _random = random;
        _currentKeyId = keyId;
        _retryLifetimeMs = (long)options.RetryTokenLifetime.TotalMilliseconds;
        _newTokenLifetimeMs = (long)options.NewTokenLifetime.TotalMilliseconds;
        _skewMs = (long)options.ClockSkew.TotalMilliseconds;
        AddDecryptionKey(keyId, key);
    }

    /// <summary>A random key under key id 0 (tokens then survive only this object).</summary>
    public static AddressValidationTokens CreateRandom(IRandomSource random, AddressValidationTokenOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> key = stackalloc byte[KeyLength];
        random.Fill(key);
        var tokens = new AddressValidationTokens(0, key, random, options);
        CryptographicOperations.ZeroMemory(key);
        return tokens;
    }

    /// <summary>Accepts tokens sealed under an older (or a peer server's) key during rotation.</summary>
    public void AddDecryptionKey(byte keyId, ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength)
        {
            throw new ArgumentException($"Token keys are {KeyLength} bytes (AES-128-GCM).", nameof(key));
        }

        _keys[keyId]?.Dispose();
        _keys[keyId] = PacketAead.Create(CipherSuite.Aes128GcmSha256, key);
    }

    /// <summary>Stops accepting tokens sealed under <paramref name="keyId"/> (the current key cannot be removed).</summary>
    public void RemoveDecryptionKey(byte keyId)
    {
        if (keyId == _currentKeyId)
        {
            throw new InvalidOperationException("The key used to seal new tokens cannot be removed.");
        }

        _keys[keyId]?.Dispose();
        _keys[keyId] = null;
    }

    /// <summary>
    /// Writes a Retry token binding the client's address and port, the client's original
    /// Destination Connection ID and the Source Connection ID of the Retry (RFC 9000 §8.1.2, §7.3).
    /// </summary>
    public bool TryWriteRetryToken(Span<byte> destination, IPEndPoint client, ConnectionId originalDestinationCid, ConnectionId retrySourceCid, long unixMilliseconds, out int written)
    {
        ArgumentNullException.ThrowIfNull(client);
        Span<byte> plaintext = stackalloc byte[MaxPlaintextLength];
        int length = WriteCommon(plaintext, AddressValidationTokenKind.Retry, client.Address, unixMilliseconds);
        BinaryPrimitives.WriteUInt16BigEndian(plaintext[length..], (ushort)client.Port);
        length += 2;
        plaintext[length++] = (byte)originalDestinationCid.Length;
        length += originalDestinationCid.CopyTo(plaintext[length..]);
        plaintext[length++] = (byte)retrySourceCid.Length;
        length += retrySourceCid.CopyTo(plaintext[length..]);
        return TrySeal(destination, plaintext[..length], out written);
    }

    /// <summary>Writes a NEW_TOKEN token binding the client's IP address (not the port, RFC 9000 §8.1.3).</summary>
    public bool TryWriteNewToken(Span<byte> destination, IPAddress client, long unixMilliseconds, out int written)
    {
        ArgumentNullException.ThrowIfNull(client);
        Span<byte> plaintext = stackalloc byte[MaxPlaintextLength];
        int length = WriteCommon(plaintext, AddressValidationTokenKind.NewToken, client, unixMilliseconds);
        return TrySeal(destination, plaintext[..length], out written);
    }

    /// <summary>
    /// Checks a token from a client's Initial packet. On <see cref="TokenValidationResult.Valid"/>
    /// (and on Expired or WrongAddress, for diagnostics) <paramref name="kind"/> and, for Retry tokens,
    /// the two connection IDs are set; the caller must still check that the Initial's DCID equals
    /// <paramref name="retrySourceCid"/> (RFC 9000 §7.3). Never throws on the token's bytes.
    /// </summary>
    public TokenValidationResult TryValidate(ReadOnlySpan<byte> token, IPEndPoint client, long unixMilliseconds, out AddressValidationTokenKind kind, out ConnectionId originalDestinationCid, out ConnectionId retrySourceCid)
    {
        ArgumentNullException.ThrowIfNull(client);
        kind = AddressValidationTokenKind.None;
        originalDestinationCid = default;
        retrySourceCid = default;
        if (token.Length < MinTokenLength || token.Length > MaxTokenLength)
        {
            return TokenValidationResult.Malformed;
        }

        PacketAead? aead = _keys[token[0]];
        if (aead is null)
        {
            return TokenValidationResult.UnknownKey;
        }

        Span<byte> plaintext = stackalloc byte[MaxTokenLength];
        int sealedLength = token.Length - HeaderLength - PacketAead.TagSize;
        plaintext = plaintext[..sealedLength];
        token.Slice(HeaderLength, sealedLength).CopyTo(plaintext);
        try
        {
            if (!aead.Open(token.Slice(1, PacketAead.NonceSize), token[..1], plaintext, token[^PacketAead.TagSize..]))
            {
                return TokenValidationResult.Forged;
            }

            return Check(plaintext, client, unixMilliseconds, out kind, out originalDestinationCid, out retrySourceCid);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            _keys[i]?.Dispose();
            _keys[i] = null;
        }
    }

    private TokenValidationResult Check(ReadOnlySpan<byte> plaintext, IPEndPoint client, long now, out AddressValidationTokenKind kind, out ConnectionId originalDestinationCid, out ConnectionId retrySourceCid)
    {
        kind = AddressValidationTokenKind.None;
        originalDestinationCid = default;
        retrySourceCid = default;

        // Authentic, so written by a server holding the key; still parsed defensively.
        if (plaintext.Length < MinPlaintextLength)
        {
            return TokenValidationResult.Malformed;
        }

        var tokenKind = (AddressValidationTokenKind)plaintext[0];
        long issued = BinaryPrimitives.ReadInt64BigEndian(plaintext[1..]);
        int addressLength = plaintext[9];
        if (tokenKind is not (AddressValidationTokenKind.Retry or AddressValidationTokenKind.NewToken)
            || addressLength is not (4 or 16) || plaintext.Length < 10 + addressLength)
        {
            return TokenValidationResult.Malformed;
        }

        ReadOnlySpan<byte> address = plaintext.Slice(10, addressLength);
        ReadOnlySpan<byte> rest = plaintext[(10 + addressLength)..];
        int port = 0;
        if (tokenKind == AddressValidationTokenKind.Retry)
        {
            if (rest.Length < 3)
            {
                return TokenValidationResult.Malformed;
            }

            port = BinaryPrimitives.ReadUInt16BigEndian(rest);
            int odcidLength = rest[2];
            if (odcidLength > ConnectionId.MaxLength || rest.Length < 3 + odcidLength + 1)
            {
                return TokenValidationResult.Malformed;
            }

            ConnectionId odcid = new(rest.Slice(3, odcidLength));
            rest = rest[(3 + odcidLength)..];
            int scidLength = rest[0];
            if (scidLength > ConnectionId.MaxLength || rest.Length != 1 + scidLength)
            {
                return TokenValidationResult.Malformed;
            }

            originalDestinationCid = odcid;
            retrySourceCid = new ConnectionId(rest.Slice(1, scidLength));
        }
        else if (!rest.IsEmpty)
        {
            return TokenValidationResult.Malformed;
        }

        kind = tokenKind;
        long lifetime = tokenKind == AddressValidationTokenKind.Retry ? _retryLifetimeMs : _newTokenLifetimeMs;
        if (issued > now + _skewMs || now - issued > lifetime)
        {
            return TokenValidationResult.Expired;
        }

        Span<byte> clientAddress = stackalloc byte[16];
        int clientLength = WriteAddress(clientAddress, client.Address);
        if (!address.SequenceEqual(clientAddress[..clientLength])
            || (tokenKind == AddressValidationTokenKind.Retry && port != client.Port))
        {
            return TokenValidationResult.WrongAddress;
        }

        return TokenValidationResult.Valid;
    }

    private static int WriteCommon(Span<byte> plaintext, AddressValidationTokenKind kind, IPAddress address, long unixMilliseconds)
    {
        plaintext[0] = (byte)kind;
        BinaryPrimitives.WriteInt64BigEndian(plaintext[1..], unixMilliseconds);
        int addressLength = WriteAddress(plaintext[10..], address);
        plaintext[9] = (byte)addressLength;
        return 10 + addressLength;
    }

    private static int WriteAddress(Span<byte> destination, IPAddress address)
    {
        // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d: bind the IPv4 form either way.
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.TryWriteBytes(destination, out int written) ? written : throw new ArgumentException("Unsupported address.", nameof(address));
    }

    private bool TrySeal(Span<byte> destination, ReadOnlySpan<byte> plaintext, out int written)
    {
        written = HeaderLength + plaintext.Length + PacketAead.TagSize;
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        PacketAead aead = _keys[_currentKeyId]!;
        destination[0] = _currentKeyId;
        Span<byte> nonce = destination.Slice(1, PacketAead.NonceSize);
        _random.Fill(nonce);
        Span<byte> body = destination.Slice(HeaderLength, plaintext.Length);
        plaintext.CopyTo(body);
        aead.Seal(nonce, destination[..1], body, destination.Slice(HeaderLength + plaintext.Length, PacketAead.TagSize));
        return true;
    }
}
