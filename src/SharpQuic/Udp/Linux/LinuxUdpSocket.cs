using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace SharpQuic.Udp.Linux;

/// <summary>
/// The Linux fast path: a <see cref="Socket"/> for creation, options and binding, and
/// recvmmsg/sendmmsg with control messages for the data path (UDP_SEGMENT per send, UDP_GRO,
/// IP_TOS/IPV6_TCLASS, IP_PKTINFO/IPV6_PKTINFO). Every feature is probed at open and stays off if
/// the kernel refuses it; GSO is also turned off the first time the kernel rejects a GSO send.
/// </summary>
/// <remarks>
/// Native memory layout (one block, see <see cref="NativeResources"/>): for receives
/// <see cref="ReceiveBatch"/> × (mmsghdr, iovec, 32-byte sockaddr, control buffer), then the same
/// for sends with <see cref="SendBatch"/> entries. Payload buffers are the caller's, pinned with
/// <c>fixed</c> for the length of one system call only.
/// </remarks>
internal sealed unsafe partial class LinuxUdpSocket : IUdpSocket
{
    /// <summary>Kernel messages per recvmmsg.</summary>
    internal const int ReceiveBatch = 32;

    /// <summary>Kernel messages per sendmmsg.</summary>
    internal const int SendBatch = 64;

    /// <summary>UDP_GRO coalesces at most this many datagrams (UDP_GRO_CNT_MAX) into 64 KiB.</summary>
    internal const int GroMaxSegments = 64;

    /// <summary>UDP_MAX_SEGMENTS of older kernels (newer allow 128): what one GSO send may carry.</summary>
    internal const int DefaultMaxGsoSegments = 64;

    private const int NameSize = 32;
    private const int ReceiveControlSize = 128;
    private const int SendControlSize = 96;
    private const int GroSlotSize = 65_536;

    private readonly Socket _socket;
    private readonly SafeHandle _handle;
    private readonly int _fd;
    private readonly NativeResources _native;
    private readonly bool _ipv6;
    private readonly EndPointCache _sources;
    private readonly EndPointCache _destinations;
    private readonly int _slotSize;
    private readonly int[] _messageTransmit = new int[SendBatch];
    private readonly int[] _messageNextDatagram = new int[SendBatch];
    private readonly bool[] _messageGso = new bool[SendBatch];
    private bool _gso;
    private int _disposed;

    private LinuxUdpSocket(Socket socket, NativeResources native, UdpSocketOptions options, bool ecn, bool packetInfo, bool gso, bool gro)
    {
        _socket = socket;
        _handle = socket.SafeHandle;
        _fd = (int)_handle.DangerousGetHandle();
        _native = native;
        _ipv6 = socket.AddressFamily == AddressFamily.InterNetworkV6;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
        SupportsEcn = ecn;
        SupportsPacketInfo = packetInfo;
        _gso = gso;
        SupportsGro = gro;
        _slotSize = gro ? GroSlotSize : options.MaxReceiveDatagramSize;
        _sources = new EndPointCache(options.EndPointCacheSize);
        _destinations = new EndPointCache(16);
    }

    /// <summary>True on 64-bit Linux, where the native layouts of this class hold.</summary>
    public static bool IsPlatformSupported => OperatingSystem.IsLinux() && NativeLayout.IsValid;

    /// <inheritdoc/>
    public UdpSocketKind Kind => UdpSocketKind.Linux;

    /// <inheritdoc/>
    public IPEndPoint LocalEndPoint { get; }

    /// <inheritdoc/>
    public bool SupportsGso => _gso;

    /// <inheritdoc/>
    public bool SupportsGro { get; }

    /// <inheritdoc/>
    public bool SupportsEcn { get; }

    /// <inheritdoc/>
    public bool SupportsPacketInfo { get; }

    /// <inheritdoc/>
    public int MaxGsoSegments { get; internal set; } = DefaultMaxGsoSegments;

    /// <inheritdoc/>
    public int MaxGsoBytes => 65_507; // 65,535 − 20 (IPv4 header) − 8 (UDP header)

    /// <inheritdoc/>
    public int ReceiveSlotSize => _slotSize;

    /// <inheritdoc/>
    public int MaxDatagramsPerSlot => SupportsGro ? GroMaxSegments : 1;

    /// <summary>Datagrams dropped because the kernel truncated them (longer than <see cref="ReceiveSlotSize"/>).</summary>
    public long TruncatedDatagrams { get; private set; }

    /// <summary>Segments of a GRO message dropped because <c>into</c> had no room left.</summary>
    public long OverflowDatagrams { get; private set; }

    /// <summary>Kernel messages that held more than one datagram (GRO coalesced them).</summary>
    public long CoalescedMessages { get; private set; }

    /// <summary>How many times GSO was turned off after the kernel refused a GSO send (0 or 1).</summary>
    public int GsoFailures { get; private set; }

    /// <summary>
    /// Creates, configures and binds a socket, or returns null when the native layer is missing
    /// (not Linux, not 64-bit, no libc entry points). Binding errors are thrown, as a
    /// <see cref="SocketException"/>.
    /// </summary>
    public static LinuxUdpSocket? TryOpen(IPEndPoint localEndPoint, UdpSocketOptions options)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        ArgumentNullException.ThrowIfNull(options);
        if (!IsPlatformSupported)
        {
            return null;
        }

        int eventFd;
        try
        {
            eventFd = LibC.EventFd(0, Sys.EFD_NONBLOCK | Sys.EFD_CLOEXEC);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }

        if (eventFd < 0)
        {
            return null;
        }

        var native = new NativeResources(
            (nuint)(ReceiveBatch * (sizeof(MMsgHdr) + sizeof(IoVec) + NameSize + ReceiveControlSize)
                  + SendBatch * (sizeof(MMsgHdr) + sizeof(IoVec) + NameSize + SendControlSize)),
            eventFd);
        Socket? socket = null;
        try
        {
            socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            bool ipv6 = localEndPoint.AddressFamily == AddressFamily.InterNetworkV6;
            if (ipv6)
            {
                socket.DualMode = options.DualStack;
            }

            if (options.ReusePort && !TrySet(socket, Sys.SOL_SOCKET, Sys.SO_REUSEPORT, 1))
            {
                throw new SocketException((int)SocketError.ProtocolOption);
            }

            TrySetBufferSizes(socket, options);
            socket.Bind(localEndPoint);
            socket.Blocking = false; // MSG_DONTWAIT is passed as well; a send must never park the worker

            bool dual = ipv6 && options.DualStack;
            bool v4Level = !ipv6 || dual;
            bool ecn = options.EnableEcn
                && (!v4Level || TrySet(socket, Sys.SOL_IP, Sys.IP_RECVTOS, 1))
                && (!ipv6 || TrySet(socket, Sys.SOL_IPV6, Sys.IPV6_RECVTCLASS, 1));
            bool packetInfo = options.EnablePacketInfo
                && (!v4Level || TrySet(socket, Sys.SOL_IP, Sys.IP_PKTINFO, 1))
                && (!ipv6 || TrySet(socket, Sys.SOL_IPV6, Sys.IPV6_RECVPKTINFO, 1));
            if (options.DontFragment)
            {
                // RFC 9000 §14: QUIC datagrams must not be fragmented; PROBE also ignores the cached
                // path MTU so that DPLPMTUD probes (RFC 8899) larger than it can be sent at all.
                if (v4Level)
                {
                    _ = TrySet(socket, Sys.SOL_IP, Sys.IP_MTU_DISCOVER, Sys.IP_PMTUDISC_PROBE);
                }

                if (ipv6)
                {
                    _ = TrySet(socket, Sys.SOL_IPV6, Sys.IPV6_MTU_DISCOVER, Sys.IPV6_PMTUDISC_PROBE);
                }
            }

            // Setting the socket-wide segment size to 0 changes nothing but fails (ENOPROTOOPT) on
            // kernels without UDP GSO (before 4.18); the size itself goes in a cmsg per send.
            bool gso = options.EnableGso && TrySet(socket, Sys.SOL_UDP, Sys.UDP_SEGMENT, 0);
            bool gro = options.EnableGro && TrySet(socket, Sys.SOL_UDP, Sys.UDP_GRO, 1);
            return new LinuxUdpSocket(socket, native, options, ecn, packetInfo, gso, gro);
        }
        catch
        {
            socket?.Dispose();
            native.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public UdpWaitResult WaitReadable(int timeoutMilliseconds, bool orWritable = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMilliseconds, -1);
        if (Volatile.Read(ref _disposed) != 0)
        {
            return UdpWaitResult.Disposed;
        }

        bool socketRef = false, nativeRef = false;
        try
        {
            _handle.DangerousAddRef(ref socketRef);
            _native.DangerousAddRef(ref nativeRef);
            PollFd* fds = stackalloc PollFd[2];
            fds[0] = new PollFd { Fd = _fd, Events = orWritable ? (short)(Sys.POLLIN | Sys.POLLOUT) : Sys.POLLIN };
            fds[1] = new PollFd { Fd = _native.EventFd, Events = Sys.POLLIN };
            int n = LibC.Poll(fds, 2, timeoutMilliseconds);
            if (n < 0)
            {
                // EINTR: a signal; the worker recomputes its deadline and waits again.
                return Volatile.Read(ref _disposed) != 0 ? UdpWaitResult.Disposed : UdpWaitResult.Woken;
            }

            if (fds[1].Revents != 0)
            {
                ulong value;
                _ = LibC.Read(_native.EventFd, &value, sizeof(ulong)); // resets the counter
                return Volatile.Read(ref _disposed) != 0 ? UdpWaitResult.Disposed : UdpWaitResult.Woken;
            }

            if (Volatile.Read(ref _disposed) != 0)
            {
                return UdpWaitResult.Disposed;
            }

            if (n == 0)
            {
                return UdpWaitResult.TimedOut;
            }

            // Readable wins when both hold: the worker tries to send on every turn anyway.
            return (fds[0].Revents & Sys.POLLOUT) != 0 && (fds[0].Revents & Sys.POLLIN) == 0
                ? UdpWaitResult.Writable
                : UdpWaitResult.Readable;
        }
        catch (ObjectDisposedException)
        {
            return UdpWaitResult.Disposed;
        }
        finally
        {
            if (nativeRef)
            {
                _native.DangerousRelease();
            }

            if (socketRef)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <inheritdoc/>
    public void Wake()
    {
        bool nativeRef = false;
        try
        {
            _native.DangerousAddRef(ref nativeRef);
            ulong one = 1;
            _ = LibC.Write(_native.EventFd, &one, sizeof(ulong)); // EAGAIN only if already signalled
        }
        catch (ObjectDisposedException)
        {
            // Disposed: nobody is waiting any more.
        }
        finally
        {
            if (nativeRef)
            {
                _native.DangerousRelease();
            }
        }
    }

    /// <summary>Wakes a waiting worker, closes the socket and frees native memory once no system call uses it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Wake();
        _socket.Dispose();
        _native.Dispose();
    }

    private static bool TrySet(Socket socket, int level, int name, int value)
    {
        try
        {
            socket.SetRawSocketOption(level, name, MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in value)));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void TrySetBufferSizes(Socket socket, UdpSocketOptions options)
    {
        // Best effort: the kernel caps these at net.core.rmem_max / wmem_max.
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

    private static SocketError MapErrno(int errno) => errno switch
    {
        Sys.EAGAIN => SocketError.WouldBlock,
        Sys.EMSGSIZE => SocketError.MessageSize,
        Sys.ECONNREFUSED => SocketError.ConnectionRefused,
        Sys.ENETUNREACH => SocketError.NetworkUnreachable,
        Sys.EHOSTUNREACH => SocketError.HostUnreachable,
        Sys.ENOBUFS => SocketError.NoBufferSpaceAvailable,
        Sys.EINVAL => SocketError.InvalidArgument,
        Sys.ENOPROTOOPT => SocketError.ProtocolOption,
        _ => SocketError.SocketError,
    };

    // Native block layout helpers.
    private MMsgHdr* ReceiveHeaders => (MMsgHdr*)_native.Memory;

    private IoVec* ReceiveIov => (IoVec*)(_native.Memory + (ReceiveBatch * sizeof(MMsgHdr)));

    private byte* ReceiveNames => (byte*)(ReceiveIov + ReceiveBatch);

    private byte* ReceiveControls => ReceiveNames + (ReceiveBatch * NameSize);

    private MMsgHdr* SendHeaders => (MMsgHdr*)(ReceiveControls + (ReceiveBatch * ReceiveControlSize));

    private IoVec* SendIov => (IoVec*)(SendHeaders + SendBatch);

    private byte* SendNames => (byte*)(SendIov + SendBatch);

    private byte* SendControls => SendNames + (SendBatch * NameSize);
}
