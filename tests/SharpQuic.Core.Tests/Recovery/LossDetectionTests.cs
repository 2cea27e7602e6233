using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;
using static SharpQuic.Core.Tests.Recovery.Ms;

namespace SharpQuic.Core.Tests.Recovery;

/// <summary>RFC 9002 §6.1 acknowledgment-based loss detection and ACK processing.</summary>
public sealed class LossDetectionTests
{
    private const PacketNumberSpace App = PacketNumberSpace.ApplicationData;

    private readonly RecordingObserver _observer = new();

    internal static bool Send(LossDetection ld, PacketNumberSpace space, ulong pn, Instant at, bool ackEliciting = true, bool inFlight = true, int size = 1200) =>
        ld.OnPacketSent(space, new SentPacket(pn, at, size, ackEliciting, inFlight, retransmitHandle: (int)pn + 1000));

    internal static AckResult Ack(LossDetection ld, PacketNumberSpace space, Instant now, IRecoveryObserver observer, params (ulong Smallest, ulong Largest)[] ranges)
    {
        var list = new AckRange[ranges.Length];
        for (int i = 0; i < ranges.Length; i++)
        {
            list[i] = new AckRange(ranges[i].Smallest, ranges[i].Largest);
        }

        return ld.OnAckReceived(space, list, TimeSpan.Zero, null, now, observer);
    }

    /// <summary>A confirmed server with one RTT sample of 100 ms (pn 0 acked), in ApplicationData.</summary>
    internal static LossDetection WithSample(IRecoveryObserver observer, ICongestionController? controller = null)
    {
        var ld = new LossDetection(isServer: true, controller ?? new NewReno());
        ld.OnHandshakeConfirmed(At(0));
        Send(ld, App, 0, At(0));
        Ack(ld, App, At(100), observer, (0, 0));
        Assert.Equal(Span(100), ld.Rtt.SmoothedRtt);
        return ld;
    }

    [Fact]
    public void In_order_acks_lose_nothing_and_empty_the_flight()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        for (ulong pn = 0; pn < 5; pn++)
        {
            Assert.True(Send(ld, App, pn, At(pn)));
        }

        Assert.Equal(6000, ld.Controller.BytesInFlight);
        AckResult result = Ack(ld, App, At(50), _observer, (0, 4));
        Assert.Equal(5, result.NewlyAcked);
        Assert.Equal(0, result.Lost);
        Assert.True(result.RttUpdated);
        Assert.Equal([4UL, 3, 2, 1, 0], _observer.AckedNumbers());
        Assert.Equal(1004, _observer.Acked[0].Packet.RetransmitHandle);
        Assert.Empty(_observer.Lost);
        Assert.Equal(0, ld.Controller.BytesInFlight);
        Assert.Equal(0, ld.SentPackets(App).Count);
        Assert.Null(ld.NextTimeout());

        // The same ACK again acknowledges nothing new and takes no RTT sample.
        result = Ack(ld, App, At(60), _observer, (0, 4));
        Assert.Equal(0, result.NewlyAcked);
        Assert.False(result.RttUpdated);
        Assert.Equal(Span(46), ld.Rtt.LatestRtt);
    }

    [Fact]
    public void Packet_threshold_declares_a_packet_lost_three_behind_an_acked_one()
    {
        LossDetection ld = WithSample(_observer);
        _observer.Clear();
        for (ulong pn = 1; pn <= 5; pn++)
        {
            Send(ld, App, pn, At(99 + pn));
        }

        // Largest acked 4: pn 1 is three behind (lost); 2 and 3 are within the threshold.
        AckResult result = Ack(ld, App, At(203), _observer, (4, 4));
        Assert.Equal(1, result.Lost);
        Assert.Equal([1UL], _observer.LostNumbers());
        Assert.Equal([4UL], _observer.AckedNumbers());
        Assert.True(ld.SentPackets(App).Contains(2));
        Assert.True(ld.SentPackets(App).Contains(3));
        Assert.True(ld.SentPackets(App).Contains(5));
    }

    [Fact]
    public void Time_threshold_sets_a_loss_timer_that_declares_the_loss_when_it_fires()
    {
        LossDetection ld = WithSample(_observer);
        _observer.Clear();
        Send(ld, App, 1, At(100));
        Send(ld, App, 2, At(101));
        Send(ld, App, 3, At(102));

        // ACK of pn 3 at 202: latest_rtt 100, smoothed 100 → loss delay 112.5 ms. pn 1 and 2 are
        // within the packet threshold and too recent: the loss timer is set for pn 1.
        AckResult result = Ack(ld, App, At(202), _observer, (3, 3));
        Assert.Equal(0, result.Lost);
        Assert.Equal(Span(112.5), ld.Rtt.LossDelay);
        Assert.Equal(At(212.5), ld.NextTimeout());

        Assert.Equal(LossTimeoutKind.None, ld.OnTimeout(At(212.499), _observer));
        Assert.Empty(_observer.Lost);

        Assert.Equal(LossTimeoutKind.PacketsLost, ld.OnTimeout(At(212.5), _observer));
        Assert.Equal([1UL], _observer.LostNumbers());
        Assert.Equal(At(213.5), ld.NextTimeout());

        Assert.Equal(LossTimeoutKind.PacketsLost, ld.OnTimeout(At(213.5), _observer));
        Assert.Equal([1UL, 2], _observer.LostNumbers());
        Assert.Equal(0, ld.Controller.BytesInFlight);
    }

    [Fact]
    public void Ack_ranges_with_gaps_ack_their_packets_and_the_largest_sets_the_threshold()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        for (ulong pn = 0; pn < 10; pn++)
        {
            Send(ld, App, pn, At(pn));
        }

        AckResult result = Ack(ld, App, At(20), _observer, (7, 9), (3, 4));
        Assert.Equal([9UL, 8, 7, 4, 3], _observer.AckedNumbers());

        // Largest acked 9: every unacknowledged packet up to 6 is lost by packet threshold.
        Assert.Equal([0UL, 1, 2, 5, 6], _observer.LostNumbers());
        Assert.Equal(5, result.Lost);
        Assert.Equal(0, ld.SentPackets(App).Count);
        Assert.Equal(9UL, ld.LargestAcked(App));
    }

    [Fact]
    public void An_ack_of_a_packet_never_sent_is_reported_and_changes_nothing()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        Send(ld, App, 0, At(0));
        Send(ld, App, 1, At(1));
        Send(ld, App, 3, At(2)); // pn 2 skipped (RFC 9000 §21.4)
        Send(ld, App, 4, At(3));

        Assert.True(Ack(ld, App, At(10), _observer, (5, 5)).AcknowledgesUnsentPacket);
        Assert.True(Ack(ld, App, At(10), _observer, (0, 4)).AcknowledgesUnsentPacket);
        Assert.True(Ack(ld, App, At(10), _observer, (4, 4), (2, 2)).AcknowledgesUnsentPacket);
        Assert.Empty(_observer.Acked);
        Assert.Null(ld.LargestAcked(App));
        Assert.Equal(4 * 1200, ld.Controller.BytesInFlight);

        // Around the skipped number all is well.
        AckResult ok = Ack(ld, App, At(10), _observer, (3, 4), (0, 1));
        Assert.False(ok.AcknowledgesUnsentPacket);
        Assert.Equal(4, ok.NewlyAcked);

        // Nothing sent at all in a space: any ACK there acknowledges an unsent packet.
        Assert.True(Ack(ld, PacketNumberSpace.Handshake, At(11), _observer, (0, 0)).AcknowledgesUnsentPacket);
    }

    [Fact]
    public void Packet_number_skipping_leaves_gaps_that_loss_detection_walks_over()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        ulong[] sent = [0, 2, 3, 5, 6, 9];
        foreach (ulong pn in sent)
        {
            Send(ld, App, pn, At(pn));
        }

        Ack(ld, App, At(20), _observer, (9, 9));
        Assert.Equal([0UL, 2, 3, 5, 6], _observer.LostNumbers());
        Assert.Equal(0, ld.SentPackets(App).Count);
    }

    [Fact]
    public void Acknowledging_a_packet_declared_lost_counts_a_spurious_loss()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        for (ulong pn = 0; pn < 6; pn++)
        {
            Send(ld, App, pn, At(0)); // all at once: only the packet threshold can apply
        }

        Ack(ld, App, At(10), _observer, (4, 4));
        Assert.Equal([0UL, 1], _observer.LostNumbers());
        AckResult late = Ack(ld, App, At(11), _observer, (4, 5), (1, 1));
        Assert.Equal(1, late.SpuriousLosses);
        Assert.Equal(1, late.NewlyAcked);
    }

    [Fact]
    public void Acks_parsed_from_frame_bytes_are_processed_like_ranges()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        for (ulong pn = 0; pn < 8; pn++)
        {
            Send(ld, PacketNumberSpace.Handshake, pn, At(0)); // only the packet threshold applies
        }

        byte[] buffer = new byte[64];
        var writer = new QuicWriter(buffer);
        Assert.True(AckFrame.TryWrite(ref writer, [new AckRange(6, 7), new AckRange(2, 3)], 100, null, out _));
        var reader = new QuicReader(buffer.AsSpan(0, writer.Written));
        Assert.True(reader.TryReadVarInt(out ulong type));
        Assert.Equal(TransportErrorCode.NoError, AckFrame.TryParse(ref reader, type, out AckFrame frame));

        AckResult result = ld.OnAckReceived(PacketNumberSpace.Handshake, frame, Span(0.8), At(20), _observer);
        Assert.Equal(4, result.NewlyAcked);
        Assert.Equal([7UL, 6, 3, 2], _observer.AckedNumbers());
        Assert.Equal([0UL, 1, 4], _observer.LostNumbers());
    }

    [Fact]
    public void Ack_delay_is_ignored_in_initial_and_used_elsewhere()
    {
        var initial = new LossDetection(isServer: true, new NewReno());
        var handshake = new LossDetection(isServer: true, new NewReno());
        foreach (LossDetection ld in new[] { initial, handshake })
        {
            // First sample 100 ms, then a sample of 200 ms reported with 50 ms of ack delay.
            PacketNumberSpace space = ld == initial ? PacketNumberSpace.Initial : PacketNumberSpace.Handshake;
            Send(ld, space, 0, At(0));
            ld.OnAckReceived(space, [new AckRange(0, 0)], TimeSpan.Zero, null, At(100), _observer);
            Send(ld, space, 1, At(100));
            ld.OnAckReceived(space, [new AckRange(0, 1)], Span(50), null, At(300), _observer);
        }

        Assert.Equal(Span((7 * 100 + 200) / 8.0), initial.Rtt.SmoothedRtt);
        Assert.Equal(Span((7 * 100 + 150) / 8.0), handshake.Rtt.SmoothedRtt);
    }

    [Fact]
    public void No_rtt_sample_when_only_non_ack_eliciting_packets_are_newly_acked()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        Send(ld, App, 0, At(0), ackEliciting: false, inFlight: false);
        AckResult result = Ack(ld, App, At(100), _observer, (0, 0));
        Assert.Equal(1, result.NewlyAcked);
        Assert.False(result.RttUpdated);
        Assert.False(ld.Rtt.HasSample);
    }

    [Fact]
    public void Sending_out_of_order_or_in_a_discarded_space_is_refused()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        Assert.True(Send(ld, PacketNumberSpace.Initial, 5, At(0)));
        Assert.False(Send(ld, PacketNumberSpace.Initial, 5, At(1)));
        Assert.False(Send(ld, PacketNumberSpace.Initial, 4, At(1)));
        ld.OnPacketNumberSpaceDiscarded(PacketNumberSpace.Initial, At(2), _observer);
        Assert.False(Send(ld, PacketNumberSpace.Initial, 6, At(3)));
        Assert.Throws<ArgumentException>(() => ld.OnPacketNumberSpaceDiscarded(App, At(3), _observer));
    }
}
