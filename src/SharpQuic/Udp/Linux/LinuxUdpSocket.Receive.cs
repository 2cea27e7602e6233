using SharpQuic.Core;
using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using SharpQuic.Core.Endpoint;

namespace SharpQuic.Udp.Linux;

/// <summary>The receive path: recvmmsg, control messages, GRO splitting.</summary>
internal sealed unsafe partial class LinuxUdpSocket
{
    /// <inheritdoc/>
    public UdpReceiveOutcome Receive(Span<byte> buffer, Span<ReceivedDatagram> into)
    {
        if (into.IsEmpty)
        {
            throw new ArgumentException("No room for a datagram.", nameof(into));
        }

        if (buffer.Length < _slotSize)
        {
            throw new ArgumentException($"The buffer must hold at least one slot of {_slotSize} bytes.", nameof(buffer));
        }

        // With GRO one message may split into 64 datagrams: post only as many messages as
        // `into` can take whole, so nothing the kernel hands over has to be dropped.
        int slots = Math.Min(ReceiveBatch, buffer.Length / _slotSize);
        slots = Math.Min(slots, Math.Max(1, into.Length / MaxDatagramsPerSlot));

        bool socketRef = false, nativeRef = false;
        try
        {
            _handle.DangerousAddRef(ref socketRef);
            _native.DangerousAddRef(ref nativeRef);
            fixed (byte* data = buffer)
            {
                MMsgHdr* headers = ReceiveHeaders;
                IoVec* iov = ReceiveIov;
                for (int i = 0; i < slots; i++)
                {
                    iov[i] = new IoVec { Base = data + ((nint)i * _slotSize), Length = (nuint)_slotSize };
                    headers[i] = new MMsgHdr
                    {
                        Header = new MsgHdr
                        {
                            Name = ReceiveNames + (i * NameSize),
                            NameLength = NameSize,
                            Iov = iov + i,
                            IovLength = 1,
                            Control = ReceiveControls + (i * ReceiveControlSize),
                            ControlLength = ReceiveControlSize,
                        },
                    };
                }

                int n;
                int errno;
                do
                {
                    n = LibC.RecvMMsg(_fd, headers, (uint)slots, Sys.MSG_DONTWAIT, null);
                    errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
                }
                while (n < 0 && errno == Sys.EINTR);

                if (n < 0)
                {
                    return errno == Sys.EAGAIN
                        ? new UdpReceiveOutcome(UdpReceiveStatus.WouldBlock, 0)
                        : new UdpReceiveOutcome(UdpReceiveStatus.Error, 0, MapErrno(errno));
                }

                int count = 0;
                for (int i = 0; i < n; i++)
                {
                    count = Unpack(ref headers[i], i * _slotSize, into, count);
                }

                return new UdpReceiveOutcome(UdpReceiveStatus.Received, count);
            }
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

    /// <summary>Turns one kernel message into one datagram, or several when GRO coalesced them.</summary>
    private int Unpack(ref MMsgHdr message, int slotOffset, Span<ReceivedDatagram> into, int count)
    {
        ref MsgHdr h = ref message.Header;
        int length = (int)Math.Min(message.Length, (uint)_slotSize);
        if ((h.Flags & Sys.MSG_TRUNC) != 0)
        {
            // Longer than the slot: the rest is gone, so the datagram is useless.
            TruncatedDatagrams++;
            return count;
        }

        IPEndPoint? source = SockAddr.Read((byte*)h.Name, (int)Math.Min(h.NameLength, (uint)NameSize), _sources);
        if (source is null || length == 0)
        {
            return count; // no usable sender, or an empty datagram: nothing QUIC can use
        }

        var meta = default(ControlInfo);
        ParseControl(h.Control, (int)Math.Min(h.ControlLength, (nuint)ReceiveControlSize), ref meta);

        // The kernel coalesces only datagrams of equal size (the last may be shorter) with the same
        // source and IP header fields, so ECN and addresses hold for every segment.
        int segment = meta.GroSegment > 0 && meta.GroSegment < length ? meta.GroSegment : length;
        if (segment < length)
        {
            CoalescedMessages++;
        }

        for (int offset = 0; offset < length; offset += segment)
        {
            if (count == into.Length)
            {
                OverflowDatagrams++;
                continue;
            }

            into[count++] = new ReceivedDatagram
            {
                Offset = slotOffset + offset,
                Length = Math.Min(segment, length - offset),
                Source = source,
                Destination = meta.Destination,
                InterfaceIndex = meta.InterfaceIndex,
                Ecn = meta.Ecn,
            };
        }

        return count;
    }

    /// <summary>Walks the control messages (CMSG_FIRSTHDR / CMSG_NXTHDR), every length checked against the buffer.</summary>
    private void ParseControl(byte* control, int controlLength, ref ControlInfo info)
    {
        int offset = 0;
        while (controlLength - offset >= sizeof(CMsgHdr))
        {
            var header = (CMsgHdr*)(control + offset);
            nuint cmsgLength = header->Length;
            if (cmsgLength < (nuint)sizeof(CMsgHdr) || cmsgLength > (nuint)(controlLength - offset))
            {
                return;
            }

            var data = new ReadOnlySpan<byte>(control + offset + sizeof(CMsgHdr), (int)cmsgLength - sizeof(CMsgHdr));
            switch ((header->Level, header->Type))
            {
                case (Sys.SOL_IP, Sys.IP_TOS) when data.Length >= 1:
                    info.Ecn = (EcnCodepoint)(data[0] & 0b11); // RFC 3168 §5: the low two bits of TOS
                    break;
                case (Sys.SOL_IPV6, Sys.IPV6_TCLASS) when data.Length >= 4:
                    info.Ecn = (EcnCodepoint)(MemoryMarshal.Read<int>(data) & 0b11);
                    break;
                case (Sys.SOL_IP, Sys.IP_PKTINFO) when data.Length >= NativeLayout.InPktInfo:
                    // in_pktinfo: ipi_ifindex, ipi_spec_dst, ipi_addr (the header's destination).
                    info.InterfaceIndex = MemoryMarshal.Read<int>(data);
                    info.Destination = _destinations.GetV4(data.Slice(8, 4), LocalEndPoint.Port);
                    break;
                case (Sys.SOL_IPV6, Sys.IPV6_PKTINFO) when data.Length >= NativeLayout.In6PktInfo:
                    ReadOnlySpan<byte> address = data[..16];
                    info.InterfaceIndex = MemoryMarshal.Read<int>(data[16..]);
                    info.Destination = SockAddr.IsV4Mapped(address)
                        ? _destinations.GetV4(address[12..], LocalEndPoint.Port)
                        : _destinations.GetV6(address, LocalEndPoint.Port, SockAddr.IsLinkLocal(address) ? (uint)info.InterfaceIndex : 0);
                    break;
                case (Sys.SOL_UDP, Sys.UDP_GRO) when data.Length >= 2:
                    int size = data.Length >= 4 ? MemoryMarshal.Read<int>(data) : BinaryPrimitives.ReadUInt16LittleEndian(data);
                    info.GroSegment = size > 0 ? size : 0;
                    break;
            }

            offset += NativeLayout.Align((int)cmsgLength);
        }
    }

    private struct ControlInfo
    {
        public EcnCodepoint Ecn;
        public IPEndPoint? Destination;
        public int InterfaceIndex;
        public int GroSegment;
    }
}
