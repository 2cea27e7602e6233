using System.Buffers;
using System.Text;
using SharpQuic.Http3.Wire;
using static SharpQuic.Http3.Tests.Wire.Harness;

namespace SharpQuic.Http3.Tests.Wire;

public sealed class CapsuleTests
{
    private static readonly CapsuleType[] VarIntCapsules =
    [
        CapsuleType.WebTransportMaxData, CapsuleType.WebTransportMaxStreamsBidi, CapsuleType.WebTransportMaxStreamsUni,
        CapsuleType.WebTransportDataBlocked, CapsuleType.WebTransportStreamsBlockedBidi, CapsuleType.WebTransportStreamsBlockedUni,
    ];

    [Fact]
    public void Every_capsule_round_trips_under_every_chunking()
    {
        var random = new Random(9297);
        var buffer = new byte[2048];
        for (int round = 0; round < 10; round++)
        {
            var input = new ArrayBufferWriter<byte>();
            var expected = new List<Seen>();

            byte[] datagram = Bytes(random, random.Next(0, 40));
            Assert.True(CapsuleWriter.TryWriteDatagram(buffer, datagram, out int w));
            input.Write(buffer.AsSpan(0, w));
            expected.Add(new Seen("Capsule", 0x00, 0, datagram, Http3ErrorCode.NoError));

            CapsuleWriter.WriteCapsule(input, 0x17 + (ulong)random.Next(1000) * 0x10000, Bytes(random, random.Next(0, 30))); // unknown

            foreach (CapsuleType type in VarIntCapsules)
            {
                ulong value = VarIntValue(random) & ((1UL << 60) - 1);
                Assert.True(CapsuleWriter.TryWriteVarIntCapsule(buffer, type, value, out w));
                input.Write(buffer.AsSpan(0, w));
                expected.Add(new Seen("Capsule", (ulong)type, value, [], Http3ErrorCode.NoError));
            }

            Assert.True(CapsuleWriter.TryWriteDrainSession(buffer, out w));
            input.Write(buffer.AsSpan(0, w));
            expected.Add(new Seen("Capsule", 0x78ae, 0, [], Http3ErrorCode.NoError));

            uint code = (uint)random.NextInt64(0, 1L << 32);
            byte[] message = Encoding.UTF8.GetBytes("closing: é 😀 " + new string('x', random.Next(0, 50)));
            Assert.True(CapsuleWriter.TryWriteCloseSession(buffer, code, message, out w));
            input.Write(buffer.AsSpan(0, w));
            expected.Add(new Seen("Capsule", 0x2843, code, message, Http3ErrorCode.NoError));

            byte[] bytes = input.WrittenSpan.ToArray();
            foreach (int[] cuts in Chunkings(bytes.Length, random, allSplits: round < 2))
            {
                var reader = new CapsuleReader();
                AssertSame(expected, ReadCapsules(reader, bytes, cuts));
                Assert.True(reader.TryComplete(out _));
            }
        }
    }

    [Fact]
    public void Unknown_capsules_of_any_length_are_skipped_without_buffering()
    {
        var reader = new CapsuleReader();
        Assert.Equal(CapsuleReadStatus.NeedMoreData, reader.Read(VarInts(0x1234_5678, (1UL << 62) - 1), out _, out _));
        Assert.Equal(CapsuleReadStatus.NeedMoreData, reader.Read(new byte[200_000], out int consumed, out _));
        Assert.Equal(200_000, consumed);
        Assert.False(reader.TryComplete(out Http3ErrorCode error));
        Assert.Equal(Http3ErrorCode.MessageError, error); // §3.3: a truncated capsule at FIN
    }

    [Fact]
    public void Oversize_datagram_capsules_are_dropped_and_reading_continues()
    {
        var reader = new CapsuleReader(maxDatagramSize: 10);
        byte[] input = Concat(Capsule(0x00, new byte[11]), Capsule(0x00, new byte[10]), Capsule(0x78ae, []));
        List<Seen> seen = ReadCapsules(reader, input, [3, 7]);
        Assert.Equal(2, seen.Count);
        Assert.Equal(10, seen[0].Payload.Length);
        Assert.Equal(0x78aeUL, seen[1].Type);
        Assert.Equal(1, reader.DroppedDatagrams);
    }

    public static TheoryData<byte[], Http3ErrorCode> MalformedCases() => new()
    {
        { Capsule(0x2843, [0, 0, 1]), Http3ErrorCode.MessageError }, // shorter than the error code
        { Capsule(0x2843, Concat([0, 0, 0, 1], new byte[1025])), Http3ErrorCode.MessageError }, // message over 1024 bytes
        { Capsule(0x2843, [0, 0, 0, 1, 0xc3, 0x28]), Http3ErrorCode.MessageError }, // invalid UTF-8
        { Capsule(0x2843, [0, 0, 0, 1, 0xe2, 0x82]), Http3ErrorCode.MessageError }, // cut UTF-8 sequence
        { Capsule(0x78ae, [0]), Http3ErrorCode.MessageError }, // WT_DRAIN_SESSION is empty
        { Capsule(0x190B4D3D, []), Http3ErrorCode.MessageError }, // no value
        { Capsule(0x190B4D3D, [0x05, 0x00]), Http3ErrorCode.MessageError }, // extra byte
        { Capsule(0x190B4D41, [0x40]), Http3ErrorCode.MessageError }, // value cut short
        { Capsule(0x190B4D3F, new byte[9]), Http3ErrorCode.MessageError }, // longer than a varint
        { Capsule(0x190B4D3E, VarInts(100)), Http3ErrorCode.MessageError }, // WT_MAX_STREAM_DATA: HTTP/2 only
        { Capsule(0x190B4D42, VarInts(100)), Http3ErrorCode.MessageError }, // WT_STREAM_DATA_BLOCKED: HTTP/2 only
        { Capsule(0x190B4D3F, VarInts((1UL << 60) + 1)), Http3ErrorCode.WebTransportFlowControlError },
        { Capsule(0x190B4D44, VarInts((1UL << 62) - 1)), Http3ErrorCode.WebTransportFlowControlError },
    };

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void Malformed_capsules_get_their_error(byte[] input, Http3ErrorCode expected)
    {
        foreach (int[] cuts in Chunkings(input.Length, new Random(2), allSplits: input.Length < 64))
        {
            List<Seen> seen = ReadCapsules(new CapsuleReader(), input, cuts);
            Assert.Single(seen);
            Assert.Equal(expected, seen[0].Error);
        }
    }

    [Fact]
    public void Stream_limits_of_exactly_two_to_the_sixty_are_accepted()
    {
        List<Seen> seen = ReadCapsules(new CapsuleReader(), Capsule(0x190B4D40, VarInts(1UL << 60)), []);
        Assert.Equal(1UL << 60, seen[0].Value);
    }

    [Fact]
    public void A_1024_byte_close_message_is_accepted_and_long_messages_are_cut_at_a_character()
    {
        var message = new byte[1024];
        message.AsSpan().Fill((byte)'a');
        var buffer = new byte[1100];
        Assert.True(CapsuleWriter.TryWriteCloseSession(buffer, 7, message, out int w));
        Assert.Equal(message, ReadCapsules(new CapsuleReader(), buffer[..w], [])[0].Payload);
        Assert.Throws<ArgumentOutOfRangeException>(() => CapsuleWriter.TryWriteCloseSession(buffer, 7, new byte[1025], out _));

        // 1023 ASCII bytes then a 4-byte character: the cut keeps 1023 bytes, a valid string.
        string text = new string('b', 1023) + "😀😀";
        var encoded = new byte[1024];
        int length = CapsuleWriter.EncodeCloseMessage(text, encoded);
        Assert.Equal(1023, length);
        Assert.True(System.Text.Unicode.Utf8.IsValid(encoded.AsSpan(0, length)));
        Assert.Equal(5, CapsuleWriter.EncodeCloseMessage("hello", encoded));
    }

    private static byte[] Capsule(ulong type, byte[] value)
    {
        var writer = new ArrayBufferWriter<byte>();
        CapsuleWriter.WriteCapsule(writer, type, value);
        return writer.WrittenSpan.ToArray();
    }
}
