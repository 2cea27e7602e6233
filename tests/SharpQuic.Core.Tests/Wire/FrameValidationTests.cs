using SharpQuic.Core.Packets;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Wire;

/// <summary>One test per validation rule of the frame parsers and the frame reader.</summary>
public sealed class FrameValidationTests
{
    private static TransportErrorCode Walk(string hex, PacketType packetType = PacketType.OneRtt)
    {
        var reader = new FrameReader(Convert.FromHexString(hex), packetType);
        TransportErrorCode error;
        while (reader.TryReadNext(out _, out error))
        {
        }

        return error;
    }

    [Theory]
    // ACK: first range larger than the largest acknowledged (§19.3.1).
    [InlineData("02" + "05" + "00" + "00" + "06")]
    // ACK: a gap that goes below zero: largest 5, first 2 → smallest 3; gap 2 → 3 - 2 - 2 < 0.
    [InlineData("02" + "05" + "00" + "01" + "02" + "02" + "00")]
    // ACK: a range length below zero: smallest 3, gap 0 → largest 1, length 2 → -1.
    [InlineData("02" + "05" + "00" + "01" + "02" + "00" + "02")]
    // ACK: a hostile range count far beyond the bytes left.
    [InlineData("02" + "05" + "00" + "bfffffff" + "00" + "0000")]
    // ACK with ECN missing its counts.
    [InlineData("03" + "05" + "00" + "00" + "00" + "01")]
    // STREAM: offset + length above 2^62 - 1 (§19.8).
    [InlineData("0e" + "00" + "ffffffffffffffff" + "01" + "aa")]
    // STREAM: length beyond the packet.
    [InlineData("0a" + "00" + "05" + "aabb")]
    // CRYPTO: offset + length above 2^62 - 1 (§19.6).
    [InlineData("06" + "ffffffffffffffff" + "01" + "aa")]
    // NEW_TOKEN: empty token (§19.7).
    [InlineData("07" + "00")]
    // NEW_CONNECTION_ID: zero-length and 21-byte connection IDs (§19.15).
    [InlineData("18" + "01" + "00" + "00" + "00112233445566778899aabbccddeeff")]
    [InlineData("18" + "01" + "00" + "15" + "000102030405060708090a0b0c0d0e0f1011121314" + "00112233445566778899aabbccddeeff")]
    // NEW_CONNECTION_ID: retire_prior_to greater than the sequence number.
    [InlineData("18" + "01" + "02" + "01" + "aa" + "00112233445566778899aabbccddeeff")]
    // NEW_CONNECTION_ID: reset token cut short.
    [InlineData("18" + "01" + "00" + "01" + "aa" + "0011")]
    // MAX_STREAMS and STREAMS_BLOCKED above 2^60 (§19.11, §19.14).
    [InlineData("12" + "d000000000000001")]
    [InlineData("13" + "d000000000000001")]
    [InlineData("16" + "d000000000000001")]
    [InlineData("17" + "d000000000000001")]
    // CONNECTION_CLOSE: reason longer than what is left.
    [InlineData("1c" + "00" + "00" + "05" + "aabb")]
    [InlineData("1d" + "00" + "05" + "aabb")]
    // DATAGRAM with a length beyond the packet.
    [InlineData("31" + "05" + "aa")]
    // PATH_CHALLENGE short of its 8 bytes.
    [InlineData("1a" + "00112233")]
    // RESET_STREAM truncated.
    [InlineData("04" + "00" + "00")]
    // Unknown frame type (§12.4).
    [InlineData("1f")]
    [InlineData("2f")]
    [InlineData("4040")] // 0x40 is unknown as well
    public void Malformed_frames_are_frame_encoding_errors(string hex) =>
        Assert.Equal(TransportErrorCode.FrameEncodingError, Walk(hex));

    [Fact]
    public void Max_streams_of_exactly_2_pow_60_is_accepted() =>
        Assert.Equal(TransportErrorCode.NoError, Walk("12" + "d000000000000000"));

    [Fact]
    public void Stream_offset_plus_length_of_exactly_2_pow_62_minus_1_is_accepted() =>
        Assert.Equal(TransportErrorCode.NoError, Walk("0e" + "00" + "fffffffffffffffe" + "01" + "aa"));

    [Fact]
    public void An_empty_payload_is_a_protocol_violation() =>
        Assert.Equal(TransportErrorCode.ProtocolViolation, Walk(""));

    [Fact]
    public void A_frame_type_not_minimally_encoded_is_a_protocol_violation() =>
        Assert.Equal(TransportErrorCode.ProtocolViolation, Walk("4001"));

    [Theory]
    [InlineData("08" + "00", PacketType.Initial)]          // STREAM in Initial
    [InlineData("1d" + "00" + "00", PacketType.Handshake)] // application close in Handshake
    [InlineData("02" + "00" + "00" + "00" + "00", PacketType.ZeroRtt)] // ACK in 0-RTT
    [InlineData("1e", PacketType.ZeroRtt)]                 // HANDSHAKE_DONE in 0-RTT
    [InlineData("30", PacketType.Handshake)]               // DATAGRAM in Handshake
    [InlineData("01", PacketType.Retry)]                   // nothing in Retry
    public void A_frame_not_allowed_in_the_packet_type_is_a_protocol_violation(string hex, PacketType packetType) =>
        Assert.Equal(TransportErrorCode.ProtocolViolation, Walk(hex, packetType));

    [Fact]
    public void Stream_without_length_runs_to_the_end_of_the_packet()
    {
        var reader = new FrameReader(Convert.FromHexString("01" + "0c" + "04" + "05" + "aabbcc"), PacketType.OneRtt);
        Assert.True(reader.TryReadNext(out FrameType first, out _));
        Assert.Equal(FrameType.Ping, first);
        Assert.True(reader.TryReadNext(out FrameType second, out _));
        Assert.Equal(FrameType.Stream, second);
        Assert.Equal(0x0cUL, reader.RawFrameType);
        Assert.Equal(TransportErrorCode.NoError, reader.ReadStream(out StreamFrame stream));
        Assert.Equal((4UL, 5UL, false, false), (stream.StreamId, stream.Offset, stream.Fin, stream.HasLength));
        Assert.Equal(new byte[] { 0xaa, 0xbb, 0xcc }, stream.Data.ToArray());
        Assert.False(reader.TryReadNext(out _, out TransportErrorCode end));
        Assert.Equal(TransportErrorCode.NoError, end);
    }

    [Fact]
    public void Reader_walks_mixed_frames_and_padding_runs()
    {
        // PADDING x3, ACK(largest 10, first 2), CRYPTO(0, "hi"), CONNECTION_CLOSE 0x1c, PADDING x2.
        var reader = new FrameReader(Convert.FromHexString("000000" + "020a000002" + "0600026869" + "1c0a0600" + "0000"), PacketType.Initial);
        var seen = new List<FrameType>();
        while (reader.TryReadNext(out FrameType type, out TransportErrorCode error))
        {
            seen.Add(type);
            if (type == FrameType.Crypto)
            {
                Assert.Equal(TransportErrorCode.NoError, reader.ReadCrypto(out CryptoFrame crypto));
                Assert.Equal("hi"u8.ToArray(), crypto.Data.ToArray());
            }
            else if (type == FrameType.Padding)
            {
                Assert.Equal(TransportErrorCode.NoError, reader.ReadPadding(out PaddingFrame padding));
                Assert.True(padding.Length is 2 or 3);
            }
        }

        Assert.Equal([FrameType.Padding, FrameType.Ack, FrameType.Crypto, FrameType.ConnectionClose, FrameType.Padding], seen);
    }

    [Fact]
    public void A_skipped_frame_is_still_validated()
    {
        // A valid PING, then a NEW_TOKEN with an empty token that the caller never reads.
        var reader = new FrameReader(Convert.FromHexString("01" + "0700"), PacketType.OneRtt);
        Assert.True(reader.TryReadNext(out _, out _));
        Assert.True(reader.TryReadNext(out FrameType type, out _));
        Assert.Equal(FrameType.NewToken, type);
        Assert.False(reader.TryReadNext(out _, out TransportErrorCode error));
        Assert.Equal(TransportErrorCode.FrameEncodingError, error);
    }

    [Fact]
    public void Reading_the_wrong_frame_kind_is_a_caller_bug()
    {
        byte[] payload = [0x01];
        Assert.Throws<InvalidOperationException>(() =>
        {
            var reader = new FrameReader(payload, PacketType.OneRtt);
            reader.TryReadNext(out _, out _);
            reader.ReadStream(out _);
        });
    }

    [Fact]
    public void Ack_writer_rejects_ranges_that_touch_or_overlap()
    {
        byte[] buffer = new byte[64];
        Assert.Throws<ArgumentException>(() =>
        {
            var w = new QuicWriter(buffer);
            AckFrame.TryWrite(ref w, [new AckRange(5, 9), new AckRange(2, 4)], 0, null, out _);
        });
        Assert.Throws<ArgumentException>(() =>
        {
            var w = new QuicWriter(buffer);
            AckFrame.TryWrite(ref w, [], 0, null, out _);
        });
    }

    [Fact]
    public void Ack_wire_fields_follow_section_19_3_1()
    {
        // Ranges [8..10], [3..5], [0..0]: first = 2, gap = 8 - 5 - 2 = 1, len = 2, gap = 3 - 0 - 2 = 1, len = 0.
        byte[] buffer = new byte[32];
        var w = new QuicWriter(buffer);
        Assert.True(AckFrame.TryWrite(ref w, [new AckRange(8, 10), new AckRange(3, 5), new AckRange(0, 0)], 7, null, out int n));
        Assert.Equal(3, n);
        Assert.Equal(Convert.FromHexString("020a0702" + "02" + "0102" + "0100"), w.WrittenSpan.ToArray());
    }
}
