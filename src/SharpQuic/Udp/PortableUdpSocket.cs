using SharpQuic.Core;
using System.Net;
using System.Net.Sockets;
using SharpQuic.Core.Endpoint;

namespace SharpQuic.Udp;

/// <summary>
/// The fallback on every platform: <see cref="Socket"/> only, one datagram per call. GSO batches are
/// split into single sends, ECN is neither set nor reported (<see cref="EcnCodepoint.NotEct"/>), and
/// <see cref="Transmit.Source"/> is ignored (the kernel picks the source address). The local
/// destination address of received datagrams comes from <see cref="Socket.ReceiveMessageFrom(Span{byte}, ref SocketFlags, ref EndPoint, out IPPacketInformation)"/>.
/// </summary>
/// <remarks>
/// Same behaviour as the fast path, lower speed; it allocates a little per datagram (the BCL
/// creates an end point per receive and serialises one per send).
/// </remarks>
internal sealed class PortableUdpSocket : IUdpSocket
{
    private readonly Socket _socket;
    private readonly int _maxDatagram;
    private readonly IPEndPoint _wakeTarget;
    private readonly EndPoint _anyRemote;
    private int _disposed;

    private PortableUdpSocket(Socket socket, UdpSocketOptions options)
    {
        _socket = socket;
        _maxDatagram = options.MaxReceiveDatagramSize;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        IPAddress wakeAddress = LocalEndPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : LocalEndPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : LocalEndPoint.Address;
        _wakeTarget = new IPEndPoint(wakeAddress, LocalEndPoint.Port);
        _anyRemote = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
    }

    /// <inheritdoc/>
    public UdpSocketKind Kind => UdpSocketKind.Portable;

    /// <inheritdoc/>
    public IPEndPoint LocalEndPoint { get; }

    /// <inheritdoc/>
    public bool SupportsGso => false;

    /// <inheritdoc/>
    public bool SupportsGro => false;

    /// <inheritdoc/>
    public bool SupportsEcn => false;

    /// <inheritdoc/>
    public bool SupportsPacketInfo => true;

    /// <inheritdoc/>
    public int MaxGsoSegments => 1;

    /// <inheritdoc/>
    public int MaxGsoBytes => 0;

    /// <inheritdoc/>
    public int ReceiveSlotSize => _maxDatagram;

    /// <inheritdoc/>
    public int MaxDatagramsPerSlot => 1;

    /// <summary>Creates and binds the socket; binding errors are thrown as <see cref="SocketException"/>.</summary>
    public static PortableUdpSocket Open(IPEndPoint localEndPoint, UdpSocketOptions options)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        ArgumentNullException.ThrowIfNull(options);
        var socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (localEndPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = options.DualStack;
            }

            if (options.ReusePort)
            {
                // SO_REUSEPORT has no portable setter; SO_REUSEADDR is the nearest (Windows, BSD).
                socket.ExclusiveAddressUse = false;
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            TrySetBufferSizes(socket, options);
            socket.Bind(localEndPoint);
            socket.Blocking = false;
            if (options.DontFragment && localEndPoint.AddressFamily == AddressFamily.InterNetwork)
            {
                try
                {
                    socket.DontFragment = true; // RFC 9000 §14
                }
                catch (SocketException)
                {
                }
            }

            return new PortableUdpSocket(socket, options);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public UdpSendOutcome TrySend(in Transmit transmit, ReadOnlySpan<byte> payload)
    {
        var one = new OutgoingDatagram(transmit, 0);
        return Send(payload, new ReadOnlySpan<OutgoingDatagram>(in one));
    }

    /// <inheritdoc/>
    public UdpSendOutcome Send(ReadOnlySpan<byte> buffer, ReadOnlySpan<OutgoingDatagram> batch)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        for (int i = 0; i < batch.Length; i++)
        {
            Transmit t = batch[i].Transmit;
            ArgumentNullException.ThrowIfNull(t.Destination);
            if (batch[i].Offset < 0 || t.Length < 0 || t.Length > buffer.Length - batch[i].Offset)
            {
                throw new ArgumentOutOfRangeException(nameof(batch), "A transmit lies outside the buffer.");
            }
        }

        for (int i = 0; i < batch.Length; i++)
        {
            Transmit t = batch[i].Transmit;
            ReadOnlySpan<byte> payload = buffer.Slice(batch[i].Offset, t.Length);
            EndPoint destination = MapDestination(t.Destination);
            int segment = t.SegmentSize > 0 ? t.SegmentSize : Math.Max(t.Length, 1);
            int count = t.DatagramCount;
            for (int d = 0; d < count; d++)
            {
                int offset = d * segment;
                SocketError error = SendOne(payload.Slice(offset, Math.Min(segment, t.Length - offset)), destination);
                if (error == SocketError.WouldBlock)
                {
                    return new UdpSendOutcome(UdpSendStatus.WouldBlock, i);
                }

                if (error != SocketError.Success)
                {
                    return new UdpSendOutcome(UdpSendStatus.Error, i, error);
                }
            }
        }

        return new UdpSendOutcome(UdpSendStatus.Sent, batch.Length);
    }

    /// <inheritdoc/>
    public UdpReceiveOutcome Receive(Span<byte> buffer, Span<ReceivedDatagram> into)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (into.IsEmpty)
        {
            throw new ArgumentException("No room for a datagram.", nameof(into));
        }

        if (buffer.Length < _maxDatagram)
        {
            throw new ArgumentException($"The buffer must hold at least one slot of {_maxDatagram} bytes.", nameof(buffer));
        }

        int slots = Math.Min(into.Length, buffer.Length / _maxDatagram);
        int count = 0;
        bool any = false;
        for (int i = 0; i < slots; i++)
        {
            Span<byte> slot = buffer.Slice(i * _maxDatagram, _maxDatagram);
            SocketFlags flags = SocketFlags.None;
            EndPoint remote = _anyRemote;
            int length;
            IPPacketInformation info;
            try
            {
                length = _socket.ReceiveMessageFrom(slot, ref flags, ref remote, out info);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
            {
                any = true; // truncated: useless, dropped
                continue;
            }
            catch (SocketException e)
            {
                return any ? new UdpReceiveOutcome(UdpReceiveStatus.Received, count) : new UdpReceiveOutcome(UdpReceiveStatus.Error, 0, e.SocketErrorCode);
            }

            any = true;
            if (length == 0 || (flags & SocketFlags.Truncated) != 0)
            {
                continue; // empty (our own wake-up datagram, or useless) or truncated
            }

            var source = Normalize((IPEndPoint)remote);
            into[count++] = new ReceivedDatagram
            {
                Offset = i * _maxDatagram,
                Length = length,
                Source = source,
                Destination = info.Address is { } local ? new IPEndPoint(Normalize(local), LocalEndPoint.Port) : null,
                InterfaceIndex = info.Interface,
                Ecn = EcnCodepoint.NotEct,
            };
        }

        return any ? new UdpReceiveOutcome(UdpReceiveStatus.Received, count) : new UdpReceiveOutcome(UdpReceiveStatus.WouldBlock, 0);
    }

    /// <inheritdoc/>
    public UdpWaitResult WaitReadable(int timeoutMilliseconds, bool orWritable = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMilliseconds, -1);
        if (Volatile.Read(ref _disposed) != 0)
        {
            return UdpWaitResult.Disposed;
        }

        try
        {
            if (orWritable)
            {
                // Socket.Poll watches one condition: look at writability now, and wait for data at
                // most a millisecond so that a full UDP send buffer (which drains quickly) is
                // looked at again soon.
                if (_socket.Poll(0, SelectMode.SelectWrite))
                {
                    return UdpWaitResult.Writable;
                }

                timeoutMilliseconds = timeoutMilliseconds is < 0 or > 1 ? 1 : timeoutMilliseconds;
            }

            bool readable = _socket.Poll(timeoutMilliseconds < 0 ? -1 : timeoutMilliseconds * 1000L > int.MaxValue ? int.MaxValue : timeoutMilliseconds * 1000, SelectMode.SelectRead);
            if (Volatile.Read(ref _disposed) != 0)
            {
                return UdpWaitResult.Disposed;
            }

            return readable ? UdpWaitResult.Readable : UdpWaitResult.TimedOut;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return Volatile.Read(ref _disposed) != 0 ? UdpWaitResult.Disposed : UdpWaitResult.Woken;
        }
    }

    /// <summary>
    /// Sends an empty datagram to the socket itself: Socket.Poll cannot be interrupted otherwise.
    /// The wait then reports <see cref="UdpWaitResult.Readable"/>; <see cref="Receive"/> drops empty datagrams
    /// (QUIC never sends one).
    /// </summary>
    public void Wake()
    {
        try
        {
            _ = _socket.SendTo(ReadOnlySpan<byte>.Empty, SocketFlags.None, _wakeTarget);
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Wake();
        _socket.Dispose();
    }

    private SocketError SendOne(ReadOnlySpan<byte> datagram, EndPoint destination)
    {
        try
        {
            _ = _socket.SendTo(datagram, SocketFlags.None, destination);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }

    private EndPoint MapDestination(IPEndPoint destination)
    {
        if (_socket.AddressFamily == AddressFamily.InterNetworkV6 && destination.AddressFamily == AddressFamily.InterNetwork)
        {
            return new IPEndPoint(destination.Address.MapToIPv6(), destination.Port);
        }

        if (_socket.AddressFamily == AddressFamily.InterNetwork && destination.Address.IsIPv4MappedToIPv6)
        {
            return new IPEndPoint(destination.Address.MapToIPv4(), destination.Port);
        }

        return destination;
    }

    private static IPEndPoint Normalize(IPEndPoint endPoint)
        => endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static void TrySetBufferSizes(Socket socket, UdpSocketOptions options)
    {
        try
        {
            if (options.ReceiveBufferSize > 0)
            {
                socket.ReceiveBufferSize = options.ReceiveBufferSize;
            }

            if (options.SendBufferSize > 0)
            {
                socket.SendBufferSize = options.SendBufferSize;
            }
        }
        catch (SocketException)
        {
        }
    }
}
