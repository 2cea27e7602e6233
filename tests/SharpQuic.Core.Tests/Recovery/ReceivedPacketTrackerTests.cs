using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;
using static SharpQuic.Core.Tests.Recovery.Ms;

namespace SharpQuic.Core.Tests.Recovery;

/// <summary>RFC 9000 §13.2 (ACK generation) and §13.4.1 (ECN counts).</summary>
public sealed class ReceivedPacketTrackerTests
{
    private const PacketNumberSpace App = PacketNumberSpace.ApplicationData;

    [Fact]
    public void Ranges_match_a_set_model_for_random_arrival_orders()
    {
        var random = new Random(7);
        for (int round = 0; round < 300; round++)
        {
            var ranges = new AckRanges(maxRanges: 4096);
            var model = new HashSet<ulong>();
            int count = random.Next(1, 200);
            ulong spread = (ulong)random.Next(1, 300);
            for (int i = 0; i < count; i++)
            {
                ulong pn = (ulong)random.NextInt64(0, (long)spread);
                Assert.Equal(model.Add(pn), ranges.Insert(pn));
            }

            AssertMatches(model, ranges);
            for (ulong pn = 0; pn < spread + 2; pn++)
            {
                Assert.Equal(model.Contains(pn), ranges.Contains(pn));
            }
        }
    }

    [Fact]
    public void The_number_of_ranges_is_bounded_by_dropping_the_smallest()
    {
        var tracker = new ReceivedPacketTracker(App, Span(25), maxRanges: 4);
        for (ulong pn = 0; pn <= 20; pn += 2)
        {
            tracker.OnPacketReceived(pn, ackEliciting: false, EcnCodepoint.NotEct, At(0));
        }

        Assert.Equal(4, tracker.Ranges.Count);
        Assert.Equal([new AckRange(20, 20), new AckRange(18, 18), new AckRange(16, 16), new AckRange(14, 14)], tracker.Ranges.Ranges.ToArray());
        Assert.Equal(13UL, tracker.Ranges.Floor);

        // Below the floor is too old to tell: treated as a duplicate.
        Assert.True(tracker.IsDuplicate(12));
        Assert.True(tracker.IsDuplicate(3));
        Assert.False(tracker.IsDuplicate(13));
        Assert.True(tracker.IsDuplicate(14));
        Assert.False(tracker.IsDuplicate(21));
        Assert.False(tracker.OnPacketReceived(5, true, EcnCodepoint.NotEct, At(1)));

        // Filling a gap merges ranges, making room again.
        tracker.OnPacketReceived(15, false, EcnCodepoint.NotEct, At(1));
        Assert.Equal(3, tracker.Ranges.Count);
        Assert.Equal(new AckRange(14, 16), tracker.Ranges.Ranges[2]);
    }

    [Fact]
    public void Duplicates_are_detected_and_change_nothing()
    {
        var tracker = new ReceivedPacketTracker(App, Span(25));
        Assert.False(tracker.IsDuplicate(3));
        Assert.True(tracker.OnPacketReceived(3, true, EcnCodepoint.Ect0, At(1)));
        Assert.True(tracker.IsDuplicate(3));
        Assert.False(tracker.OnPacketReceived(3, true, EcnCodepoint.Ect0, At(2)));
        Assert.Equal(1, tracker.AckElicitingSinceLastAck);
        Assert.Equal(new EcnCounts(1, 0, 0), tracker.EcnCounts); // §13.4.1: duplicates are not counted
    }

    [Fact]
    public void Application_data_acks_every_second_ack_eliciting_packet_or_after_max_ack_delay()
    {
        var tracker = new ReceivedPacketTracker(App, Span(25));
        tracker.OnPacketReceived(0, ackEliciting: true, EcnCodepoint.NotEct, At(10));
        Assert.False(tracker.AckImmediately);
        Assert.Equal(At(35), tracker.NextTimeout());
        Assert.False(tracker.IsAckDue(At(34.999)));
        Assert.True(tracker.IsAckDue(At(35)));

        tracker.OnPacketReceived(1, ackEliciting: true, EcnCodepoint.NotEct, At(12));
        Assert.True(tracker.AckImmediately);
        Assert.True(tracker.IsAckDue(At(12)));
    }

    [Fact]
    public void Non_ack_eliciting_packets_never_make_an_ack_due()
    {
        var tracker = new ReceivedPacketTracker(App, Span(25));
        for (ulong pn = 0; pn < 10; pn += 3)
        {
            tracker.OnPacketReceived(pn, ackEliciting: false, EcnCodepoint.NotEct, At(pn));
        }

        Assert.Null(tracker.NextTimeout());
        Assert.False(tracker.IsAckDue(At(1000)));
        Assert.True(tracker.HasPacketsToAcknowledge);
    }

    [Theory]
    [InlineData(PacketNumberSpace.Initial)]
    [InlineData(PacketNumberSpace.Handshake)]
    public void Initial_and_handshake_ack_at_once(PacketNumberSpace space)
    {
        var tracker = new ReceivedPacketTracker(space, Span(25));
        tracker.OnPacketReceived(0, true, EcnCodepoint.NotEct, At(5));
        Assert.True(tracker.AckImmediately);
        Assert.Equal(At(5), tracker.NextTimeout());
    }

    [Fact]
    public void Reordering_gaps_and_ce_marks_ask_for_an_immediate_ack()
    {
        byte[] buffer = new byte[256];
        var tracker = new ReceivedPacketTracker(App, Span(25));
        tracker.OnPacketReceived(0, true, EcnCodepoint.NotEct, At(0));
        Assert.False(tracker.AckImmediately);
        Flush(tracker, buffer, At(1));

        // A gap before the new packet (1 missing).
        tracker.OnPacketReceived(2, true, EcnCodepoint.NotEct, At(2));
        Assert.True(tracker.AckImmediately);
        Flush(tracker, buffer, At(2));

        // Below the largest ack-eliciting packet: reordered.
        tracker.OnPacketReceived(1, true, EcnCodepoint.NotEct, At(3));
        Assert.True(tracker.AckImmediately);
        Flush(tracker, buffer, At(3));

        // In order again: delayed.
        tracker.OnPacketReceived(3, true, EcnCodepoint.NotEct, At(4));
        Assert.False(tracker.AckImmediately);
        Flush(tracker, buffer, At(4));

        // Missing packets filled by a non-ack-eliciting packet are not a gap.
        tracker.OnPacketReceived(4, false, EcnCodepoint.NotEct, At(5));
        tracker.OnPacketReceived(5, true, EcnCodepoint.NotEct, At(5));
        Assert.False(tracker.AckImmediately);
        Flush(tracker, buffer, At(6));

        tracker.OnPacketReceived(6, true, EcnCodepoint.Ce, At(7));
        Assert.True(tracker.AckImmediately);
    }

    [Fact]
    public void The_ack_frame_parses_back_to_the_ranges_with_delay_and_ecn()
    {
        var tracker = new ReceivedPacketTracker(App, Span(25));
        ulong[] received = [0, 1, 2, 5, 6, 9, 20, 21, 22, 23];
        EcnCodepoint[] marks = [EcnCodepoint.Ect0, EcnCodepoint.Ect0, EcnCodepoint.Ect1, EcnCodepoint.Ce, EcnCodepoint.NotEct];
        for (int i = 0; i < received.Length; i++)
        {
            tracker.OnPacketReceived(received[i], true, marks[i % marks.Length], At(10 + i));
        }

        // The largest (23) arrived at 19 ms; writing at 19 ms + 8000 µs with exponent 3 → 1000.
        byte[] buffer = new byte[256];
        var writer = new QuicWriter(buffer);
        Assert.True(tracker.TryWriteAckFrame(ref writer, At(27), ackDelayExponent: 3, out ulong largest));
        Assert.Equal(23UL, largest);
        Assert.Equal(0, tracker.AckElicitingSinceLastAck);
        Assert.Null(tracker.NextTimeout());
        Assert.False(tracker.HasPacketsToAcknowledge);

        var reader = new QuicReader(buffer.AsSpan(0, writer.Written));
        Assert.True(reader.TryReadVarInt(out ulong type));
        Assert.Equal((ulong)FrameType.AckEcn, type);
        Assert.Equal(TransportErrorCode.NoError, AckFrame.TryParse(ref reader, type, out AckFrame frame));
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(1000UL, frame.AckDelay);
        Assert.Equal(new EcnCounts(4, 2, 2), frame.Ecn);
        var parsed = new List<AckRange>();
        foreach (AckRange r in frame)
        {
            parsed.Add(r);
        }

        Assert.Equal([new AckRange(20, 23), new AckRange(9, 9), new AckRange(5, 6), new AckRange(0, 2)], parsed);
    }

    [Fact]
    public void Without_ecn_marks_the_frame_is_a_plain_ack_and_an_empty_tracker_writes_nothing()
    {
        var tracker = new ReceivedPacketTracker(App, Span(25));
        byte[] buffer = new byte[64];
        var writer = new QuicWriter(buffer);
        Assert.False(tracker.TryWriteAckFrame(ref writer, At(0), 3, out _));
        Assert.Equal(0, writer.Written);

        tracker.OnPacketReceived(7, true, EcnCodepoint.NotEct, At(0));
        Assert.True(tracker.TryWriteAckFrame(ref writer, At(0), 3, out _));
        Assert.Equal((byte)FrameType.Ack, buffer[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            var w = new QuicWriter(buffer);
            tracker.TryWriteAckFrame(ref w, At(0), 21, out _);
        });
    }

    [Fact]
    public void An_ack_of_our_ack_prunes_the_ranges_it_covered()
    {
        var tracker = new ReceivedPacketTracker(App, Span(25));
        foreach (ulong pn in new ulong[] { 0, 1, 2, 4, 5, 8, 9 })
        {
            tracker.OnPacketReceived(pn, true, EcnCodepoint.NotEct, At(0));
        }

        tracker.OnAckOfAckReceived(4);
        Assert.Equal([new AckRange(8, 9), new AckRange(5, 5)], tracker.Ranges.Ranges.ToArray());
        Assert.True(tracker.IsDuplicate(3)); // below the new floor: too old
        Assert.Equal(9UL, tracker.LargestReceived);

        tracker.OnAckOfAckReceived(9);
        Assert.Equal(0, tracker.Ranges.Count);
        Assert.Equal(9UL, tracker.LargestReceived); // kept for packet number decoding
        Assert.True(tracker.OnPacketReceived(10, true, EcnCodepoint.NotEct, At(1)));
        Assert.Equal([new AckRange(10, 10)], tracker.Ranges.Ranges.ToArray());
    }

    private static void Flush(ReceivedPacketTracker tracker, byte[] buffer, Instant now)
    {
        var writer = new QuicWriter(buffer);
        Assert.True(tracker.TryWriteAckFrame(ref writer, now, 3, out _));
    }

    private static void AssertMatches(HashSet<ulong> model, AckRanges ranges)
    {
        var sorted = new List<ulong>(model);
        sorted.Sort();
        sorted.Reverse();
        var expected = new List<AckRange>();
        foreach (ulong pn in sorted)
        {
            if (expected.Count > 0 && expected[^1].Smallest == pn + 1)
            {
                expected[^1] = new AckRange(pn, expected[^1].Largest);
            }
            else
            {
                expected.Add(new AckRange(pn, pn));
            }
        }

        Assert.Equal(expected, ranges.Ranges.ToArray());
    }
}
