using SharpQuic.Http3.Wire;
using static SharpQuic.Http3.Tests.Wire.Harness;

namespace SharpQuic.Http3.Tests.Wire;

public sealed class Http3FrameReaderTests
{
    private const ulong Grease = 0x21 + (0x1f * 7);

    [Fact]
    public void Control_stream_frames_round_trip_under_every_chunking()
    {
        var random = new Random(9114);
        for (int round = 0; round < 12; round++)
        {
            var settings = new Http3Settings { QPackMaxTableCapacity = VarIntValue(random), H3Datagram = true };
            byte[] settingsFrame = new byte[settings.GetPayloadLength() + 16];
            Assert.True(settings.TryWriteFrame(settingsFrame, out int settingsLength));
            Array.Resize(ref settingsFrame, settingsLength);
            var payloadOnly = new byte[settings.GetPayloadLength()];
            Assert.True(settings.TryWritePayload(payloadOnly, out _));

            ulong goAway = VarIntValue(random), maxPush = VarIntValue(random), element = 4 * (VarIntValue(random) >> 2), push = VarIntValue(random);
            byte[] priority = "u=3, i"u8.ToArray();
            var buffer = new byte[64];
            byte[] input = Concat(
                settingsFrame,
                Frame(Grease, Bytes(random, random.Next(0, 20))),
                Write(buffer, (Span<byte> d, out int w) => Http3FrameWriter.TryWriteGoAway(d, goAway, out w)),
                Frame(0x3fff_1234, Bytes(random, random.Next(0, 20))), // unknown type: skipped
                Write(buffer, (Span<byte> d, out int w) => Http3FrameWriter.TryWriteMaxPushId(d, maxPush, out w)),
                Write(buffer, (Span<byte> d, out int w) => Http3FrameWriter.TryWritePriorityUpdate(d, false, element, priority, out w)),
                Write(buffer, (Span<byte> d, out int w) => Http3FrameWriter.TryWritePriorityUpdate(d, true, push, [], out w)));

            List<Seen> expected =
            [
                new("Frame", 0x04, 0, payloadOnly, Http3ErrorCode.NoError),
                new("Frame", 0x07, goAway, [], Http3ErrorCode.NoError),
                new("Frame", 0x0d, maxPush, [], Http3ErrorCode.NoError),
                new("Frame", 0xF0700, element, priority, Http3ErrorCode.NoError),
                new("Frame", 0xF0701, push, [], Http3ErrorCode.NoError),
            ];
            foreach (int[] cuts in Chunkings(input.Length, random, allSplits: round < 3))
            {
                var reader = new Http3FrameReader(Http3StreamKind.Control, localIsClient: false);
                AssertSame(expected, ReadFrames(reader, input, cuts));
                Assert.True(reader.IsAtFrameBoundary);
                Assert.True(reader.TryComplete(out _));
            }
        }
    }

    [Fact]
    public void Request_stream_frames_round_trip_under_every_chunking()
    {
        var random = new Random(7);
        for (int round = 0; round < 12; round++)
        {
            byte[] headers = Bytes(random, random.Next(0, 300));
            byte[] body1 = Bytes(random, random.Next(1, 200));
            byte[] body2 = Bytes(random, random.Next(1, 5));
            byte[] trailers = Bytes(random, random.Next(1, 30));
            byte[] input = Concat(
                Frame(0x01, headers),
                Frame(Grease, Bytes(random, 3)),
                Frame(0x00, body1),
                Frame(0x00, []), // an empty DATA frame yields nothing
                Frame(0x21 + (0x1f * (ulong)random.Next(1000)), []),
                Frame(0x00, body2),
                Frame(0x01, trailers));
            List<Seen> expected =
            [
                new("Frame", 0x01, 0, headers, Http3ErrorCode.NoError),
                new("Data", 0x00, 0, body1, Http3ErrorCode.NoError),
                new("Data", 0x00, 0, body2, Http3ErrorCode.NoError),
                new("Frame", 0x01, 0, trailers, Http3ErrorCode.NoError),
            ];
            foreach (int[] cuts in Chunkings(input.Length, random, allSplits: round < 2))
            {
                var reader = new Http3FrameReader(Http3StreamKind.Request, localIsClient: round % 2 == 0);
                AssertSame(expected, ReadFrames(reader, input, cuts));
            }
        }
    }

    [Fact]
    public void Data_payload_is_handed_out_per_chunk_without_buffering()
    {
        // A 1 GiB DATA frame: only its header and the first chunks are ever supplied.
        byte[] header = new byte[16];
        Assert.True(Http3FrameWriter.TryWriteHeader(header, 0x00, 1UL << 30, out int headerLength));
        var reader = new Http3FrameReader(Http3StreamKind.Request, localIsClient: false);
        Assert.Equal(Http3FrameReadStatus.NeedMoreData, reader.Read(header.AsSpan(0, headerLength), out _, out _));
        byte[] chunk = new byte[1000];
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(Http3FrameReadStatus.DataChunk, reader.Read(chunk, out int consumed, out Http3FrameEvent ev));
            Assert.Equal(chunk.Length, consumed);
            Assert.Equal(chunk.Length, ev.Payload.Length);
            Assert.True(ev.Payload.Overlaps(chunk)); // a view of the input, not a copy
            Assert.Equal((1UL << 30) - (ulong)(1000 * (i + 1)), ev.DataRemaining);
        }

        Assert.False(reader.TryComplete(out Http3ErrorCode error));
        Assert.Equal(Http3ErrorCode.FrameError, error); // §7.1: the stream ended inside a frame
    }

    [Fact]
    public void Steady_state_reading_allocates_nothing()
    {
        byte[] input = Concat(Frame(0x01, new byte[200]), Frame(0x00, new byte[3000]), Frame(Grease, new byte[10]), Frame(0x01, new byte[20]));
        var reader = new Http3FrameReader(Http3StreamKind.Request, localIsClient: false);
        int total = Drain(reader, input, 97); // warm-up: the one buffer for split HEADERS is allocated here
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            total += Drain(reader, input, 97);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(101 * 3220, total);
    }

    // Feeds the input in fixed-size chunks; returns the DATA and HEADERS payload bytes seen.
    private static int Drain(Http3FrameReader reader, byte[] input, int chunkSize)
    {
        int seen = 0;
        for (int offset = 0; offset < input.Length; offset += chunkSize)
        {
            ReadOnlySpan<byte> chunk = input.AsSpan(offset, Math.Min(chunkSize, input.Length - offset));
            while (true)
            {
                Http3FrameReadStatus status = reader.Read(chunk, out int consumed, out Http3FrameEvent ev);
                chunk = chunk[consumed..];
                if (status == Http3FrameReadStatus.NeedMoreData)
                {
                    break;
                }

                if (status == Http3FrameReadStatus.Error)
                {
                    return -1; // no assertion here: the assertion library allocates
                }

                seen += ev.Payload.Length;
            }
        }

        return seen;
    }

    [Fact]
    public void Unknown_frame_of_enormous_length_is_skipped_without_buffering()
    {
        byte[] header = VarInts(0x2f_0001, (1UL << 62) - 1);
        var reader = new Http3FrameReader(Http3StreamKind.Request, localIsClient: true);
        Assert.Equal(Http3FrameReadStatus.NeedMoreData, reader.Read(header, out _, out _));
        Assert.Equal(Http3FrameReadStatus.NeedMoreData, reader.Read(new byte[100_000], out int consumed, out _));
        Assert.Equal(100_000, consumed);
        Assert.False(reader.IsAtFrameBoundary);
    }

    [Fact]
    public void A_complete_frame_in_one_chunk_is_parsed_in_place()
    {
        byte[] input = Frame(0x01, [1, 2, 3, 4]);
        var reader = new Http3FrameReader(Http3StreamKind.Request, localIsClient: false);
        Assert.Equal(Http3FrameReadStatus.Frame, reader.Read(input, out _, out Http3FrameEvent ev));
        Assert.True(ev.Payload.Overlaps(input));
    }

    private const int Control = (int)Http3StreamKind.Control;
    private const int Request = (int)Http3StreamKind.Request;
    private const int Push = (int)Http3StreamKind.Push;

    public static TheoryData<int, bool, ulong, Http3ErrorCode> WrongStreamCases() => new()
    {
        // RFC 9114 §7.2.1, §7.2.2: DATA and HEADERS never on the control stream.
        { Control, false, 0x00, Http3ErrorCode.FrameUnexpected },
        { Control, true, 0x01, Http3ErrorCode.FrameUnexpected },
        // §7.2.4: a second SETTINGS, or SETTINGS on any other stream.
        { Control, true, 0x04, Http3ErrorCode.FrameUnexpected },
        { Request, false, 0x04, Http3ErrorCode.FrameUnexpected },
        { Push, true, 0x04, Http3ErrorCode.FrameUnexpected },
        // §7.2.6: GOAWAY only on the control stream.
        { Request, true, 0x07, Http3ErrorCode.FrameUnexpected },
        // §7.2.7: MAX_PUSH_ID only on control, and never received by a client.
        { Control, true, 0x0d, Http3ErrorCode.FrameUnexpected },
        { Request, false, 0x0d, Http3ErrorCode.FrameUnexpected },
        // §7.2.3: CANCEL_PUSH off the control stream; on it, a push ID never allowed or promised.
        { Request, true, 0x03, Http3ErrorCode.FrameUnexpected },
        { Control, true, 0x03, Http3ErrorCode.IdError },
        { Control, false, 0x03, Http3ErrorCode.IdError },
        // §7.2.5: PUSH_PROMISE to a server, on the control stream, on a push stream; to a client that sent no MAX_PUSH_ID.
        { Request, false, 0x05, Http3ErrorCode.FrameUnexpected },
        { Control, true, 0x05, Http3ErrorCode.FrameUnexpected },
        { Push, true, 0x05, Http3ErrorCode.FrameUnexpected },
        { Request, true, 0x05, Http3ErrorCode.IdError },
        // RFC 9218 §7.2: PRIORITY_UPDATE from clients, on the control stream.
        { Control, true, 0xF0700, Http3ErrorCode.FrameUnexpected },
        { Request, false, 0xF0701, Http3ErrorCode.FrameUnexpected },
        // §7.2.8: HTTP/2 frame types.
        { Control, false, 0x02, Http3ErrorCode.FrameUnexpected },
        { Request, true, 0x06, Http3ErrorCode.FrameUnexpected },
        { Push, true, 0x08, Http3ErrorCode.FrameUnexpected },
        { Request, false, 0x09, Http3ErrorCode.FrameUnexpected },
        // draft-ietf-webtrans-http3 §4.3: WT_STREAM anywhere but the start of a bidirectional stream.
        { Control, false, 0x41, Http3ErrorCode.FrameError },
        { Request, false, 0x41, Http3ErrorCode.FrameError },
        { Push, true, 0x41, Http3ErrorCode.FrameError },
    };

    [Theory]
    [MemberData(nameof(WrongStreamCases))]
    public void Frames_on_the_wrong_stream_are_rejected_with_their_code(int streamKind, bool localIsClient, ulong type, Http3ErrorCode expected)
    {
        var kind = (Http3StreamKind)streamKind;
        // The bad frame comes after a legitimate first frame, so only the per-stream rule can fire.
        byte[] first = kind == Http3StreamKind.Control ? Frame(0x04, []) : Frame(0x01, [0, 0]);
        byte[] input = Concat(first, VarIntFrame(type, 4));
        var reader = new Http3FrameReader(kind, localIsClient, new Http3FrameReaderOptions { WebTransportEnabled = true });
        List<Seen> seen = ReadFrames(reader, input, []);
        Assert.Equal("Error", seen[^1].Kind);
        Assert.Equal(expected, seen[^1].Error);
        Assert.Equal(type, seen[^1].Type);

        // Errors are sticky.
        Assert.Equal(Http3FrameReadStatus.Error, reader.Read(Frame(0x01, []), out int consumed, out Http3FrameEvent again));
        Assert.Equal(0, consumed);
        Assert.Equal(expected, again.Error);
    }

    [Theory]
    [InlineData(0x00UL)]
    [InlineData(0x01UL)]
    [InlineData(0x07UL)]
    [InlineData(0x21UL)] // even a GREASE frame may not come first (RFC 9114 §6.2.1)
    [InlineData(0x12345UL)]
    public void Control_stream_must_start_with_settings(ulong type)
    {
        var reader = new Http3FrameReader(Http3StreamKind.Control, localIsClient: true);
        List<Seen> seen = ReadFrames(reader, Concat(Frame(type, [0]), Frame(0x04, [])), []);
        Assert.Single(seen);
        Assert.Equal(Http3ErrorCode.MissingSettings, seen[0].Error);
    }

    [Fact]
    public void Frames_allowed_by_the_rules_pass_and_unknown_frames_are_ignored_everywhere()
    {
        foreach (Http3StreamKind kind in new[] { Http3StreamKind.Control, Http3StreamKind.Request, Http3StreamKind.Push })
        {
            foreach (bool client in new[] { true, false })
            {
                Assert.True(Http3FrameRules.IsAllowed(kind, client, Grease, firstOnStream: kind != Http3StreamKind.Control, out _));
                Assert.True(Http3FrameRules.IsAllowed(kind, client, 0x7fff_ffff, firstOnStream: false, out _));
            }
        }

        Assert.True(Http3FrameRules.IsAllowed(Http3StreamKind.Control, false, 0x0d, false, out _));
        Assert.True(Http3FrameRules.IsAllowed(Http3StreamKind.Control, true, 0x07, false, out _));
        Assert.True(Http3FrameRules.IsAllowed(Http3StreamKind.Push, true, 0x00, false, out _));
        Assert.True(Http3FrameRules.IsAllowed(Http3StreamKind.Push, true, 0x01, true, out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x07, 0x00 })] // GOAWAY with an empty payload
    [InlineData(new byte[] { 0x07, 0x02, 0x05, 0x00 })] // a trailing byte after the ID
    [InlineData(new byte[] { 0x07, 0x01, 0x40 })] // the ID is cut short by the length
    [InlineData(new byte[] { 0x0d, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0 })] // longer than any varint
    [InlineData(new byte[] { 0x07, 0x04, 0x40, 0x05, 0x00, 0x00 })] // two-byte ID plus extra
    [InlineData(new byte[] { 0x04, 0x01, 0x06 })] // SETTINGS: identifier without value
    [InlineData(new byte[] { 0x04, 0x03, 0x06, 0x80, 0x00 })] // SETTINGS: value cut short
    [InlineData(new byte[] { 0x80, 0x0f, 0x07, 0x00, 0x00 })] // PRIORITY_UPDATE with no element ID
    [InlineData(new byte[] { 0x80, 0x0f, 0x07, 0x00, 0x01, 0x40 })] // PRIORITY_UPDATE element ID cut short
    public void Bounded_frames_with_bad_lengths_are_frame_errors(byte[] frame)
    {
        var reader = new Http3FrameReader(Http3StreamKind.Control, localIsClient: false);
        byte[] input = frame[0] == 0x04 ? frame : Concat(Frame(0x04, []), frame);
        foreach (int[] cuts in Chunkings(input.Length, new Random(1)))
        {
            reader = new Http3FrameReader(Http3StreamKind.Control, localIsClient: false);
            List<Seen> seen = ReadFrames(reader, input, cuts);
            Assert.Equal(Http3ErrorCode.FrameError, seen[^1].Error);
        }
    }

    [Fact]
    public void Identifier_rules_of_goaway_max_push_id_and_priority_update()
    {
        byte[] settings = Frame(0x04, []);

        // RFC 9114 §7.2.6: a server's GOAWAY carries a client-initiated bidirectional stream ID.
        Assert.Equal(Http3ErrorCode.IdError, Last(true, settings, VarIntFrame(0x07, 6)).Error);
        Assert.Equal("Frame", Last(true, settings, VarIntFrame(0x07, 8)).Kind);
        Assert.Equal("Frame", Last(false, settings, VarIntFrame(0x07, 7)).Kind); // a client's GOAWAY carries a push ID

        // §5.2: later GOAWAY frames may not raise the identifier.
        Assert.Equal("Frame", Last(true, settings, VarIntFrame(0x07, 8), VarIntFrame(0x07, 8), VarIntFrame(0x07, 4)).Kind);
        Assert.Equal(Http3ErrorCode.IdError, Last(true, settings, VarIntFrame(0x07, 4), VarIntFrame(0x07, 8)).Error);

        // §7.2.7: MAX_PUSH_ID cannot be reduced.
        Assert.Equal("Frame", Last(false, settings, VarIntFrame(0x0d, 3), VarIntFrame(0x0d, 3), VarIntFrame(0x0d, 9)).Kind);
        Assert.Equal(Http3ErrorCode.IdError, Last(false, settings, VarIntFrame(0x0d, 9), VarIntFrame(0x0d, 8)).Error);

        // RFC 9218 §7.2: a request PRIORITY_UPDATE names a client-initiated bidirectional stream.
        Assert.Equal(Http3ErrorCode.IdError, Last(false, settings, VarIntFrame(0xF0700, 2, "u=1"u8.ToArray())).Error);
        Assert.Equal("Frame", Last(false, settings, VarIntFrame(0xF0701, 2, "u=1"u8.ToArray())).Kind);
    }

    private static Seen Last(bool localIsClient, params byte[][] frames)
        => ReadFrames(new Http3FrameReader(Http3StreamKind.Control, localIsClient), Concat(frames), [])[^1];

    [Fact]
    public void Oversize_headers_are_excessive_load_and_the_limit_itself_is_accepted()
    {
        // Our §4.2.2 choice: an encoded field section larger than we are willing to buffer is a
        // connection error of type H3_EXCESSIVE_LOAD, detected from the frame header alone.
        var options = new Http3FrameReaderOptions { MaxHeadersFrameSize = 100 };
        var atLimit = new Http3FrameReader(Http3StreamKind.Request, false, options);
        Assert.Equal("Frame", ReadFrames(atLimit, Frame(0x01, new byte[100]), [50])[0].Kind);

        var over = new Http3FrameReader(Http3StreamKind.Request, false, options);
        byte[] header = VarInts(0x01, 101);
        Assert.Equal(Http3FrameReadStatus.Error, over.Read(header, out _, out Http3FrameEvent ev));
        Assert.Equal(Http3ErrorCode.ExcessiveLoad, ev.Error);

        var settings = new Http3FrameReader(Http3StreamKind.Control, false, new Http3FrameReaderOptions { MaxSettingsFrameSize = 10 });
        Assert.Equal(Http3FrameReadStatus.Error, settings.Read(VarInts(0x04, 11), out _, out ev));
        Assert.Equal(Http3ErrorCode.ExcessiveLoad, ev.Error);
    }

    [Fact]
    public void WebTransport_signal_opens_a_bidirectional_stream_with_its_session_id()
    {
        var random = new Random(41);
        ulong session = 4 * (ulong)random.Next(1 << 20);
        byte[] body = Bytes(random, 12);
        byte[] input = new byte[32];
        Assert.True(Http3FrameWriter.TryWriteWebTransportStreamSignal(input, session, out int written));
        input = Concat(input[..written], body);
        foreach (int[] cuts in Chunkings(input.Length, random))
        {
            var reader = new Http3FrameReader(Http3StreamKind.Request, localIsClient: false, new Http3FrameReaderOptions { WebTransportEnabled = true });
            List<Seen> seen = ReadFrames(reader, input, cuts);
            Assert.Single(seen);
            Assert.Equal("WebTransport", seen[0].Kind);
            Assert.Equal(session, seen[0].Value);
            Assert.True(reader.TryComplete(out _));
            Assert.Throws<InvalidOperationException>(() => reader.Read([1], out _, out _));
        }

        // Without WebTransport negotiated the signal is a frame error.
        var plain = new Http3FrameReader(Http3StreamKind.Request, localIsClient: false);
        Assert.Equal(Http3ErrorCode.FrameError, ReadFrames(plain, input, [])[0].Error);
    }

    [Fact]
    public void End_of_stream_inside_a_header_or_bounded_payload_is_a_frame_error()
    {
        byte[] frame = Frame(0x01, [1, 2, 3]);
        for (int cut = 1; cut < frame.Length; cut++)
        {
            var reader = new Http3FrameReader(Http3StreamKind.Request, localIsClient: true);
            Assert.Equal(Http3FrameReadStatus.NeedMoreData, reader.Read(frame.AsSpan(0, cut), out _, out _));
            Assert.False(reader.TryComplete(out Http3ErrorCode error));
            Assert.Equal(Http3ErrorCode.FrameError, error);
        }
    }

    [Fact]
    public void Push_frames_are_written_in_their_wire_form()
    {
        var random = new Random(5);
        var buffer = new byte[64];
        for (int i = 0; i < 200; i++)
        {
            ulong pushId = VarIntValue(random);
            byte[] section = Bytes(random, random.Next(0, 20));
            Assert.True(Http3FrameWriter.TryWriteCancelPush(buffer, pushId, out int written));
            Assert.Equal(VarInts(0x03, (ulong)Core.Wire.VarInt.EncodedLength(pushId), pushId), buffer[..written]);
            Assert.True(Http3FrameWriter.TryWritePushPromise(buffer, pushId, section, out written));
            Assert.Equal(Concat(VarInts(0x05, (ulong)(Core.Wire.VarInt.EncodedLength(pushId) + section.Length), pushId), section), buffer[..written]);
            Assert.False(Http3FrameWriter.TryWritePushPromise(buffer.AsSpan(0, written - 1), pushId, section, out _));
        }
    }

    [Fact]
    public void Negative_limits_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Http3FrameReaderOptions { MaxHeadersFrameSize = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new Http3FrameReaderOptions { MaxPriorityFieldValueSize = -1 });
    }

    private delegate bool SpanWrite(Span<byte> destination, out int written);

    private static byte[] Write(byte[] buffer, SpanWrite write)
    {
        Assert.True(write(buffer, out int written));
        return buffer.AsSpan(0, written).ToArray();
    }
}
