using SharpQuic.Core;
using System.Diagnostics;
using System.Net;
using SharpQuic.Udp;

namespace SharpQuic.Tests.Udp;

/// <summary>Opens sockets by kind name and collects datagrams with a deadline.</summary>
internal static class UdpTestHelpers
{
    public const int TimeoutMs = 5_000;

    public static UdpSocketKind KindOf(string kind) => kind switch
    {
        "linux" => UdpSocketKind.Linux,
        "portable" => UdpSocketKind.Portable,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static IUdpSocket Open(string kind, IPAddress address, Action<UdpSocketOptions>? configure = null)
    {
        var options = new UdpSocketOptions { Kind = KindOf(kind) };
        configure?.Invoke(options);
        IUdpSocket socket = UdpSocketFactory.Open(new IPEndPoint(address, 0), options);
        Assert.Equal(KindOf(kind), socket.Kind);
        return socket;
    }

    /// <summary>The socket's address as a destination (an unspecified bind address becomes loopback).</summary>
    public static IPEndPoint Target(IUdpSocket socket)
    {
        IPAddress a = socket.LocalEndPoint.Address;
        if (a.Equals(IPAddress.Any))
        {
            a = IPAddress.Loopback;
        }
        else if (a.Equals(IPAddress.IPv6Any))
        {
            a = IPAddress.IPv6Loopback;
        }

        return new IPEndPoint(a, socket.LocalEndPoint.Port);
    }

    public sealed record Datagram(byte[] Payload, IPEndPoint Source, IPEndPoint? Destination, SharpQuic.Core.EcnCodepoint Ecn);

    /// <summary>Receives until <paramref name="expected"/> datagrams arrived or the deadline passed.</summary>
    public static List<Datagram> ReceiveAll(IUdpSocket socket, int expected, int timeoutMs = TimeoutMs)
    {
        var result = new List<Datagram>();
        byte[] buffer = new byte[socket.ReceiveSlotSize * 4];
        var into = new ReceivedDatagram[Math.Max(4 * socket.MaxDatagramsPerSlot, 64)];
        var clock = Stopwatch.StartNew();
        while (result.Count < expected && clock.ElapsedMilliseconds < timeoutMs)
        {
            UdpReceiveOutcome r = socket.Receive(buffer, into);
            if (r.Status == UdpReceiveStatus.WouldBlock)
            {
                _ = socket.WaitReadable(50);
                continue;
            }

            Assert.Equal(UdpReceiveStatus.Received, r.Status);
            for (int i = 0; i < r.Count; i++)
            {
                ReceivedDatagram d = into[i];
                result.Add(new Datagram(buffer.AsSpan(d.Offset, d.Length).ToArray(), d.Source, d.Destination, d.Ecn));
            }
        }

        return result;
    }

    /// <summary>A payload whose bytes say which datagram it is.</summary>
    public static byte[] Pattern(int length, int seed)
    {
        byte[] b = new byte[length];
        for (int i = 0; i < b.Length; i++)
        {
            b[i] = (byte)((seed * 31) + i);
        }

        if (length >= 4)
        {
            BitConverter.TryWriteBytes(b, seed);
        }

        return b;
    }
}
