using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SharpQuic.Core.Endpoint;
using SharpQuic.Udp;
using Xunit.Abstractions;

namespace SharpQuic.Tests.Udp;

/// <summary>
/// Loopback throughput of 1,200-byte datagrams for each send and receive mode. It prints, and
/// asserts only that data flowed: timing on a shared machine is not a test. Longer runs:
/// <c>SHARPQUIC_MEASURE_SECONDS=3 dotnet test … --filter Category=Measure</c>.
/// </summary>
[Trait("Category", "Measure")]
public sealed class UdpThroughputMeasure(ITestOutputHelper output)
{
    private const int Size = 1200;
    private const int Batch = 32;

    public enum SendMode
    {
        PlainSocketSend,
        PortableSocket,
        FastSingle,
        FastSendMMsg,
        FastGso,
    }

    [Theory]
    [InlineData(SendMode.PlainSocketSend, false)]
    [InlineData(SendMode.PortableSocket, false)]
    [InlineData(SendMode.FastSingle, false)]
    [InlineData(SendMode.FastSendMMsg, false)]
    [InlineData(SendMode.FastSendMMsg, true)]
    [InlineData(SendMode.FastGso, false)]
    [InlineData(SendMode.FastGso, true)]
    public void Loopback_throughput(SendMode mode, bool gro)
    {
        double seconds = double.TryParse(Environment.GetEnvironmentVariable("SHARPQUIC_MEASURE_SECONDS"), out double s) ? s : 0.4;
        var receiverOptions = new UdpSocketOptions
        {
            Kind = mode == SendMode.PortableSocket ? UdpSocketKind.Portable : UdpSocketKind.Linux,
            EnableGro = gro,
            ReceiveBufferSize = 8 << 20,
        };
        using IUdpSocket receiver = UdpSocketFactory.Open(new IPEndPoint(IPAddress.Loopback, 0), receiverOptions);
        using var stop = new CancellationTokenSource();
        long receivedBytes = 0;
        long receivedDatagrams = 0;
        var receiveThread = new Thread(() =>
        {
            byte[] buffer = GC.AllocateArray<byte>(receiver.ReceiveSlotSize * Math.Min(32, 1024 / receiver.MaxDatagramsPerSlot), pinned: true);
            var into = new ReceivedDatagram[1024];
            while (!stop.IsCancellationRequested)
            {
                UdpReceiveOutcome r = receiver.Receive(buffer, into);
                if (r.Status != UdpReceiveStatus.Received)
                {
                    _ = receiver.WaitReadable(10);
                    continue;
                }

                long bytes = 0;
                for (int i = 0; i < r.Count; i++)
                {
                    bytes += into[i].Length;
                }

                Interlocked.Add(ref receivedBytes, bytes);
                Interlocked.Add(ref receivedDatagrams, r.Count);
            }
        })
        { IsBackground = true };
        receiveThread.Start();

        IPEndPoint target = receiver.LocalEndPoint;
        long sentDatagrams = 0;
        var clock = Stopwatch.StartNew();
        long startBytes = 0;
        long sentAtStart = 0;
        bool warm = false;
        double elapsed;
        if (mode == SendMode.PlainSocketSend)
        {
            using var plain = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            plain.Connect(target);
            byte[] datagram = new byte[Size];
            while (true)
            {
                bool wasWarm = warm;
                if (!Tick(ref warm, ref startBytes, clock, seconds, ref receivedBytes, out elapsed))
                {
                    break;
                }

                if (warm && !wasWarm)
                {
                    sentAtStart = sentDatagrams;
                }

                for (int i = 0; i < Batch; i++)
                {
                    try
                    {
                        _ = plain.Send(datagram);
                        sentDatagrams++;
                    }
                    catch (SocketException)
                    {
                        Thread.Yield();
                    }
                }
            }
        }
        else
        {
            var senderOptions = new UdpSocketOptions { Kind = receiverOptions.Kind, SendBufferSize = 8 << 20 };
            using IUdpSocket sender = UdpSocketFactory.Open(new IPEndPoint(IPAddress.Loopback, 0), senderOptions);
            byte[] buffer = GC.AllocateArray<byte>(Batch * Size, pinned: true);
            OutgoingDatagram[] batch = mode == SendMode.FastGso
                ? [new OutgoingDatagram(new Transmit(target, Batch * Size, SegmentSize: Size), 0)]
                : Enumerable.Range(0, Batch).Select(i => new OutgoingDatagram(new Transmit(target, Size), i * Size)).ToArray();
            var single = new Transmit(target, Size);
            while (true)
            {
                bool wasWarm = warm;
                if (!Tick(ref warm, ref startBytes, clock, seconds, ref receivedBytes, out elapsed))
                {
                    break;
                }

                if (warm && !wasWarm)
                {
                    sentAtStart = sentDatagrams;
                }

                if (mode is SendMode.FastSingle or SendMode.PortableSocket)
                {
                    for (int i = 0; i < Batch; i++)
                    {
                        if (sender.TrySend(single, buffer.AsSpan(0, Size)).Status == UdpSendStatus.Sent)
                        {
                            sentDatagrams++;
                        }
                    }
                }
                else
                {
                    UdpSendOutcome r = sender.Send(buffer, batch);
                    sentDatagrams += r.Sent * (mode == SendMode.FastGso ? Batch : 1);
                    if (r.Status != UdpSendStatus.Sent)
                    {
                        Thread.Yield();
                    }
                }
            }
        }

        long bytes = Interlocked.Read(ref receivedBytes) - startBytes;
        stop.Cancel();
        receiver.Wake();
        Assert.True(receiveThread.Join(5_000));
        double gbps = bytes / elapsed / 1e9;
        double sentGbps = (sentDatagrams - sentAtStart) * (double)Size / elapsed / 1e9;
        output.WriteLine($"{mode,-16} receiver GRO={(receiver.SupportsGro ? "on " : "off")}: {gbps,6:F2} GB/s received, {sentGbps,6:F2} GB/s sent ({bytes / Size:N0} of {sentDatagrams - sentAtStart:N0} datagrams in {elapsed:F2} s)");
        Assert.True(Interlocked.Read(ref receivedDatagrams) > 0);
    }

    /// <summary>Warm up for a fifth of the time, then measure; false when the time is up.</summary>
    private static bool Tick(ref bool warm, ref long startBytes, Stopwatch clock, double seconds, ref long receivedBytes, out double elapsed)
    {
        if (!warm && clock.Elapsed.TotalSeconds >= seconds / 5)
        {
            warm = true;
            startBytes = Interlocked.Read(ref receivedBytes);
            clock.Restart();
        }

        elapsed = clock.Elapsed.TotalSeconds;
        return !warm || elapsed < seconds;
    }
}
