using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Recovery;

/// <summary>The per-packet paths allocate nothing once warmed up.</summary>
public sealed class RecoveryAllocationTests
{
    [Fact]
    public void A_long_send_and_ack_loop_with_losses_allocates_nothing_after_warm_up()
    {
        var loop = new Loop();
        loop.Run(20_000); // warm-up: scratch lists and rings reach their working size
        long before = GC.GetAllocatedBytesForCurrentThread();
        loop.Run(100_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);

        // The loop really exercised the paths: acknowledgments, losses and a moving window.
        Assert.True(loop.Observer.Acked > 100_000);
        Assert.True(loop.Observer.Lost > 2_000);
        Assert.True(loop.Cc.CongestionWindow >= loop.Cc.MinimumWindow);
        Assert.True(loop.Receiver.Ranges.Count <= loop.Receiver.Ranges.MaxRanges);
    }

    private sealed class CountingObserver : IRecoveryObserver
    {
        public long Acked { get; private set; }

        public long Lost { get; private set; }

        public void OnPacketAcked(PacketNumberSpace space, in SentPacket packet) => Acked++;

        public void OnPacketLost(PacketNumberSpace space, in SentPacket packet) => Lost++;

        public void OnPacketDiscarded(PacketNumberSpace space, in SentPacket packet)
        {
        }
    }

    private sealed class Loop
    {
        private readonly byte[] _frame = new byte[1024];
        private readonly LossDetection _sender;
        private ulong _nextPn;
        private long _nowMicros;
        private ulong _lastAckLargest;

        public Loop()
        {
            Cc = new NewReno();
            _sender = new LossDetection(isServer: true, Cc);
            _sender.OnHandshakeConfirmed(Instant.Zero);
            Receiver = new ReceivedPacketTracker(PacketNumberSpace.ApplicationData, TimeSpan.FromMilliseconds(25));
        }

        public NewReno Cc { get; }

        public ReceivedPacketTracker Receiver { get; }

        public CountingObserver Observer { get; } = new();

        public void Run(int packets)
        {
            for (int i = 0; i < packets; i++)
            {
                var now = new Instant(_nowMicros);
                ulong pn = _nextPn++;
                _sender.OnPacketSent(PacketNumberSpace.ApplicationData, new SentPacket(pn, now, 1200, true, true, (int)(pn & 0xFFFF), EcnCodepoint.Ect0));

                // Every 37th packet is lost on the way; the rest arrive 5 ms later.
                var arrival = new Instant(_nowMicros + 5000);
                if (pn % 37 != 11 && !Receiver.IsDuplicate(pn))
                {
                    Receiver.OnPacketReceived(pn, true, EcnCodepoint.Ect0, arrival);
                }

                if (Receiver.IsAckDue(arrival))
                {
                    var writer = new QuicWriter(_frame);
                    Receiver.TryWriteAckFrame(ref writer, arrival, 3, out ulong largest);
                    var reader = new QuicReader(_frame.AsSpan(0, writer.Written));
                    reader.TryReadVarInt(out ulong type);
                    AckFrame.TryParse(ref reader, type, out AckFrame frame);
                    // The sender sees the ACK one 10 ms round trip after the send; its later sends
                    // happen on the loop's clock, so time is not monotonic across the two calls —
                    // irrelevant to what this test measures (allocations on every path).
                    var ackArrival = new Instant(_nowMicros + 10_000);
                    AckResult result = _sender.OnAckReceived(PacketNumberSpace.ApplicationData, frame, TimeSpan.FromMicroseconds((long)frame.AckDelay << 3), ackArrival, Observer);
                    Assert.False(result.AcknowledgesUnsentPacket);

                    // The sender acknowledges the packet carrying the previous ACK (RFC 9000 §13.2.4).
                    Receiver.OnAckOfAckReceived(_lastAckLargest);
                    _lastAckLargest = largest;
                }

                if (_sender.NextTimeout() is Instant timeout && timeout <= now)
                {
                    _sender.OnTimeout(now, Observer);
                }

                _nowMicros += 100;
            }
        }
    }
}
