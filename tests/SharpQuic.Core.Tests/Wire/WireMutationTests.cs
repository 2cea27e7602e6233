using SharpQuic.Core.Packets;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Wire;

/// <summary>
/// Feeds mutated copies of valid frame payloads and transport parameter blobs to the parsers:
/// each must parse or fail with the protocol's error code, never throw.
/// </summary>
public sealed class WireMutationTests
{
    private static readonly PacketType[] PacketTypes = [PacketType.Initial, PacketType.Handshake, PacketType.ZeroRtt, PacketType.OneRtt];

    private static readonly byte[][] ExtremeVarInts =
    [
        [0x3f], [0x7f, 0xff], [0xbf, 0xff, 0xff, 0xff], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        [0xc0, 0, 0, 0, 0, 0, 0, 0], [0x40, 0x00], [0x00], [0xd0, 0, 0, 0, 0, 0, 0, 1],
    ];

    [Fact]
    public void Mutated_frame_payloads_parse_or_fail_with_a_frame_error()
    {
        var random = new Random(21);
        byte[] seed = new byte[1500];
        var ranges = new List<AckRange>();
        int outcomes = 0;
        for (int i = 0; i < 70_000; i++)
        {
            int length = BuildPayload(random, seed, ranges);
            byte[] input = Mutate(random, seed.AsSpan(0, length));
            foreach (PacketType packetType in PacketTypes)
            {
                TransportErrorCode error = WalkAll(input, packetType);
                Assert.True(
                    error is TransportErrorCode.NoError or TransportErrorCode.FrameEncodingError or TransportErrorCode.ProtocolViolation,
                    $"unexpected {error}");
                outcomes += error == TransportErrorCode.NoError ? 1 : 0;
            }
        }

        // The mutations must leave a share of inputs valid, or the walk would not be exercised.
        Assert.InRange(outcomes, 1000, 279_000);
    }

    [Fact]
    public void Mutated_transport_parameters_parse_or_fail_with_a_transport_parameter_error()
    {
        var random = new Random(22);
        byte[] buffer = new byte[1024];
        int accepted = 0;
        for (int i = 0; i < 40_000; i++)
        {
            bool server = random.Next(2) == 0;
            TransportParameters p = TransportParametersTests.RandomParameters(random, server);
            Assert.True(p.TryWrite(buffer, random.Next(4) == 0 ? (ulong)random.Next(1000) : null, WireRandom.Bytes(random, 8), out int written));
            byte[] input = Mutate(random, buffer.AsSpan(0, written));
            foreach (bool sentByServer in new[] { true, false })
            {
                TransportErrorCode error = TransportParameters.TryParse(input, sentByServer, out var parsed, out string? reason);
                Assert.True(error is TransportErrorCode.NoError or TransportErrorCode.TransportParameterError, $"unexpected {error}");
                Assert.Equal(error == TransportErrorCode.NoError, parsed is not null);
                Assert.Equal(error == TransportErrorCode.NoError, reason is null);
                accepted += error == TransportErrorCode.NoError ? 1 : 0;
            }
        }

        Assert.InRange(accepted, 100, 79_000);
    }

    // Walks the whole payload, asking for every frame through its typed Read method so the
    // per-type parsers and the ACK range enumerator all run.
    private static TransportErrorCode WalkAll(byte[] payload, PacketType packetType)
    {
        var reader = new FrameReader(payload, packetType);
        while (reader.TryReadNext(out FrameType type, out TransportErrorCode error))
        {
            switch (type)
            {
                case FrameType.Ack or FrameType.AckEcn:
                    error = reader.ReadAck(out AckFrame ack);
                    if (error == TransportErrorCode.NoError)
                    {
                        ulong previousSmallest = ulong.MaxValue;
                        foreach (AckRange range in ack)
                        {
                            Assert.True(range.Smallest <= range.Largest && range.Largest < previousSmallest);
                            previousSmallest = range.Smallest;
                        }
                    }

                    break;
                case FrameType.Stream:
                    error = reader.ReadStream(out StreamFrame stream);
                    Assert.True(error != TransportErrorCode.NoError || stream.Offset + (ulong)stream.Data.Length <= VarInt.MaxValue);
                    break;
                case FrameType.Crypto:
                    error = reader.ReadCrypto(out _);
                    break;
                case FrameType.NewConnectionId:
                    error = reader.ReadNewConnectionId(out NewConnectionIdFrame ncid);
                    Assert.True(error != TransportErrorCode.NoError || ncid.ConnectionId.Length is >= 1 and <= 20);
                    break;
                case FrameType.ConnectionClose or FrameType.ConnectionCloseApplication:
                    error = reader.ReadConnectionClose(out _);
                    break;
                case FrameType.Datagram or FrameType.DatagramLen:
                    error = reader.ReadDatagram(out _);
                    break;
                default:
                    error = reader.Skip();
                    break;
            }

            if (error != TransportErrorCode.NoError)
            {
                return error;
            }
        }

        reader.TryReadNext(out _, out TransportErrorCode end);
        return end;
    }

    private static int BuildPayload(Random random, byte[] buffer, List<AckRange> ranges)
    {
        var w = new QuicWriter(buffer.AsSpan(0, random.Next(20, buffer.Length)));
        int frames = random.Next(1, 8);
        for (int f = 0; f < frames; f++)
        {
            byte[] data = WireRandom.Bytes(random, 40);
            ulong a = WireRandom.VarInt62(random), b = WireRandom.VarInt62(random);
            bool last = f == frames - 1;
            switch (random.Next(16))
            {
                case 0: new PaddingFrame(random.Next(1, 10)).TryWrite(ref w); break;
                case 1: default(PingFrame).TryWrite(ref w); break;
                case 2:
                    FrameRoundTripTests.RandomRanges(random, ranges);
                    AckFrame.TryWrite(ref w, ranges.ToArray(), a, random.Next(2) == 0 ? null : new EcnCounts(a, b, 1), out _);
                    break;
                case 3: new ResetStreamFrame(a, b, a).TryWrite(ref w); break;
                case 4: new CryptoFrame(Math.Min(a, 1UL << 40), data).TryWrite(ref w); break;
                case 5: new NewTokenFrame(WireRandom.Bytes(random, 30, 1)).TryWrite(ref w); break;
                case 6: new StreamFrame(a, Math.Min(b, 1UL << 40), data, random.Next(2) == 0, !last || random.Next(2) == 0).TryWrite(ref w); break;
                case 7: new MaxStreamsFrame(random.Next(2) == 0, Math.Min(a, 1UL << 60)).TryWrite(ref w); break;
                case 8: new StreamsBlockedFrame(random.Next(2) == 0, Math.Min(b, 1UL << 60)).TryWrite(ref w); break;
                case 9:
                    new NewConnectionIdFrame(a, Math.Min(a, b), WireRandom.Bytes(random, 20, 1), WireRandom.Bytes(random, 16, 16)).TryWrite(ref w);
                    break;
                case 10: new PathChallengeFrame((ulong)random.NextInt64()).TryWrite(ref w); break;
                case 11:
                    (random.Next(2) == 0 ? ConnectionCloseFrame.Application(a, data) : ConnectionCloseFrame.Transport(TransportErrorCode.ProtocolViolation, b, data)).TryWrite(ref w);
                    break;
                case 12: new DatagramFrame(data, !last || random.Next(2) == 0).TryWrite(ref w); break;
                case 13: new MaxStreamDataFrame(a, b).TryWrite(ref w); break;
                case 14: default(HandshakeDoneFrame).TryWrite(ref w); break;
                default: new RetireConnectionIdFrame(a).TryWrite(ref w); break;
            }
        }

        return w.Written;
    }

    private static byte[] Mutate(Random random, ReadOnlySpan<byte> seed)
    {
        var bytes = new List<byte>(seed.Length + 16);
        bytes.AddRange(seed);
        int mutations = random.Next(1, 4);
        for (int m = 0; m < mutations; m++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at); // truncate
                    break;
                case 2:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                default:
                    byte[] extreme = ExtremeVarInts[random.Next(ExtremeVarInts.Length)];
                    for (int k = 0; k < extreme.Length; k++)
                    {
                        if (at + k < bytes.Count)
                        {
                            bytes[at + k] = extreme[k];
                        }
                        else
                        {
                            bytes.Add(extreme[k]);
                        }
                    }

                    break;
            }
        }

        return [.. bytes];
    }
}
