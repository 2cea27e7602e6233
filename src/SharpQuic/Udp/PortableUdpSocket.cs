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
    private readonly SocketAddress _wakeAddress;
    private readonly EndPoint _anyRemote;
    private readonly bool _packetInfo;
    private readonly SocketAddress _received;
    private readonly EndPointCache _sources;
    private readonly Dictionary<IPEndPoint, SocketAddress> _destinations = new(ReferenceEqualityComparer.Instance);
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
        _wakeAddress = _wakeTarget.Serialize(); // Serialized once: Wake runs for every command batch, allocation-free.
        _anyRemote = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);

        // The local address of each datagram matters only on a socket bound to a wildcard address (a multi-homed
        // server answering from the address the client used); elsewhere it is the bound address. Only that case
        // takes ReceiveMessageFrom, which allocates per datagram; the others use the allocation-free ReceiveFrom.
        bool wildcard = LocalEndPoint.Address.Equals(IPAddress.Any) || LocalEndPoint.Address.Equals(IPAddress.IPv6Any);
        _packetInfo = options.EnablePacketInfo && wildcard;
        _received = new SocketAddress(socket.AddressFamily);
        _sources = new EndPointCache(options.EndPointCacheSize);
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
    public bool SupportsPacketInfo => true; // From IP_PKTINFO on wildcard binds; the bound address otherwise.

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
            SocketAddress destination = AddressOf(t.Destination);
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
            // A non-blocking receive with nothing waiting throws; asking first keeps exceptions off the data path
            // (Poll, not Available: FIONREAD reports 0 for a waiting empty datagram, such as our wake-up one).
            if (!_socket.Poll(0, SelectMode.SelectRead))
            {
                break;
            }

            Span<byte> slot = buffer.Slice(i * _maxDatagram, _maxDatagram);
            SocketFlags flags = SocketFlags.None;
            int length;
            IPEndPoint source;
            IPEndPoint? destination = LocalEndPoint;
            int interfaceIndex = 0;
            try
            {
                if (_packetInfo)
                {
                    EndPoint remote = _anyRemote;
                    length = _socket.ReceiveMessageFrom(slot, ref flags, ref remote, out IPPacketInformation info);
                    source = Normalize((IPEndPoint)remote);
                    destination = info.Address is { } local ? new IPEndPoint(Normalize(local), LocalEndPoint.Port) : null;
                    interfaceIndex = info.Interface;
                }
                else
                {
                    length = _socket.ReceiveFrom(slot, SocketFlags.None, _received);
                    source = SourceOf(_received);

                    // recvfrom does not report MSG_TRUNC here: a datagram filling the whole slot may have been cut.
                    // The runtime advertises a max_udp_payload_size below the slot size (RFC 9000 §18.2).
                    if (length == slot.Length)
                    {
                        flags |= SocketFlags.Truncated;
                    }
                }
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

            into[count++] = new ReceivedDatagram
            {
                Offset = i * _maxDatagram,
                Length = length,
                Source = source,
                Destination = destination,
                InterfaceIndex = interfaceIndex,
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
            _ = _socket.SendTo(ReadOnlySpan<byte>.Empty, SocketFlags.None, _wakeAddress);
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

    private SocketError SendOne(ReadOnlySpan<byte> datagram, SocketAddress destination)
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

    /// <summary>The serialized destination, cached per end point instance (the engine reuses one per path).</summary>
    private SocketAddress AddressOf(IPEndPoint destination)
    {
        if (!_destinations.TryGetValue(destination, out SocketAddress? address))
        {
            if (_destinations.Count >= 4096)
            {
                _destinations.Clear(); // Bounded: a server talking to many peers re-serializes on misses.
            }

            address = ((IPEndPoint)MapDestination(destination)).Serialize();
            _destinations[destination] = address;
        }

        return address;
    }

    /// <summary>The sender of the last ReceiveFrom, as a cached end point (IPv4-mapped addresses as IPv4).</summary>
    private IPEndPoint SourceOf(SocketAddress address)
    {
        ReadOnlySpan<byte> bytes = address.Buffer.Span[..address.Size];
        int port = (bytes[2] << 8) | bytes[3];
        if (address.Family == AddressFamily.InterNetwork)
        {
            return _sources.GetV4(bytes.Slice(4, 4), port);
        }

        ReadOnlySpan<byte> v6 = bytes.Slice(8, 16);
        if (v6[..10].IndexOfAnyExcept((byte)0) < 0 && v6[10] == 0xff && v6[11] == 0xff)
        {
            return _sources.GetV4(v6[12..], port);
        }

        uint scope = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes.Slice(24, 4));
        return _sources.GetV6(v6, port, scope);
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
