using System.Runtime.InteropServices;

namespace SharpQuic.Udp.Linux;

/// <summary>
/// The few libc calls the Linux fast path needs, source-generated (LibraryImport: no runtime
/// marshalling stubs, trimming and NativeAOT safe). Only blittable arguments cross.
/// </summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc";

    [LibraryImport(Library, EntryPoint = "recvmmsg", SetLastError = true)]
    internal static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(Library, EntryPoint = "sendmmsg", SetLastError = true)]
    internal static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(Library, EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);
}

/// <summary>Linux constants (asm-generic values, the same on x64 and arm64).</summary>
internal static class Sys
{
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;

    public const int SOL_SOCKET = 1;
    public const int SO_REUSEPORT = 15;

    public const int SOL_IP = 0;
    public const int IP_TOS = 1;
    public const int IP_PKTINFO = 8;
    public const int IP_MTU_DISCOVER = 10;
    public const int IP_RECVTOS = 13;
    public const int IP_PMTUDISC_PROBE = 3;

    public const int SOL_IPV6 = 41;
    public const int IPV6_MTU_DISCOVER = 23;
    public const int IPV6_RECVPKTINFO = 49;
    public const int IPV6_PKTINFO = 50;
    public const int IPV6_RECVTCLASS = 66;
    public const int IPV6_TCLASS = 67;
    public const int IPV6_PMTUDISC_PROBE = 3;

    public const int SOL_UDP = 17;
    public const int UDP_SEGMENT = 103;
    public const int UDP_GRO = 104;

    public const int MSG_CTRUNC = 0x08;
    public const int MSG_TRUNC = 0x20;
    public const int MSG_DONTWAIT = 0x40;

    public const short POLLIN = 0x001;
    public const short POLLOUT = 0x004;
    public const short POLLERR = 0x008;
    public const short POLLHUP = 0x010;
    public const short POLLNVAL = 0x020;

    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;

    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EAGAIN = 11;
    public const int EINVAL = 22;
    public const int EMSGSIZE = 90;
    public const int ENOPROTOOPT = 92;
    public const int ENETUNREACH = 101;
    public const int ENOBUFS = 105;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;
}

// Layouts for LP64 Linux (x64 and arm64 share them; glibc and musl agree). Sizes are asserted by
// NativeLayout.IsValid before the fast path is used; on anything else the portable socket is used.

/// <summary>struct iovec: base pointer, length. 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public byte* Base;
    public nuint Length;
}

/// <summary>
/// struct msghdr, 56 bytes: name (8), namelen (4 + 4 padding), iov (8), iovlen (8), control (8),
/// controllen (8), flags (4 + 4 padding).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* Name;
    public uint NameLength;
    public IoVec* Iov;
    public nuint IovLength;
    public byte* Control;
    public nuint ControlLength;
    public int Flags;
}

/// <summary>struct mmsghdr, 64 bytes: a msghdr and the byte count the kernel fills in (4 + 4 padding).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MMsgHdr
{
    public MsgHdr Header;
    public uint Length;
}

/// <summary>struct cmsghdr, 16 bytes: len (size_t), level, type; data follows, 8-byte aligned.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CMsgHdr
{
    public nuint Length;
    public int Level;
    public int Type;
}

/// <summary>struct pollfd, 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short Revents;
}

/// <summary>Sizes of the C structs and the CMSG_* arithmetic of glibc's &lt;sys/socket.h&gt; for 64-bit Linux.</summary>
internal static unsafe class NativeLayout
{
    /// <summary>sizeof(struct sockaddr_in).</summary>
    public const int SockAddrIn = 16;

    /// <summary>sizeof(struct sockaddr_in6).</summary>
    public const int SockAddrIn6 = 28;

    /// <summary>sizeof(struct in_pktinfo): ifindex, spec_dst, addr.</summary>
    public const int InPktInfo = 12;

    /// <summary>sizeof(struct in6_pktinfo): addr, ifindex.</summary>
    public const int In6PktInfo = 20;

    /// <summary>CMSG_ALIGN: control message lengths round up to sizeof(size_t).</summary>
    public static int Align(int length) => (length + 7) & ~7;

    /// <summary>CMSG_LEN(n).</summary>
    public static int CMsgLen(int dataLength) => sizeof(CMsgHdr) + dataLength;

    /// <summary>CMSG_SPACE(n).</summary>
    public static int CMsgSpace(int dataLength) => sizeof(CMsgHdr) + Align(dataLength);

    /// <summary>True when the structs above have the sizes the kernel expects (64-bit only).</summary>
    public static bool IsValid =>
        sizeof(nint) == 8
        && sizeof(IoVec) == 16
        && sizeof(MsgHdr) == 56
        && sizeof(MMsgHdr) == 64
        && sizeof(CMsgHdr) == 16
        && sizeof(PollFd) == 8;
}
