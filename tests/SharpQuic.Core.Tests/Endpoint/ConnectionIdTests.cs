using System.Runtime.CompilerServices;
using SharpQuic.Core.Endpoint;
using SharpQuic.Cryptography;

namespace SharpQuic.Core.Tests.Endpoint;

public sealed class ConnectionIdTests
{
    [Fact]
    public void Every_length_from_0_to_20_round_trips_inline()
    {
        var random = new DeterministicRandomSource(1);
        for (int length = 0; length <= ConnectionId.MaxLength; length++)
        {
            byte[] bytes = new byte[length];
            random.Fill(bytes);
            var cid = new ConnectionId(bytes);
            Assert.Equal(length, cid.Length);
            Assert.Equal(bytes, cid.Span.ToArray());
            Assert.Equal(Convert.ToHexStringLower(bytes), cid.ToString());
            Assert.True(ConnectionId.TryCreate(bytes, out ConnectionId again));
            Assert.Equal(cid, again);
        }

        // Stored inline: the struct holds no reference, and is no bigger than its bytes and length.
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<ConnectionId>());
        Assert.True(Unsafe.SizeOf<ConnectionId>() <= 24);
    }

    [Fact]
    public void Twenty_one_bytes_are_refused()
    {
        byte[] tooLong = new byte[21];
        Assert.False(ConnectionId.TryCreate(tooLong, out _));
        Assert.Throws<ArgumentException>(() => new ConnectionId(tooLong));
    }

    [Fact]
    public void Equality_depends_on_length_and_every_byte()
    {
        var a = new ConnectionId([1, 2, 3, 4]);
        Assert.Equal(a, new ConnectionId([1, 2, 3, 4]));
        Assert.True(a == new ConnectionId([1, 2, 3, 4]));
        Assert.NotEqual(a, new ConnectionId([1, 2, 3]));
        Assert.NotEqual(a, new ConnectionId([1, 2, 3, 4, 0]));
        Assert.NotEqual(a, new ConnectionId([1, 2, 3, 5]));
        Assert.True(a != new ConnectionId([0, 2, 3, 4]));
        Assert.NotEqual(new ConnectionId([0]), ConnectionId.Empty);
        Assert.Equal(a.GetHashCode(), new ConnectionId([1, 2, 3, 4]).GetHashCode());
        Assert.Equal("", ConnectionId.Empty.ToString());
        Assert.Equal(3, a[2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => a[4]);
    }

    [Fact]
    public void Hashes_spread_and_depend_on_the_comparer_seed()
    {
        var random = new DeterministicRandomSource(2);
        var plain = new HashSet<int>();
        var seededA = new ConnectionIdComparer(11);
        var seededB = new ConnectionIdComparer(12);
        int sameAcrossSeeds = 0;
        Span<byte> bytes = stackalloc byte[8];
        for (int i = 0; i < 1_000; i++)
        {
            random.Fill(bytes);
            var cid = new ConnectionId(bytes);
            plain.Add(cid.GetHashCode());
            sameAcrossSeeds += seededA.GetHashCode(cid) == seededB.GetHashCode(cid) ? 1 : 0;
            Assert.Equal(seededA.GetHashCode(cid), seededA.GetHashCode(new ConnectionId(bytes)));
        }

        Assert.True(plain.Count > 990);
        Assert.True(sameAcrossSeeds < 5);

        var table = new Dictionary<ConnectionId, int>(seededA) { [new ConnectionId([9, 9])] = 1 };
        Assert.True(table.ContainsKey(new ConnectionId([9, 9])));
        Assert.False(table.ContainsKey(new ConnectionId([9])));
    }

    [Fact]
    public void The_random_generator_writes_its_length()
    {
        for (int length = 0; length <= ConnectionId.MaxLength; length++)
        {
            var generator = new RandomConnectionIdGenerator(length, new DeterministicRandomSource(length));
            ConnectionId first = generator.Generate();
            ConnectionId second = generator.Generate();
            Assert.Equal(length, first.Length);
            if (length >= 4)
            {
                Assert.NotEqual(first, second);
            }

            Assert.False(((IConnectionIdGenerator)generator).TryDecodeWorker(first.Span, out _));
            Assert.Throws<ArgumentException>(() => generator.Generate(new byte[length + 1]));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomConnectionIdGenerator(21, new DeterministicRandomSource(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomConnectionIdGenerator(-1, new DeterministicRandomSource(0)));
    }

    [Fact]
    public void A_generator_can_encode_a_worker()
    {
        IConnectionIdGenerator generator = new WorkerGenerator(worker: 3);
        ConnectionId cid = generator.Generate();
        Assert.True(generator.TryDecodeWorker(cid.Span, out int worker));
        Assert.Equal(3, worker);
        Assert.False(generator.TryDecodeWorker([], out _));
    }

    private sealed class WorkerGenerator(int worker) : IConnectionIdGenerator
    {
        private readonly DeterministicRandomSource _random = new(5);

        public int Length => 8;

        public void Generate(Span<byte> destination)
        {
            _random.Fill(destination);
            destination[0] = (byte)worker;
        }

        public bool TryDecodeWorker(ReadOnlySpan<byte> connectionId, out int decoded)
        {
            decoded = connectionId.Length == Length ? connectionId[0] : 0;
            return connectionId.Length == Length;
        }
    }
}
