using SharpQuic.Core;
using System.Net;
using SharpQuic.Core.Endpoint;
using SharpQuic.Udp;
using SharpQuic.Udp.Linux;
using static SharpQuic.Tests.Udp.UdpTestHelpers;

namespace SharpQuic.Tests.Udp;

/// <summary>What only the Linux fast path does: GRO splitting, the GSO fallback, no allocation.</summary>
public sealed class LinuxUdpSocketTests
{
    private static LinuxUdpSocket OpenLinux(IPAddress address, Action<UdpSocketOptions>? configure = null)
        => Assert.IsType<LinuxUdpSocket>(Open("linux", address, configure));

    [Fact]
    public void Native_layouts_match_64_bit_Linux()
    {
        Assert.True(NativeLayout.IsValid);
        Assert.Equal(24, NativeLayout.CMsgSpace(2));
        Assert.Equal(40, NativeLayout.CMsgSpace(NativeLayout.In6PktInfo));
        Assert.Equal(20, NativeLayout.CMsgLen(4));
    }

    [Fact]
    public void A_GRO_receive_is_split_into_the_sent_datagrams()
    {
        using LinuxUdpSocket a = OpenLinux(IPAddress.Loopback);
        using LinuxUdpSocket b = OpenLinux(IPAddress.Loopback);
        const int Segment = 1200;
        byte[] payload = new byte[10 * Segment];
        for (int i = 0; i < 10; i++)
        {
            Pattern(Segment, i).CopyTo(payload, i * Segment);
        }

        Assert.Equal(UdpSendStatus.Sent, a.TrySend(new Transmit(Target(b), payload.Length, EcnCodepoint.Ect1, SegmentSize: Segment), payload).Status);
        List<Datagram> got = ReceiveAll(b, 10);
        Assert.Equal(10, got.Count);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(Pattern(Segment, i), got[i].Payload);
            Assert.Equal(EcnCodepoint.Ect1, got[i].Ecn);
        }

        // Loopback hands the GSO batch to a GRO socket whole: one message, split by Receive.
        Assert.True(b.CoalescedMessages >= 1, "expected a coalesced GRO receive");
    }

    [Fact]
    public void Without_GRO_a_GSO_batch_arrives_as_single_messages()
    {
        using LinuxUdpSocket a = OpenLinux(IPAddress.Loopback);
        using LinuxUdpSocket b = OpenLinux(IPAddress.Loopback, o => o.EnableGro = false);
        Assert.False(b.SupportsGro);
        Assert.Equal(1, b.MaxDatagramsPerSlot);
        byte[] payload = new byte[5 * 1200];
        Assert.Equal(UdpSendStatus.Sent, a.TrySend(new Transmit(Target(b), payload.Length, SegmentSize: 1200), payload).Status);
        List<Datagram> got = ReceiveAll(b, 5);
        Assert.Equal(5, got.Count);
        Assert.All(got, d => Assert.Equal(1200, d.Payload.Length));
        Assert.Equal(0, b.CoalescedMessages);
    }

    [Fact]
    public void GSO_is_turned_off_after_the_kernel_refuses_it_and_the_batch_is_resent_split()
    {
        using LinuxUdpSocket a = OpenLinux(IPAddress.Loopback);
        using LinuxUdpSocket b = OpenLinux(IPAddress.Loopback, o => o.ReceiveBufferSize = 8 * 1024 * 1024);
        Assert.True(a.SupportsGso);

        // Pretend the limit is higher than the kernel's UDP_MAX_SEGMENTS (64 or 128): the kernel
        // answers EINVAL, as a device without GSO would answer EIO.
        a.MaxGsoSegments = 1000;
        const int Count = 300, Segment = 100;
        byte[] payload = new byte[Count * Segment];
        for (int i = 0; i < Count; i++)
        {
            Pattern(Segment, i).CopyTo(payload, i * Segment);
        }

        UdpSendOutcome r = a.TrySend(new Transmit(Target(b), payload.Length, SegmentSize: Segment), payload);
        Assert.Equal(new UdpSendOutcome(UdpSendStatus.Sent, 1), r);
        Assert.False(a.SupportsGso);
        Assert.Equal(1, a.GsoFailures);

        List<Datagram> got = ReceiveAll(b, Count);
        Assert.Equal(Count, got.Count);
        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(Pattern(Segment, i), got[i].Payload);
        }

        // Later batches go split from the start, without another failure.
        Assert.Equal(UdpSendStatus.Sent, a.TrySend(new Transmit(Target(b), 2400, SegmentSize: 1200), payload.AsSpan(0, 2400)).Status);
        Assert.Equal(2, ReceiveAll(b, 2).Count);
        Assert.Equal(1, a.GsoFailures);
    }

    [Fact]
    public void Transmits_larger_than_one_GSO_send_are_split_across_messages()
    {
        using LinuxUdpSocket a = OpenLinux(IPAddress.Loopback);
        using LinuxUdpSocket b = OpenLinux(IPAddress.Loopback, o => o.ReceiveBufferSize = 8 * 1024 * 1024);
        // 100 segments: more than MaxGsoSegments (64) and more than one sendmmsg (64 messages).
        const int Count = 100, Segment = 500;
        byte[] payload = new byte[Count * Segment];
        for (int i = 0; i < Count; i++)
        {
            Pattern(Segment, i).CopyTo(payload, i * Segment);
        }

        Assert.Equal(UdpSendStatus.Sent, a.TrySend(new Transmit(Target(b), payload.Length, SegmentSize: Segment), payload).Status);
        Assert.Equal(0, a.GsoFailures);
        List<Datagram> got = ReceiveAll(b, Count);
        Assert.Equal(Count, got.Count);
        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(Pattern(Segment, i), got[i].Payload);
        }
    }

    [Fact]
    public void Source_end_points_come_from_the_cache()
    {
        using LinuxUdpSocket a = OpenLinux(IPAddress.Loopback);
        using LinuxUdpSocket b = OpenLinux(IPAddress.Loopback);
        byte[] payload = new byte[20];
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(UdpSendStatus.Sent, a.TrySend(new Transmit(Target(b), payload.Length), payload).Status);
        }

        List<Datagram> got = ReceiveAll(b, 3);
        Assert.Equal(3, got.Count);
        Assert.Same(got[0].Source, got[1].Source);
        Assert.Same(got[0].Source, got[2].Source);
        Assert.Same(got[0].Destination, got[2].Destination);
    }

    [Fact]
    public void Steady_state_send_and_receive_allocate_nothing()
    {
        using LinuxUdpSocket a = OpenLinux(IPAddress.Loopback, o => o.SendBufferSize = 8 << 20);
        using LinuxUdpSocket b = OpenLinux(IPAddress.Loopback, o => o.ReceiveBufferSize = 8 << 20);
        const int Batch = 32, Size = 1200, Total = 10_000;
        byte[] sendBuffer = GC.AllocateArray<byte>(Batch * Size, pinned: true);
        var batch = new OutgoingDatagram[Batch];
        IPEndPoint target = Target(b);
        for (int i = 0; i < Batch; i++)
        {
            // Mix single datagrams, GSO pairs and ECN so every send path runs.
            batch[i] = i % 8 == 0 && i + 1 < Batch
                ? new OutgoingDatagram(new Transmit(target, 2 * Size, EcnCodepoint.Ect0, SegmentSize: Size), i * Size)
                : new OutgoingDatagram(new Transmit(target, Size, EcnCodepoint.Ect0), i * Size);
            if (i % 8 == 0 && i + 1 < Batch)
            {
                i++;
                batch[i] = new OutgoingDatagram(new Transmit(target, Size), i * Size);
            }
        }

        byte[] receiveBuffer = GC.AllocateArray<byte>(b.ReceiveSlotSize * 4, pinned: true);
        var into = new ReceivedDatagram[4 * b.MaxDatagramsPerSlot];

        int RoundTrips(int datagrams)
        {
            int received = 0;
            int sent = 0;
            long checksum = 0;
            while (sent < datagrams)
            {
                UdpSendOutcome r = a.Send(sendBuffer, batch);
                if (r.Status != UdpSendStatus.Sent)
                {
                    return -1; // (no Assert in the measured loop: xunit's comparers allocate)
                }

                sent += Batch;
                int expected = sent;
                int spins = 0;
                while (received < expected && spins++ < 10_000)
                {
                    UdpReceiveOutcome rr = b.Receive(receiveBuffer, into);
                    if (rr.Status == UdpReceiveStatus.WouldBlock)
                    {
                        _ = b.WaitReadable(100);
                        continue;
                    }

                    for (int i = 0; i < rr.Count; i++)
                    {
                        checksum += into[i].Length + into[i].Source.Port + (int)into[i].Ecn;
                    }

                    received += rr.Count;
                }
            }

            return checksum > 0 ? received : -1;
        }

        // Warm up (JIT, caches, the kernel's socket buffers), then measure on this thread.
        Assert.Equal(Batch * 10, RoundTrips(Batch * 10));
        long before = GC.GetAllocatedBytesForCurrentThread();
        int n = RoundTrips(Total);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(n >= Total, $"received {n}");
        Assert.Equal(0, allocated);
    }
}
