using SharpQuic.Core;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SharpQuic.Core.Endpoint;
using SharpQuic.Udp;
using static SharpQuic.Tests.Udp.UdpTestHelpers;

namespace SharpQuic.Tests.Udp;

/// <summary>Both implementations against real sockets on loopback.</summary>
public sealed class UdpSocketTests
{
    public static TheoryData<string, string> KindsAndFamilies => new()
    {
        { "linux", "v4" }, { "linux", "v6" }, { "portable", "v4" }, { "portable", "v6" },
    };

    private static IPAddress Loopback(string family) => family == "v4" ? IPAddress.Loopback : IPAddress.IPv6Loopback;

    [Theory]
    [MemberData(nameof(KindsAndFamilies))]
    public void Single_datagrams_arrive_with_payload_and_source(string kind, string family)
    {
        using IUdpSocket a = Open(kind, Loopback(family));
        using IUdpSocket b = Open(kind, Loopback(family));
        for (int i = 0; i < 3; i++)
        {
            byte[] payload = Pattern(100 + i, i);
            UdpSendOutcome r = a.TrySend(new Transmit(Target(b), payload.Length), payload);
            Assert.Equal(new UdpSendOutcome(UdpSendStatus.Sent, 1), r);
        }

        List<Datagram> got = ReceiveAll(b, 3);
        Assert.Equal(3, got.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Pattern(100 + i, i), got[i].Payload);
            Assert.Equal(a.LocalEndPoint, got[i].Source);
        }
    }

    [Theory]
    [MemberData(nameof(KindsAndFamilies))]
    public void Batch_of_64_round_trips_in_order(string kind, string family)
    {
        using IUdpSocket a = Open(kind, Loopback(family));
        using IUdpSocket b = Open(kind, Loopback(family));
        const int Count = 64, Size = 1200;
        byte[] buffer = new byte[Count * Size];
        var batch = new OutgoingDatagram[Count];
        for (int i = 0; i < Count; i++)
        {
            Pattern(Size - i, i).CopyTo(buffer, i * Size);
            batch[i] = new OutgoingDatagram(new Transmit(Target(b), Size - i), i * Size);
        }

        Assert.Equal(new UdpSendOutcome(UdpSendStatus.Sent, Count), a.Send(buffer, batch));
        List<Datagram> got = ReceiveAll(b, Count);
        Assert.Equal(Count, got.Count);
        for (int i = 0; i < Count; i++)
        {
            Assert.Equal(Pattern(Size - i, i), got[i].Payload);
        }
    }

    [Theory]
    [MemberData(nameof(KindsAndFamilies))]
    public void A_GSO_batch_arrives_as_separate_datagrams(string kind, string family)
    {
        using IUdpSocket a = Open(kind, Loopback(family));
        using IUdpSocket b = Open(kind, Loopback(family));
        if (kind == "linux")
        {
            Assert.True(a.SupportsGso);
            Assert.True(b.SupportsGro);
        }

        // 10 segments of 1,200 and a shorter last one: 11 datagrams.
        const int Segment = 1200;
        byte[] payload = new byte[(10 * Segment) + 300];
        for (int i = 0; i < 11; i++)
        {
            Pattern(i < 10 ? Segment : 300, i).CopyTo(payload, i * Segment);
        }

        var transmit = new Transmit(Target(b), payload.Length, SegmentSize: Segment);
        Assert.Equal(11, transmit.DatagramCount);
        Assert.Equal(UdpSendStatus.Sent, a.TrySend(transmit, payload).Status);
        List<Datagram> got = ReceiveAll(b, 11);
        Assert.Equal(11, got.Count);
        for (int i = 0; i < 11; i++)
        {
            Assert.Equal(Pattern(i < 10 ? Segment : 300, i), got[i].Payload);
            Assert.Equal(a.LocalEndPoint, got[i].Source);
        }
    }

    [Theory]
    [InlineData("v4")]
    [InlineData("v6")]
    public void Fast_path_carries_ECN_both_ways(string family)
    {
        using IUdpSocket a = Open("linux", Loopback(family));
        using IUdpSocket b = Open("linux", Loopback(family));
        Assert.True(a.SupportsEcn);
        byte[] payload = Pattern(1200, 1);
        EcnCodepoint[] codepoints = [EcnCodepoint.Ect0, EcnCodepoint.Ect1, EcnCodepoint.Ce, EcnCodepoint.NotEct];
        foreach (EcnCodepoint ecn in codepoints)
        {
            Assert.Equal(UdpSendStatus.Sent, a.TrySend(new Transmit(Target(b), payload.Length, ecn), payload).Status);
        }

        // A GSO batch carries the codepoint on every segment.
        byte[] gso = new byte[3 * 1200];
        Assert.Equal(UdpSendStatus.Sent, a.TrySend(new Transmit(Target(b), gso.Length, EcnCodepoint.Ect0, SegmentSize: 1200), gso).Status);

        List<Datagram> got = ReceiveAll(b, 7);
        Assert.Equal(7, got.Count);
        for (int i = 0; i < codepoints.Length; i++)
        {
            Assert.Equal(codepoints[i], got[i].Ecn);
        }

        Assert.All(got.Skip(4), d => Assert.Equal(EcnCodepoint.Ect0, d.Ecn));
    }

    [Fact]
    public void Portable_path_reports_no_ECN()
    {
        using IUdpSocket a = Open("portable", IPAddress.Loopback);
        using IUdpSocket b = Open("portable", IPAddress.Loopback);
        Assert.False(a.SupportsEcn);
        byte[] payload = Pattern(50, 1);
        Assert.Equal(UdpSendStatus.Sent, a.TrySend(new Transmit(Target(b), payload.Length, EcnCodepoint.Ect0), payload).Status);
        Datagram d = Assert.Single(ReceiveAll(b, 1));
        Assert.Equal(EcnCodepoint.NotEct, d.Ecn);
    }

    [Theory]
    [InlineData("linux", "v4")]
    [InlineData("linux", "v6")]
    [InlineData("portable", "v4")]
    [InlineData("portable", "v6")]
    public void Packet_info_gives_the_local_destination_address(string kind, string family)
    {
        // Bound to the wildcard address: only packet info says which local address was used.
        using IUdpSocket server = Open(kind, family == "v4" ? IPAddress.Any : IPAddress.IPv6Any, o => o.DualStack = false);
        using IUdpSocket client = Open(kind, Loopback(family));
        Assert.True(server.SupportsPacketInfo);
        IPAddress to = family == "v4" ? IPAddress.Parse("127.0.0.3") : IPAddress.IPv6Loopback;
        byte[] payload = Pattern(64, 7);
        Assert.Equal(UdpSendStatus.Sent, client.TrySend(new Transmit(new IPEndPoint(to, server.LocalEndPoint.Port), payload.Length), payload).Status);
        Datagram d = Assert.Single(ReceiveAll(server, 1));
        Assert.Equal(new IPEndPoint(to, server.LocalEndPoint.Port), d.Destination);
        Assert.Equal(client.LocalEndPoint, d.Source);
    }

    [Fact]
    public void Fast_path_sends_from_the_requested_source_address()
    {
        // Multi-homed answer: the socket is bound to 0.0.0.0, the transmit says 127.0.0.5.
        using IUdpSocket server = Open("linux", IPAddress.Any, o => o.DualStack = false);
        using IUdpSocket client = Open("linux", IPAddress.Loopback);
        byte[] payload = Pattern(80, 3);
        var source = new IPEndPoint(IPAddress.Parse("127.0.0.5"), server.LocalEndPoint.Port);
        Assert.Equal(UdpSendStatus.Sent, server.TrySend(new Transmit(client.LocalEndPoint, payload.Length, Source: source), payload).Status);
        Datagram d = Assert.Single(ReceiveAll(client, 1));
        Assert.Equal(source, d.Source);
        Assert.Equal(payload, d.Payload);
    }

    [Theory]
    [InlineData("linux")]
    [InlineData("portable")]
    public void Dual_stack_socket_reports_IPv4_peers_as_IPv4(string kind)
    {
        using IUdpSocket server = Open(kind, IPAddress.IPv6Any);
        using IUdpSocket client = Open(kind, IPAddress.Loopback);
        byte[] payload = Pattern(40, 9);
        Assert.Equal(UdpSendStatus.Sent, client.TrySend(new Transmit(new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port), payload.Length), payload).Status);
        Datagram d = Assert.Single(ReceiveAll(server, 1));
        Assert.Equal(client.LocalEndPoint, d.Source);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port), d.Destination);

        // And answers to an IPv4 destination from the IPv6 socket.
        Assert.Equal(UdpSendStatus.Sent, server.TrySend(new Transmit(d.Source, payload.Length, EcnCodepoint.Ect0, Source: d.Destination), payload).Status);
        Datagram back = Assert.Single(ReceiveAll(client, 1));
        Assert.Equal(payload, back.Payload);
        Assert.Equal(server.LocalEndPoint.Port, back.Source.Port);
        Assert.Equal(kind == "linux" ? EcnCodepoint.Ect0 : EcnCodepoint.NotEct, back.Ecn);
    }

    [Theory]
    [MemberData(nameof(KindsAndFamilies))]
    public void Empty_receive_would_block_and_wait_times_out(string kind, string family)
    {
        using IUdpSocket s = Open(kind, Loopback(family));
        byte[] buffer = new byte[s.ReceiveSlotSize];
        var into = new ReceivedDatagram[s.MaxDatagramsPerSlot];
        Assert.Equal(UdpReceiveStatus.WouldBlock, s.Receive(buffer, into).Status);
        var clock = Stopwatch.StartNew();
        Assert.Equal(UdpWaitResult.TimedOut, s.WaitReadable(100));
        Assert.InRange(clock.ElapsedMilliseconds, 80, 3_000);
        Assert.Equal(UdpWaitResult.TimedOut, s.WaitReadable(0));
    }

    [Theory]
    [InlineData("linux")]
    [InlineData("portable")]
    public void Wait_becomes_readable_when_a_datagram_arrives(string kind)
    {
        using IUdpSocket a = Open(kind, IPAddress.Loopback);
        using IUdpSocket b = Open(kind, IPAddress.Loopback);
        byte[] payload = Pattern(10, 1);
        Assert.Equal(UdpSendStatus.Sent, a.TrySend(new Transmit(Target(b), payload.Length), payload).Status);
        Assert.Equal(UdpWaitResult.Readable, b.WaitReadable(TimeoutMs));
    }

    [Theory]
    [InlineData("linux")]
    [InlineData("portable")]
    public void An_idle_socket_is_writable(string kind)
    {
        using IUdpSocket s = Open(kind, IPAddress.Loopback);
        Assert.Equal(UdpWaitResult.Writable, s.WaitReadable(1000, orWritable: true));
        Assert.Equal(UdpWaitResult.TimedOut, s.WaitReadable(0));
    }

    [Fact]
    public async Task Wake_interrupts_a_fast_path_wait()
    {
        using IUdpSocket s = Open("linux", IPAddress.Loopback);
        var clock = Stopwatch.StartNew();
        using var waiter = Task.Run(() => s.WaitReadable(30_000));
        Thread.Sleep(100);
        s.Wake();
        Assert.Equal(UdpWaitResult.Woken, await waiter.WaitAsync(TimeSpan.FromMilliseconds(TimeoutMs)));
        Assert.True(clock.ElapsedMilliseconds < 10_000);

        // A wake before the wait is not lost.
        s.Wake();
        Assert.Equal(UdpWaitResult.Woken, s.WaitReadable(30_000));
        Assert.Equal(UdpWaitResult.TimedOut, s.WaitReadable(0));
    }

    [Theory]
    [InlineData("linux")]
    [InlineData("portable")]
    public async Task Dispose_releases_a_waiting_worker_promptly(string kind)
    {
        IUdpSocket s = Open(kind, IPAddress.Loopback);
        using var started = new ManualResetEventSlim();
        var waiter = Task.Factory.StartNew(
            () =>
            {
                started.Set();
                UdpWaitResult r = s.WaitReadable(30_000);
                while (r is UdpWaitResult.Readable or UdpWaitResult.Woken)
                {
                    r = s.WaitReadable(30_000); // a portable wake shows up as a readable empty datagram
                }

                return r;
            },
            TaskCreationOptions.LongRunning);
        Assert.True(started.Wait(TimeoutMs));
        Thread.Sleep(100);
        var clock = Stopwatch.StartNew();
        s.Dispose();
        Assert.Equal(UdpWaitResult.Disposed, await waiter.WaitAsync(TimeSpan.FromMilliseconds(TimeoutMs)));
        Assert.True(clock.ElapsedMilliseconds < 3_000, $"took {clock.ElapsedMilliseconds} ms");
        Assert.Equal(UdpWaitResult.Disposed, s.WaitReadable(1000));
        s.Dispose(); // twice is fine
    }

    [Theory]
    [InlineData("linux")]
    [InlineData("portable")]
    public void A_datagram_longer_than_the_slot_is_dropped_not_truncated(string kind)
    {
        using IUdpSocket a = Open(kind, IPAddress.Loopback);
        using IUdpSocket b = Open(kind, IPAddress.Loopback, o => { o.EnableGro = false; o.MaxReceiveDatagramSize = 1500; });
        Assert.Equal(1500, b.ReceiveSlotSize);
        byte[] big = Pattern(3000, 1);
        byte[] small = Pattern(1000, 2);
        Assert.Equal(UdpSendStatus.Sent, a.TrySend(new Transmit(Target(b), big.Length), big).Status);
        Assert.Equal(UdpSendStatus.Sent, a.TrySend(new Transmit(Target(b), small.Length), small).Status);
        List<Datagram> got = ReceiveAll(b, 1);
        Assert.Equal(small, Assert.Single(got).Payload);
        if (b is SharpQuic.Udp.Linux.LinuxUdpSocket linux)
        {
            Assert.Equal(1, linux.TruncatedDatagrams);
        }
    }

    [Theory]
    [InlineData("linux")]
    [InlineData("portable")]
    public void A_transmit_outside_its_buffer_is_refused(string kind)
    {
        using IUdpSocket s = Open(kind, IPAddress.Loopback);
        byte[] buffer = new byte[100];
        OutgoingDatagram[] batch = [new(new Transmit(Target(s), 60), 50)];
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Send(buffer, batch));
    }

    [Fact]
    public void IPv6_destination_on_an_IPv4_socket_is_an_error_not_a_crash()
    {
        using IUdpSocket s = Open("linux", IPAddress.Loopback);
        byte[] payload = new byte[10];
        byte[] buffer = new byte[20];
        OutgoingDatagram[] batch =
        [
            new(new Transmit(Target(s), 10), 0),
            new(new Transmit(new IPEndPoint(IPAddress.IPv6Loopback, 443), 10), 10),
        ];
        UdpSendOutcome r = s.Send(buffer, batch);
        Assert.Equal(new UdpSendOutcome(UdpSendStatus.Error, 1, SocketError.AddressFamilyNotSupported), r);
        Assert.Equal(UdpSendStatus.Error, s.TrySend(batch[1].Transmit, payload).Status);
    }
}
