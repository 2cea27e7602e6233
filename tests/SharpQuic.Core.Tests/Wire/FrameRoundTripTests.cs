using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Wire;

/// <summary>Write → parse round trips over random values for every frame type.</summary>
public sealed class FrameRoundTripTests
{
    private const int Iterations = 1000;

    private readonly byte[] _buffer = new byte[4096];

    [Fact]
    public void Padding_and_simple_frames_round_trip()
    {
        var random = new Random(1);
        for (int i = 0; i < Iterations; i++)
        {
            var padding = new PaddingFrame(random.Next(1, 300));
            var w = new QuicWriter(_buffer);
            Assert.True(padding.TryWrite(ref w));
            Assert.Equal(padding.EncodedLength, w.Written);
            _buffer[w.Written] = 0x01; // a PING right after the run ends it
            var r = Open(_buffer.AsSpan(0, w.Written + 1), out ulong type);
            Assert.Equal(0UL, type);
            Assert.Equal(TransportErrorCode.NoError, PaddingFrame.TryParse(ref r, type, out PaddingFrame parsed));
            Assert.Equal(padding.Length, parsed.Length);
            Assert.Equal(w.Written, r.Position);
            AssertNoPartialWrite(padding.EncodedLength, (ref QuicWriter x) => padding.TryWrite(ref x));
        }

        var ping = default(PingFrame);
        var pw = new QuicWriter(_buffer);
        Assert.True(ping.TryWrite(ref pw));
        Assert.Equal(new byte[] { 0x01 }, pw.WrittenSpan.ToArray());
        var done = default(HandshakeDoneFrame);
        pw = new QuicWriter(_buffer);
        Assert.True(done.TryWrite(ref pw));
        Assert.Equal(new byte[] { 0x1e }, pw.WrittenSpan.ToArray());
    }

    [Fact]
    public void Varint_frames_round_trip()
    {
        var random = new Random(2);
        for (int i = 0; i < Iterations; i++)
        {
            ulong a = WireRandom.VarInt62(random), b = WireRandom.VarInt62(random), c = WireRandom.VarInt62(random);

            var reset = new ResetStreamFrame(a, b, c);
            var r = WriteAndOpen(reset.EncodedLength, (ref QuicWriter w) => reset.TryWrite(ref w), out ulong type, out int length);
            Assert.Equal(0x04UL, type);
            Assert.Equal(TransportErrorCode.NoError, ResetStreamFrame.TryParse(ref r, type, out var p1));
            Assert.Equal((a, b, c), (p1.StreamId, p1.ApplicationErrorCode, p1.FinalSize));
            Assert.Equal(length, r.Position);

            var stop = new StopSendingFrame(a, b);
            r = WriteAndOpen(stop.EncodedLength, (ref QuicWriter w) => stop.TryWrite(ref w), out type, out length);
            Assert.Equal(0x05UL, type);
            Assert.Equal(TransportErrorCode.NoError, StopSendingFrame.TryParse(ref r, type, out var p2));
            Assert.Equal((a, b), (p2.StreamId, p2.ApplicationErrorCode));
            Assert.Equal(length, r.Position);

            var maxData = new MaxDataFrame(a);
            r = WriteAndOpen(maxData.EncodedLength, (ref QuicWriter w) => maxData.TryWrite(ref w), out type, out length);
            Assert.Equal(0x10UL, type);
            Assert.Equal(TransportErrorCode.NoError, MaxDataFrame.TryParse(ref r, type, out var p3));
            Assert.Equal(a, p3.MaximumData);
            Assert.Equal(length, r.Position);

            var maxStreamData = new MaxStreamDataFrame(b, c);
            r = WriteAndOpen(maxStreamData.EncodedLength, (ref QuicWriter w) => maxStreamData.TryWrite(ref w), out type, out length);
            Assert.Equal(0x11UL, type);
            Assert.Equal(TransportErrorCode.NoError, MaxStreamDataFrame.TryParse(ref r, type, out var p4));
            Assert.Equal((b, c), (p4.StreamId, p4.MaximumStreamData));
            Assert.Equal(length, r.Position);

            var blocked = new DataBlockedFrame(c);
            r = WriteAndOpen(blocked.EncodedLength, (ref QuicWriter w) => blocked.TryWrite(ref w), out type, out length);
            Assert.Equal(0x14UL, type);
            Assert.Equal(TransportErrorCode.NoError, DataBlockedFrame.TryParse(ref r, type, out var p5));
            Assert.Equal(c, p5.MaximumData);
            Assert.Equal(length, r.Position);

            var streamBlocked = new StreamDataBlockedFrame(a, c);
            r = WriteAndOpen(streamBlocked.EncodedLength, (ref QuicWriter w) => streamBlocked.TryWrite(ref w), out type, out length);
            Assert.Equal(0x15UL, type);
            Assert.Equal(TransportErrorCode.NoError, StreamDataBlockedFrame.TryParse(ref r, type, out var p6));
            Assert.Equal((a, c), (p6.StreamId, p6.MaximumStreamData));
            Assert.Equal(length, r.Position);

            var retire = new RetireConnectionIdFrame(b);
            r = WriteAndOpen(retire.EncodedLength, (ref QuicWriter w) => retire.TryWrite(ref w), out type, out length);
            Assert.Equal(0x19UL, type);
            Assert.Equal(TransportErrorCode.NoError, RetireConnectionIdFrame.TryParse(ref r, type, out var p7));
            Assert.Equal(b, p7.SequenceNumber);
            Assert.Equal(length, r.Position);

            bool bidi = random.Next(2) == 0;
            ulong count = WireRandom.VarInt62(random, MaxStreamsFrame.MaxStreamCount);
            var maxStreams = new MaxStreamsFrame(bidi, count);
            r = WriteAndOpen(maxStreams.EncodedLength, (ref QuicWriter w) => maxStreams.TryWrite(ref w), out type, out length);
            Assert.Equal(bidi ? 0x12UL : 0x13UL, type);
            Assert.Equal(TransportErrorCode.NoError, MaxStreamsFrame.TryParse(ref r, type, out var p8));
            Assert.Equal((bidi, count), (p8.Bidirectional, p8.MaximumStreams));
            Assert.Equal(length, r.Position);

            var streamsBlocked = new StreamsBlockedFrame(!bidi, count);
            r = WriteAndOpen(streamsBlocked.EncodedLength, (ref QuicWriter w) => streamsBlocked.TryWrite(ref w), out type, out length);
            Assert.Equal(bidi ? 0x17UL : 0x16UL, type);
            Assert.Equal(TransportErrorCode.NoError, StreamsBlockedFrame.TryParse(ref r, type, out var p9));
            Assert.Equal((!bidi, count), (p9.Bidirectional, p9.MaximumStreams));
            Assert.Equal(length, r.Position);

            ulong data = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
            var challenge = new PathChallengeFrame(data);
            r = WriteAndOpen(challenge.EncodedLength, (ref QuicWriter w) => challenge.TryWrite(ref w), out type, out length);
            Assert.Equal(0x1aUL, type);
            Assert.Equal(TransportErrorCode.NoError, PathChallengeFrame.TryParse(ref r, type, out var p10));
            Assert.Equal(data, p10.Data);
            Assert.Equal(9, r.Position);

            var response = new PathResponseFrame(data);
            r = WriteAndOpen(response.EncodedLength, (ref QuicWriter w) => response.TryWrite(ref w), out type, out length);
            Assert.Equal(0x1bUL, type);
            Assert.Equal(TransportErrorCode.NoError, PathResponseFrame.TryParse(ref r, type, out var p11));
            Assert.Equal(data, p11.Data);
            Assert.Equal(length, r.Position);

            AssertNoPartialWrite(reset.EncodedLength, (ref QuicWriter w) => reset.TryWrite(ref w));
            AssertNoPartialWrite(maxStreams.EncodedLength, (ref QuicWriter w) => maxStreams.TryWrite(ref w));
            AssertNoPartialWrite(challenge.EncodedLength, (ref QuicWriter w) => challenge.TryWrite(ref w));
        }
    }

    [Fact]
    public void Crypto_new_token_and_datagram_round_trip()
    {
        var random = new Random(3);
        for (int i = 0; i < Iterations; i++)
        {
            byte[] data = WireRandom.Bytes(random, 200);
            ulong offset = WireRandom.VarInt62(random, VarInt.MaxValue - (ulong)data.Length);

            var crypto = new CryptoFrame(offset, data);
            int cryptoLength = crypto.EncodedLength;
            var r = WriteAndOpen(cryptoLength, (ref QuicWriter w) => new CryptoFrame(offset, data).TryWrite(ref w), out ulong type, out int length);
            Assert.Equal(0x06UL, type);
            Assert.Equal(TransportErrorCode.NoError, CryptoFrame.TryParse(ref r, type, out var pc));
            Assert.Equal(offset, pc.Offset);
            Assert.True(pc.Data.SequenceEqual(data));
            Assert.Equal(length, r.Position);

            byte[] token = WireRandom.Bytes(random, 200, 1);
            r = WriteAndOpen(new NewTokenFrame(token).EncodedLength, (ref QuicWriter w) => new NewTokenFrame(token).TryWrite(ref w), out type, out length);
            Assert.Equal(0x07UL, type);
            Assert.Equal(TransportErrorCode.NoError, NewTokenFrame.TryParse(ref r, type, out var pt));
            Assert.True(pt.Token.SequenceEqual(token));
            Assert.Equal(length, r.Position);

            bool hasLength = random.Next(2) == 0;
            r = WriteAndOpen(new DatagramFrame(data, hasLength).EncodedLength, (ref QuicWriter w) => new DatagramFrame(data, hasLength).TryWrite(ref w), out type, out length);
            Assert.Equal(hasLength ? 0x31UL : 0x30UL, type);
            Assert.Equal(TransportErrorCode.NoError, DatagramFrame.TryParse(ref r, type, out var pd));
            Assert.True(pd.Data.SequenceEqual(data));
            Assert.Equal(hasLength, pd.HasLength);
            Assert.Equal(length, r.Position);

            AssertNoPartialWrite(cryptoLength, (ref QuicWriter w) => new CryptoFrame(offset, data).TryWrite(ref w));
        }
    }

    [Fact]
    public void Stream_frames_round_trip_with_every_flag_combination()
    {
        var random = new Random(4);
        for (int i = 0; i < Iterations; i++)
        {
            byte[] data = WireRandom.Bytes(random, 300);
            ulong id = WireRandom.VarInt62(random);
            ulong offset = random.Next(3) == 0 ? 0 : WireRandom.VarInt62(random, VarInt.MaxValue - (ulong)data.Length);
            bool fin = random.Next(2) == 0, hasLength = random.Next(2) == 0;
            int expectedLength = new StreamFrame(id, offset, data, fin, hasLength).EncodedLength;
            var r = WriteAndOpen(expectedLength, (ref QuicWriter w) => new StreamFrame(id, offset, data, fin, hasLength).TryWrite(ref w), out ulong type, out int length);
            Assert.Equal(0x08UL | (offset != 0 ? 4UL : 0) | (hasLength ? 2UL : 0) | (fin ? 1UL : 0), type);
            Assert.Equal(TransportErrorCode.NoError, StreamFrame.TryParse(ref r, type, out var p));
            Assert.Equal((id, offset, fin, hasLength), (p.StreamId, p.Offset, p.Fin, p.HasLength));
            Assert.True(p.Data.SequenceEqual(data));
            Assert.Equal(length, r.Position);
            AssertNoPartialWrite(expectedLength, (ref QuicWriter w) => new StreamFrame(id, offset, data, fin, hasLength).TryWrite(ref w));
        }
    }

    [Fact]
    public void Stream_size_helper_fills_the_space_exactly()
    {
        var random = new Random(5);
        byte[] data = new byte[5000];
        for (int i = 0; i < Iterations; i++)
        {
            ulong id = WireRandom.VarInt62(random);
            ulong offset = WireRandom.VarInt62(random, VarInt.MaxValue - 4000);
            int space = random.Next(0, 4000);
            foreach (bool withLength in new[] { true, false })
            {
                int n = StreamFrame.MaxDataLength(id, offset, space, withLength);
                if (n < 0)
                {
                    Assert.True(new StreamFrame(id, offset, [], false, withLength).EncodedLength > space);
                    continue;
                }

                int used = new StreamFrame(id, offset, data.AsSpan(0, n), false, withLength).EncodedLength;
                Assert.True(used <= space);
                if (!withLength)
                {
                    Assert.Equal(space, used);
                }
                else
                {
                    // One more byte would not fit.
                    Assert.True(new StreamFrame(id, offset, data.AsSpan(0, n + 1), false, true).EncodedLength > space);
                }
            }
        }
    }

    [Fact]
    public void New_connection_id_and_connection_close_round_trip()
    {
        var random = new Random(6);
        for (int i = 0; i < Iterations; i++)
        {
            ulong sequence = WireRandom.VarInt62(random);
            ulong retire = WireRandom.VarInt62(random, sequence);
            byte[] cid = WireRandom.Bytes(random, 20, 1);
            byte[] token = WireRandom.Bytes(random, 16, 16);
            int ncidLength = new NewConnectionIdFrame(sequence, retire, cid, token).EncodedLength;
            var r = WriteAndOpen(ncidLength, (ref QuicWriter w) => new NewConnectionIdFrame(sequence, retire, cid, token).TryWrite(ref w), out ulong type, out int length);
            Assert.Equal(0x18UL, type);
            Assert.Equal(TransportErrorCode.NoError, NewConnectionIdFrame.TryParse(ref r, type, out var pn));
            Assert.Equal((sequence, retire), (pn.SequenceNumber, pn.RetirePriorTo));
            Assert.True(pn.ConnectionId.SequenceEqual(cid));
            Assert.True(pn.StatelessResetToken.SequenceEqual(token));
            Assert.Equal(length, r.Position);

            ulong code = WireRandom.VarInt62(random), frameType = WireRandom.VarInt62(random);
            byte[] reason = WireRandom.Bytes(random, 100);
            bool application = random.Next(2) == 0;
            int closeLength = Close(application, code, frameType, reason).EncodedLength;
            r = WriteAndOpen(closeLength, (ref QuicWriter w) => Close(application, code, frameType, reason).TryWrite(ref w), out type, out length);
            Assert.Equal(application ? 0x1dUL : 0x1cUL, type);
            Assert.Equal(TransportErrorCode.NoError, ConnectionCloseFrame.TryParse(ref r, type, out var pc));
            Assert.Equal((application, code, application ? 0 : frameType), (pc.IsApplicationClose, pc.ErrorCode, pc.TriggeringFrameType));
            Assert.True(pc.ReasonPhrase.SequenceEqual(reason));
            Assert.Equal(length, r.Position);
            AssertNoPartialWrite(closeLength, (ref QuicWriter w) => Close(application, code, frameType, reason).TryWrite(ref w));
        }
    }

    [Fact]
    public void Ack_frames_round_trip_and_enumerate_descending()
    {
        var random = new Random(7);
        var ranges = new List<AckRange>();
        for (int i = 0; i < Iterations; i++)
        {
            RandomRanges(random, ranges);
            ulong delay = WireRandom.VarInt62(random);
            EcnCounts? ecn = random.Next(2) == 0 ? null : new EcnCounts(WireRandom.VarInt62(random), WireRandom.VarInt62(random), WireRandom.VarInt62(random));
            AckRange[] expected = ranges.ToArray();
            int fullLength = AckFrame.GetEncodedLength(expected, delay, ecn);

            var w = new QuicWriter(_buffer);
            Assert.True(AckFrame.TryWrite(ref w, expected, delay, ecn, out int written));
            Assert.Equal(expected.Length, written);
            Assert.Equal(fullLength, w.Written);

            var r = Open(_buffer.AsSpan(0, w.Written), out ulong type);
            Assert.Equal(ecn.HasValue ? 0x03UL : 0x02UL, type);
            Assert.Equal(TransportErrorCode.NoError, AckFrame.TryParse(ref r, type, out AckFrame parsed));
            Assert.Equal(fullLength, r.Position);
            Assert.Equal(fullLength, parsed.EncodedLength);
            Assert.Equal(delay, parsed.AckDelay);
            Assert.Equal(ecn, parsed.Ecn);
            int index = 0;
            foreach (AckRange range in parsed)
            {
                Assert.Equal(expected[index++], range);
            }

            Assert.Equal(expected.Length, index);

            // Truncation: in less space the writer keeps a prefix of the ranges.
            int space = random.Next(1, fullLength + 1);
            var small = new QuicWriter(_buffer.AsSpan(0, space));
            if (AckFrame.TryWrite(ref small, expected, delay, ecn, out int kept))
            {
                Assert.InRange(kept, 1, expected.Length);
                Assert.Equal(AckFrame.GetEncodedLength(expected.AsSpan(0, kept), delay, ecn), small.Written);
                if (kept < expected.Length)
                {
                    Assert.True(AckFrame.GetEncodedLength(expected.AsSpan(0, kept + 1), delay, ecn) > space);
                }
            }
            else
            {
                Assert.Equal(0, small.Written);
                Assert.True(AckFrame.GetEncodedLength(expected.AsSpan(0, 1), delay, ecn) > space);
            }
        }
    }

    internal static void RandomRanges(Random random, List<AckRange> ranges)
    {
        ranges.Clear();
        ulong largest = WireRandom.VarInt62(random);
        int count = random.Next(1, random.Next(2) == 0 ? 4 : 100);
        ulong smallest = largest - Math.Min(largest, WireRandom.VarInt62(random, (ulong)random.Next(1000)));
        ranges.Add(new AckRange(smallest, largest));
        for (int i = 1; i < count && smallest >= 2; i++)
        {
            ulong gap = Math.Min(WireRandom.VarInt62(random, (ulong)random.Next(100_000)), smallest - 2);
            ulong nextLargest = smallest - gap - 2;
            ulong length = Math.Min(WireRandom.VarInt62(random, (ulong)random.Next(100_000)), nextLargest);
            smallest = nextLargest - length;
            ranges.Add(new AckRange(smallest, nextLargest));
        }
    }

    private static ConnectionCloseFrame Close(bool application, ulong code, ulong frameType, byte[] reason) =>
        application ? ConnectionCloseFrame.Application(code, reason) : ConnectionCloseFrame.Transport((TransportErrorCode)code, frameType, reason);

    private delegate bool WriteAction(ref QuicWriter writer);

    private QuicReader WriteAndOpen(int expectedLength, WriteAction write, out ulong type, out int length)
    {
        var w = new QuicWriter(_buffer);
        Assert.True(write(ref w));
        Assert.Equal(expectedLength, w.Written);
        length = w.Written;
        return Open(_buffer.AsSpan(0, length), out type);
    }

    private static QuicReader Open(ReadOnlySpan<byte> bytes, out ulong type)
    {
        var r = new QuicReader(bytes);
        Assert.True(r.TryReadVarInt(out type));
        return r;
    }

    // A writer one byte too small must refuse and write nothing.
    private static void AssertNoPartialWrite(int length, WriteAction write)
    {
        byte[] small = new byte[length - 1];
        var w = new QuicWriter(small);
        Assert.False(write(ref w));
        Assert.Equal(0, w.Written);
    }
}
