using SharpQuic.Core.Endpoint;
using SharpQuic.Cryptography;

namespace SharpQuic.Core.Tests.Endpoint;

public sealed class StatelessResetTests
{
    private static readonly byte[] KeyA = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static readonly byte[] KeyB = Convert.FromHexString("ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");

    [Fact]
    public void Tokens_are_the_truncated_hmac_of_the_connection_id()
    {
        var tokens = new StatelessResetTokens(KeyA);
        byte[] cid = [0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08];
        byte[] token = new byte[16];
        tokens.Compute(cid, token);

        byte[] expected = System.Security.Cryptography.HMACSHA256.HashData(KeyA, cid)[..16];
        Assert.Equal(expected, token);

        byte[] again = new byte[16];
        new StatelessResetTokens(KeyA).Compute(cid, again);
        Assert.Equal(token, again);
    }

    [Fact]
    public void Tokens_differ_across_keys_and_connection_ids()
    {
        byte[] cid = [1, 2, 3, 4, 5, 6, 7, 8];
        byte[] a = new byte[16], b = new byte[16], c = new byte[16];
        new StatelessResetTokens(KeyA).Compute(cid, a);
        new StatelessResetTokens(KeyB).Compute(cid, b);
        new StatelessResetTokens(KeyA).Compute([1, 2, 3, 4, 5, 6, 7, 9], c);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);

        byte[] r1 = new byte[16], r2 = new byte[16];
        StatelessResetTokens.CreateRandom(new DeterministicRandomSource(1)).Compute(cid, r1);
        StatelessResetTokens.CreateRandom(new DeterministicRandomSource(2)).Compute(cid, r2);
        Assert.NotEqual(r1, r2);
        Assert.Throws<ArgumentException>(() => new StatelessResetTokens(new byte[15]));
    }

    [Fact]
    public void A_reset_has_the_short_header_form_and_ends_in_the_token()
    {
        byte[] token = new byte[16];
        new StatelessResetTokens(KeyA).Compute([7, 7, 7, 7], token);
        var random = new DeterministicRandomSource(3);
        var firstBytes = new HashSet<byte>();
        for (int i = 0; i < 200; i++)
        {
            byte[] packet = new byte[64];
            Assert.True(StatelessResetPacket.TryWrite(packet, token, 50, random));
            Assert.Equal(0b01, packet[0] >> 6);
            firstBytes.Add(packet[0]);
            Assert.Equal(token, packet[34..50]);
            Assert.True(StatelessResetTokens.Matches(packet.AsSpan(0, 50), token));
            Assert.Equal(new byte[14], packet[50..]);
        }

        // The other six bits of the first byte are random.
        Assert.True(firstBytes.Count > 40);
    }

    [Fact]
    public void Two_resets_differ_in_their_unpredictable_bytes()
    {
        byte[] token = new byte[16];
        byte[] a = new byte[30], b = new byte[30];
        var random = new DeterministicRandomSource(4);
        Assert.True(StatelessResetPacket.TryWrite(a, token, 30, random));
        Assert.True(StatelessResetPacket.TryWrite(b, token, 30, random));
        Assert.NotEqual(a[..14], b[..14]);
    }

    [Fact]
    public void A_reset_needs_21_bytes_and_room()
    {
        byte[] token = new byte[16];
        var random = new DeterministicRandomSource(5);
        Assert.False(StatelessResetPacket.TryWrite(new byte[100], token, 20, random));
        Assert.True(StatelessResetPacket.TryWrite(new byte[100], token, 21, random));
        Assert.False(StatelessResetPacket.TryWrite(new byte[30], token, 31, random));
        Assert.False(StatelessResetPacket.TryWrite(new byte[30], new byte[15], 30, random));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(21, 0)]
    [InlineData(22, 21)]
    [InlineData(30, 29)]
    [InlineData(43, 42)]
    [InlineData(44, 43)]
    [InlineData(65, 64)]
    [InlineData(1_200, 64)]
    public void A_reset_is_always_smaller_than_its_trigger(int trigger, int expected)
        => Assert.Equal(expected, StatelessResetPacket.ComputeLength(trigger));

    [Fact]
    public void Resets_answering_resets_shrink_to_silence()
    {
        // RFC 9000 §10.3.3: two endpoints that reset each other's resets stop after a few rounds.
        int length = 1_252, rounds = 0;
        while ((length = StatelessResetPacket.ComputeLength(length, preferredMaximum: 1_500)) != 0)
        {
            rounds++;
            Assert.True(rounds < 2_000);
        }

        Assert.Equal(1_252 - 21, rounds);
    }

    [Fact]
    public void Detection_looks_at_the_last_16_bytes_only()
    {
        byte[] token = Convert.FromHexString("00112233445566778899aabbccddeeff");
        byte[] datagram = new byte[40];
        token.CopyTo(datagram, 24);
        Assert.True(StatelessResetTokens.Matches(datagram, token));

        for (int i = 24; i < 40; i++)
        {
            datagram[i] ^= 1;
            Assert.False(StatelessResetTokens.Matches(datagram, token));
            datagram[i] ^= 1;
        }

        // Too short to be a QUIC packet (§10.3): never a reset, even if it ends in the token.
        byte[] small = new byte[20];
        token.CopyTo(small, 4);
        Assert.False(StatelessResetTokens.Matches(small, token));
        Assert.False(StatelessResetTokens.Matches(datagram, token[..15]));
    }

    [Fact]
    public void The_rate_limiter_allows_a_burst_then_the_rate()
    {
        var limiter = new StatelessResetRateLimiter(burst: 5, perSecond: 10, Instant.Zero);
        int allowed = 0;
        for (int i = 0; i < 20; i++)
        {
            allowed += limiter.TryAcquire(Instant.Zero) ? 1 : 0;
        }

        Assert.Equal(5, allowed);

        // 10 per second: one every 100 ms.
        Assert.False(limiter.TryAcquire(Instant.FromMilliseconds(99)));
        Assert.True(limiter.TryAcquire(Instant.FromMilliseconds(100)));
        Assert.False(limiter.TryAcquire(Instant.FromMilliseconds(150)));

        // Over ten seconds at most burst + 10/s × 10 s.
        allowed = 0;
        for (int ms = 200; ms <= 10_200; ms += 5)
        {
            allowed += limiter.TryAcquire(Instant.FromMilliseconds(ms)) ? 1 : 0;
        }

        Assert.InRange(allowed, 100, 101);

        // A long idle period refills only up to the burst; time going backwards refills nothing.
        allowed = 0;
        for (int i = 0; i < 20; i++)
        {
            allowed += limiter.TryAcquire(Instant.FromMilliseconds(3_600_000)) ? 1 : 0;
        }

        Assert.Equal(5, allowed);
        Assert.False(limiter.TryAcquire(Instant.FromMilliseconds(1)));
    }
}
