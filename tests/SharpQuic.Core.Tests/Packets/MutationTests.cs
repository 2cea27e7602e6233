using System.Diagnostics;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Wire;
using SharpQuic.Cryptography;

namespace SharpQuic.Core.Tests.Packets;

/// <summary>
/// Mutated datagrams through the header parser, the coalesced reader and Unprotect with the
/// right keys: every outcome is a value (parsed, decrypted, or an error code); no exception
/// escapes.
/// </summary>
public sealed class MutationTests
{
    private const int CidLength = 8;
    private const int Iterations = 100_000;
    private static readonly byte[] s_cid = [0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8];

    [Fact]
    public void MutatedDatagramsNeverThrow()
    {
        using var v1 = new PacketTestKit(QuicVersion.V1, 100);
        using var v2 = new PacketTestKit(QuicVersion.V2, 200);
        List<Seed> seeds = [];
        AddSeeds(seeds, v1);
        AddSeeds(seeds, v2);

        // Every seed is valid before mutation.
        foreach (Seed seed in seeds)
        {
            byte[] copy = (byte[])seed.Data.Clone();
            Assert.Equal(seed.ValidPackets, Process(copy, v1, v2, out _));
        }

        var random = new Random(8999);
        byte[] buffer = new byte[4096];
        var stats = new int[8];
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++)
        {
            Seed seed = seeds[i % seeds.Count];
            seed.Data.CopyTo(buffer, 0);
            int length = Mutate(random, buffer, seed.Data.Length, seed.LengthOffsets);
            if (random.Next(4) == 0)
            {
                length = Mutate(random, buffer, length, seed.LengthOffsets);
            }

            int decrypted = Process(buffer.AsSpan(0, length), v1, v2, out PacketProtectionResult last);
            stats[(int)last]++;
            stats[4] += decrypted;
        }

        watch.Stop();

        // The mutations both kept some packets decryptable and broke others.
        Assert.True(stats[4] > 0, "no mutated packet decrypted");
        Assert.True(stats[(int)PacketProtectionResult.DecryptionFailed] > 0);
        Assert.True(stats[(int)PacketProtectionResult.TooShort] > 0);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"took {watch.Elapsed}");
    }

    private static int Mutate(Random random, byte[] buffer, int length, int[] lengthOffsets)
    {
        switch (random.Next(6))
        {
            case 0: // bit flips
                for (int i = random.Next(1, 5); i > 0 && length > 0; i--)
                {
                    int bit = random.Next(length * 8);
                    buffer[bit / 8] ^= (byte)(1 << (bit % 8));
                }

                return length;
            case 1: // truncation
                return random.Next(0, length + 1);
            case 2: // insertion
            {
                int count = Math.Min(random.Next(1, 9), buffer.Length - length);
                int at = random.Next(0, length + 1);
                Array.Copy(buffer, at, buffer, at + count, length - at);
                random.NextBytes(buffer.AsSpan(at, count));
                return length + count;
            }

            case 3: // Length field overwritten with any varint, possibly a longer encoding
                if (lengthOffsets.Length > 0)
                {
                    int offset = lengthOffsets[random.Next(lengthOffsets.Length)];
                    int size = 1 << random.Next(4);
                    ulong max = size switch { 1 => 63, 2 => 16383, 4 => 1073741823, _ => VarInt.MaxValue };
                    ulong value = random.Next(3) == 0 ? (ulong)random.NextInt64(0, (long)Math.Min(max, 3000) + 1) : (ulong)random.NextInt64(0, (long)max) + 1;
                    if (offset + size <= length)
                    {
                        VarInt.WriteWithLength(buffer.AsSpan(offset), Math.Min(value, max), size);
                    }
                }

                return length;
            case 4: // header bytes overwritten
                for (int i = random.Next(1, 4); i > 0 && length > 0; i--)
                {
                    buffer[random.Next(Math.Min(length, 40))] = (byte)random.Next(256);
                }

                return length;
            default: // a connection ID length byte or the first byte replaced
                if (length > 5)
                {
                    buffer[random.Next(2) == 0 ? 0 : 5] = (byte)random.Next(256);
                }

                return length;
        }
    }

    /// <summary>Runs one datagram through everything; returns how many packets decrypted.</summary>
    private static int Process(Span<byte> datagram, PacketTestKit v1, PacketTestKit v2, out PacketProtectionResult last)
    {
        last = PacketProtectionResult.Success;
        int decrypted = 0;

        // The parser alone, on an untouched copy.
        Span<byte> copy = stackalloc byte[datagram.Length];
        datagram.CopyTo(copy);
        _ = PacketHeader.TryParse(copy, CidLength, out _);

        var reader = new CoalescedPacketReader(datagram, CidLength);
        while (reader.MoveNext())
        {
            PacketHeader header = reader.Current;
            Span<byte> packet = reader.CurrentPacket;
            if (header.Type == PacketType.Retry && header.Version.IsSupported)
            {
                _ = RetryPacket.IsIntegrityTagValid(packet, header.Version, PacketTestKit.ClientDcid);
                continue;
            }

            if (header.Type == PacketType.VersionNegotiation)
            {
                _ = VersionNegotiationPacket.Evaluate(header, QuicVersion.V1, s_cid, s_cid);
                continue;
            }

            if (header.PacketNumberOffset < 0)
            {
                continue;
            }

            // The right keys: those of the packet's version (short headers: v1's and v2's are tried in turn on copies).
            PacketTestKit kit = header.Version == QuicVersion.V2 ? v2 : v1;
            PacketProtectionKeys keys = kit.KeysFor(header.Type);
            if (!header.IsLongHeader)
            {
                packet.CopyTo(copy);
                last = PacketProtection.Unprotect(copy[..packet.Length], header.PacketNumberOffset, 0, v2.OneRtt, out _, out _, out _);
                decrypted += last == PacketProtectionResult.Success ? 1 : 0;
            }

            last = PacketProtection.Unprotect(packet, header.PacketNumberOffset, 0, keys, out _, out int payloadOffset, out int payloadLength);
            if (last == PacketProtectionResult.Success)
            {
                Assert.True(payloadOffset + payloadLength + 16 == packet.Length);
                decrypted++;
            }
        }

        return decrypted;
    }

    private static void AddSeeds(List<Seed> seeds, PacketTestKit kit)
    {
        byte[] payload = new byte[1100];
        payload[0] = 0x06;
        byte[] datagram = new byte[1400];

        int n = kit.WriteLong(datagram, PacketType.Initial, PacketTestKit.ClientDcid, s_cid, default, 0, 4, payload);
        seeds.Add(Seed.From(datagram, n, 1, LengthOffset(datagram, 0, 2)));

        n = kit.WriteLong(datagram, PacketType.Initial, PacketTestKit.ClientDcid, s_cid, new byte[] { 1, 2, 3, 4, 5 }, 1, 2, payload.AsSpan(0, 60), lengthFieldSize: 4);
        seeds.Add(Seed.From(datagram, n, 1, LengthOffset(datagram, 0, 4)));

        n = kit.WriteLong(datagram, PacketType.Handshake, s_cid, s_cid, default, 3, 1, payload.AsSpan(0, 30));
        seeds.Add(Seed.From(datagram, n, 1, LengthOffset(datagram, 0, 2)));

        n = kit.WriteLong(datagram, PacketType.ZeroRtt, s_cid, s_cid, default, 3, 3, payload.AsSpan(0, 200));
        seeds.Add(Seed.From(datagram, n, 1, LengthOffset(datagram, 0, 2)));

        n = kit.WriteShort(datagram, s_cid, keyPhase: true, 77, 2, payload.AsSpan(0, 100));
        seeds.Add(Seed.From(datagram, n, 1));

        // Initial + Handshake + 1-RTT in one datagram.
        int first = kit.WriteLong(datagram, PacketType.Initial, s_cid, s_cid, default, 4, 2, payload.AsSpan(0, 50));
        int second = kit.WriteLong(datagram.AsSpan(first), PacketType.Handshake, s_cid, s_cid, default, 5, 2, payload.AsSpan(0, 50));
        n = first + second + kit.WriteShort(datagram.AsSpan(first + second), s_cid, false, 6, 1, payload.AsSpan(0, 50));
        seeds.Add(Seed.From(datagram, n, 3, LengthOffset(datagram, 0, 2), first + LengthOffset(datagram.AsSpan(first), 0, 2)));

        Assert.True(RetryPacket.TryWrite(datagram, kit.Version, s_cid, s_cid, new byte[] { 9, 8, 7, 6 }, PacketTestKit.ClientDcid, 3, out n));
        seeds.Add(Seed.From(datagram, n, 0));

        Assert.True(VersionNegotiationPacket.TryWrite(datagram, 0x55, s_cid, s_cid, [QuicVersion.V1, QuicVersion.V2], QuicVersion.CreateReserved(0x12345678), out n));
        seeds.Add(Seed.From(datagram, n, 0));
    }

    private static int LengthOffset(ReadOnlySpan<byte> packet, int start, int size)
    {
        Assert.Equal(PacketParseStatus.Success, PacketHeader.TryParse(packet[start..], CidLength, out PacketHeader header));
        return start + header.PacketNumberOffset - size;
    }

    private sealed record Seed(byte[] Data, int ValidPackets, int[] LengthOffsets)
    {
        public static Seed From(byte[] datagram, int length, int validPackets, params int[] lengthOffsets)
            => new(datagram[..length], validPackets, lengthOffsets);
    }
}
