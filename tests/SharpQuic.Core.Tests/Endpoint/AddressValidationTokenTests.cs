using System.Net;
using SharpQuic.Core.Endpoint;
using SharpQuic.Cryptography;

namespace SharpQuic.Core.Tests.Endpoint;

public sealed class AddressValidationTokenTests
{
    private const long Now = 1_750_000_000_000;
    private static readonly byte[] Key = Convert.FromHexString("7f3a0c11d2e4b59687a8c9dbe0f10213");
    private static readonly IPEndPoint Client = new(IPAddress.Parse("127.0.0.7"), 51_234);
    private static readonly ConnectionId Odcid = new([0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08]);
    private static readonly ConnectionId RetryScid = new([0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5]);

    [Fact]
    public void A_retry_token_round_trips_with_its_connection_ids()
    {
        using var tokens = Create();
        byte[] token = RetryToken(tokens);

        Assert.Equal(TokenValidationResult.Valid, tokens.TryValidate(token, Client, Now + 9_000, out var kind, out var odcid, out var scid));
        Assert.Equal(AddressValidationTokenKind.Retry, kind);
        Assert.Equal(Odcid, odcid);
        Assert.Equal(RetryScid, scid);
    }

    [Fact]
    public void A_new_token_round_trips_from_any_port()
    {
        using var tokens = Create();
        byte[] token = NewToken(tokens, Client.Address);

        var laterConnection = new IPEndPoint(Client.Address, 40_000);
        Assert.Equal(TokenValidationResult.Valid, tokens.TryValidate(token, laterConnection, Now + 3_600_000, out var kind, out var odcid, out _));
        Assert.Equal(AddressValidationTokenKind.NewToken, kind);
        Assert.Equal(ConnectionId.Empty, odcid);
    }

    [Fact]
    public void Ipv6_and_ipv4_mapped_addresses_bind()
    {
        using var tokens = Create();
        byte[] v6 = NewToken(tokens, IPAddress.IPv6Loopback);
        Assert.Equal(TokenValidationResult.Valid, tokens.TryValidate(v6, new IPEndPoint(IPAddress.IPv6Loopback, 1), Now, out _, out _, out _));
        Assert.Equal(TokenValidationResult.WrongAddress, tokens.TryValidate(v6, Client, Now, out _, out _, out _));

        byte[] v4 = NewToken(tokens, Client.Address);
        var mapped = new IPEndPoint(Client.Address.MapToIPv6(), 9);
        Assert.Equal(TokenValidationResult.Valid, tokens.TryValidate(v4, mapped, Now, out _, out _, out _));
    }

    [Fact]
    public void Tokens_are_unique_even_for_the_same_client_and_time()
    {
        using var tokens = Create();
        Assert.NotEqual(NewToken(tokens, Client.Address), NewToken(tokens, Client.Address));
    }

    [Fact]
    public void Expired_tokens_are_refused_by_their_own_lifetime()
    {
        using var tokens = Create();
        byte[] retry = RetryToken(tokens);
        byte[] newToken = NewToken(tokens, Client.Address);

        Assert.Equal(TokenValidationResult.Valid, tokens.TryValidate(retry, Client, Now + 10_000, out _, out _, out _));
        Assert.Equal(TokenValidationResult.Expired, tokens.TryValidate(retry, Client, Now + 10_001, out var kind, out _, out _));
        Assert.Equal(AddressValidationTokenKind.Retry, kind);

        long day = 24 * 3_600_000L;
        Assert.Equal(TokenValidationResult.Valid, tokens.TryValidate(newToken, Client, Now + day, out _, out _, out _));
        Assert.Equal(TokenValidationResult.Expired, tokens.TryValidate(newToken, Client, Now + day + 1, out _, out _, out _));

        // Issued implausibly far in the future (beyond the 2 s skew allowance).
        Assert.Equal(TokenValidationResult.Valid, tokens.TryValidate(newToken, Client, Now - 2_000, out _, out _, out _));
        Assert.Equal(TokenValidationResult.Expired, tokens.TryValidate(newToken, Client, Now - 2_001, out _, out _, out _));
    }

    [Fact]
    public void Lifetimes_come_from_the_options()
    {
        using var tokens = new AddressValidationTokens(1, Key, new DeterministicRandomSource(1), new AddressValidationTokenOptions { RetryTokenLifetime = TimeSpan.FromSeconds(1) });
        byte[] retry = RetryToken(tokens);
        Assert.Equal(TokenValidationResult.Valid, tokens.TryValidate(retry, Client, Now + 1_000, out _, out _, out _));
        Assert.Equal(TokenValidationResult.Expired, tokens.TryValidate(retry, Client, Now + 1_001, out _, out _, out _));
    }

    [Fact]
    public void Wrong_address_and_for_retry_wrong_port_are_refused()
    {
        using var tokens = Create();
        byte[] retry = RetryToken(tokens);
        byte[] newToken = NewToken(tokens, Client.Address);
        var otherHost = new IPEndPoint(IPAddress.Parse("127.0.0.8"), Client.Port);
        var otherPort = new IPEndPoint(Client.Address, Client.Port + 1);

        Assert.Equal(TokenValidationResult.WrongAddress, tokens.TryValidate(retry, otherHost, Now, out _, out _, out _));
        Assert.Equal(TokenValidationResult.WrongAddress, tokens.TryValidate(retry, otherPort, Now, out _, out _, out _));
        Assert.Equal(TokenValidationResult.WrongAddress, tokens.TryValidate(newToken, otherHost, Now, out _, out _, out _));
        Assert.Equal(TokenValidationResult.Valid, tokens.TryValidate(newToken, otherPort, Now, out _, out _, out _));
    }

    [Fact]
    public void Any_tampered_byte_makes_the_token_forged()
    {
        using var tokens = Create();
        foreach (byte[] token in new[] { RetryToken(tokens), NewToken(tokens, Client.Address) })
        {
            for (int i = 0; i < token.Length; i++)
            {
                for (int bit = 0; bit < 8; bit++)
                {
                    token[i] ^= (byte)(1 << bit);
                    TokenValidationResult result = tokens.TryValidate(token, Client, Now, out var kind, out _, out _);

                    // Byte 0 is the key id: changing it names a key we do not hold.
                    Assert.Equal(i == 0 ? TokenValidationResult.UnknownKey : TokenValidationResult.Forged, result);
                    Assert.Equal(AddressValidationTokenKind.None, kind);
                    token[i] ^= (byte)(1 << bit);
                }
            }

            Assert.Equal(TokenValidationResult.Valid, tokens.TryValidate(token, Client, Now, out _, out _, out _));
        }
    }

    [Fact]
    public void Truncated_or_extended_tokens_are_refused()
    {
        using var tokens = Create();
        byte[] token = RetryToken(tokens);
        for (int length = 0; length < token.Length; length++)
        {
            TokenValidationResult result = tokens.TryValidate(token.AsSpan(0, length), Client, Now, out _, out _, out _);
            Assert.True(result is TokenValidationResult.Malformed or TokenValidationResult.Forged, $"{length}: {result}");
        }

        Assert.Equal(TokenValidationResult.Malformed, tokens.TryValidate([], Client, Now, out _, out _, out _));
        Assert.Equal(TokenValidationResult.Forged, tokens.TryValidate([.. token, 0], Client, Now, out _, out _, out _));
        Assert.Equal(TokenValidationResult.Malformed, tokens.TryValidate(new byte[AddressValidationTokens.MaxTokenLength + 1], Client, Now, out _, out _, out _));
    }

    [Fact]
    public void Another_key_cannot_read_the_token_and_rotation_keeps_old_tokens_valid()
    {
        using var issuer = Create();
        byte[] token = NewToken(issuer, Client.Address);

        byte[] otherKey = (byte[])Key.Clone();
        otherKey[0] ^= 1;
        using var sameIdOtherKey = new AddressValidationTokens(1, otherKey, new DeterministicRandomSource(2));
        Assert.Equal(TokenValidationResult.Forged, sameIdOtherKey.TryValidate(token, Client, Now, out _, out _, out _));

        using var rotated = new AddressValidationTokens(2, otherKey, new DeterministicRandomSource(3));
        Assert.Equal(TokenValidationResult.UnknownKey, rotated.TryValidate(token, Client, Now, out _, out _, out _));
        rotated.AddDecryptionKey(1, Key);
        Assert.Equal(TokenValidationResult.Valid, rotated.TryValidate(token, Client, Now, out _, out _, out _));

        // New tokens are sealed under the new key id; the old key can be dropped.
        byte[] fresh = NewToken(rotated, Client.Address);
        Assert.Equal(2, fresh[0]);
        rotated.RemoveDecryptionKey(1);
        Assert.Equal(TokenValidationResult.UnknownKey, rotated.TryValidate(token, Client, Now, out _, out _, out _));
        Assert.Throws<InvalidOperationException>(() => rotated.RemoveDecryptionKey(2));

        // A second server sharing the key validates the first one's tokens.
        using var peer = new AddressValidationTokens(1, Key, new DeterministicRandomSource(4));
        Assert.Equal(TokenValidationResult.Valid, peer.TryValidate(token, Client, Now, out _, out _, out _));
    }

    [Fact]
    public void Random_bytes_never_throw_and_never_validate()
    {
        using var tokens = Create();
        var random = new Random(12_345);
        byte[] buffer = new byte[AddressValidationTokens.MaxTokenLength + 20];
        int valid = 0;
        for (int i = 0; i < 10_000; i++)
        {
            int length = random.Next(buffer.Length + 1);
            random.NextBytes(buffer.AsSpan(0, length));
            if (i % 2 == 0 && length > 0)
            {
                buffer[0] = 1; // our key id, so the AEAD is exercised
            }

            TokenValidationResult result = tokens.TryValidate(buffer.AsSpan(0, length), Client, Now, out _, out _, out _);
            valid += result == TokenValidationResult.Valid ? 1 : 0;
        }

        Assert.Equal(0, valid);
    }

    [Fact]
    public void Tokens_fit_the_bound_and_refuse_small_destinations()
    {
        using var tokens = Create();
        var longest = new ConnectionId(new byte[20]);
        var v6Client = new IPEndPoint(IPAddress.IPv6Loopback, 443);
        byte[] destination = new byte[AddressValidationTokens.MaxTokenLength];
        Assert.True(tokens.TryWriteRetryToken(destination, v6Client, longest, longest, Now, out int written));
        Assert.True(written <= AddressValidationTokens.MaxTokenLength);
        Assert.Equal(TokenValidationResult.Valid, tokens.TryValidate(destination.AsSpan(0, written), v6Client, Now, out _, out var odcid, out _));
        Assert.Equal(longest, odcid);

        Assert.False(tokens.TryWriteRetryToken(new byte[written - 1], v6Client, longest, longest, Now, out int none));
        Assert.Equal(0, none);
    }

    [Fact]
    public void Validation_allocates_nothing()
    {
        using var tokens = Create();
        byte[] token = RetryToken(tokens);
        tokens.TryValidate(token, Client, Now, out _, out _, out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            tokens.TryValidate(token, Client, Now, out _, out _, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static AddressValidationTokens Create() => new(1, Key, new DeterministicRandomSource(99));

    private static byte[] RetryToken(AddressValidationTokens tokens)
    {
        byte[] buffer = new byte[AddressValidationTokens.MaxTokenLength];
        Assert.True(tokens.TryWriteRetryToken(buffer, Client, Odcid, RetryScid, Now, out int written));
        return buffer[..written];
    }

    private static byte[] NewToken(AddressValidationTokens tokens, IPAddress client)
    {
        byte[] buffer = new byte[AddressValidationTokens.MaxTokenLength];
        Assert.True(tokens.TryWriteNewToken(buffer, client, Now, out int written));
        return buffer[..written];
    }
}
