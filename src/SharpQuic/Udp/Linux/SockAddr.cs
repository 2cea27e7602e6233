using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace SharpQuic.Udp.Linux;

/// <summary>sockaddr_in / sockaddr_in6 encoding and decoding, without allocating.</summary>
internal static unsafe class SockAddr
{
    /// <summary>
    /// Writes <paramref name="endPoint"/> as the socket's family expects it: an IPv4 address on an
    /// IPv6 socket becomes IPv4-mapped (RFC 4291 §2.5.5.2); an IPv4-mapped address on an IPv4 socket
    /// becomes plain IPv4.
    /// </summary>
    /// <returns>The sockaddr length, or 0 when the address cannot be reached through this socket.</returns>
    public static int Write(IPEndPoint endPoint, bool ipv6Socket, byte* destination)
    {
        Span<byte> address = stackalloc byte[16];
        IPAddress ip = endPoint.Address;
        bool isV4 = ip.AddressFamily == AddressFamily.InterNetwork;
        if (!isV4 && ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return 0;
        }

        _ = ip.TryWriteBytes(address, out _);
        var span = new Span<byte>(destination, NativeLayout.SockAddrIn6);
        span.Clear();
        if (ipv6Socket)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span, Sys.AF_INET6); // sa_family_t is host order
            BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)endPoint.Port);
            if (isV4)
            {
                span[18] = 0xFF;
                span[19] = 0xFF;
                address[..4].CopyTo(span[20..]);
            }
            else
            {
                address.CopyTo(span[8..]);
                BinaryPrimitives.WriteUInt32LittleEndian(span[24..], (uint)ip.ScopeId);
            }

            return NativeLayout.SockAddrIn6;
        }

        if (!isV4)
        {
            if (!IsV4Mapped(address))
            {
                return 0;
            }

            address.Slice(12, 4).CopyTo(address);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(span, Sys.AF_INET);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)endPoint.Port);
        address[..4].CopyTo(span[4..]);
        return NativeLayout.SockAddrIn;
    }

    /// <summary>True when the address goes out as IPv4 (so IPv4 control messages apply).</summary>
    public static bool IsV4Destination(IPAddress address)
        => address.AddressFamily == AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6;

    /// <summary>
    /// Reads the sender's address as the kernel wrote it (at most <paramref name="length"/> bytes).
    /// IPv4-mapped IPv6 senders come back as IPv4 so one peer has one key whichever socket it used.
    /// </summary>
    /// <returns>The cached end point, or null for an address family or length the kernel should never give.</returns>
    public static IPEndPoint? Read(byte* name, int length, EndPointCache cache)
    {
        if (length < 2)
        {
            return null;
        }

        var span = new ReadOnlySpan<byte>(name, Math.Min(length, NativeLayout.SockAddrIn6));
        int family = BinaryPrimitives.ReadUInt16LittleEndian(span);
        if (family == Sys.AF_INET && span.Length >= NativeLayout.SockAddrIn)
        {
            return cache.GetV4(span.Slice(4, 4), BinaryPrimitives.ReadUInt16BigEndian(span[2..]));
        }

        if (family == Sys.AF_INET6 && span.Length >= NativeLayout.SockAddrIn6)
        {
            int port = BinaryPrimitives.ReadUInt16BigEndian(span[2..]);
            ReadOnlySpan<byte> address = span.Slice(8, 16);
            return IsV4Mapped(address)
                ? cache.GetV4(address[12..], port)
                : cache.GetV6(address, port, BinaryPrimitives.ReadUInt32LittleEndian(span[24..]));
        }

        return null;
    }

    /// <summary>::ffff:a.b.c.d (RFC 4291 §2.5.5.2).</summary>
    public static bool IsV4Mapped(ReadOnlySpan<byte> address)
        => address.Length == 16
        && BinaryPrimitives.ReadUInt64LittleEndian(address) == 0
        && BinaryPrimitives.ReadUInt16LittleEndian(address[8..]) == 0
        && address[10] == 0xFF && address[11] == 0xFF;

    /// <summary>fe80::/10, whose scope is the interface.</summary>
    public static bool IsLinkLocal(ReadOnlySpan<byte> address) => address[0] == 0xFE && (address[1] & 0xC0) == 0x80;
}
