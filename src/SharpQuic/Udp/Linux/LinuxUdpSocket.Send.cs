using SharpQuic.Core;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SharpQuic.Core.Endpoint;

namespace SharpQuic.Udp.Linux;

/// <summary>The send path: sendmmsg, per-message control messages, GSO and its fallback.</summary>
internal sealed unsafe partial class LinuxUdpSocket
{
    /// <inheritdoc/>
    public UdpSendOutcome TrySend(in Transmit transmit, ReadOnlySpan<byte> payload)
    {
        var one = new OutgoingDatagram(transmit, 0);
        return Send(payload, new ReadOnlySpan<OutgoingDatagram>(in one));
    }

    /// <inheritdoc/>
    public UdpSendOutcome Send(ReadOnlySpan<byte> buffer, ReadOnlySpan<OutgoingDatagram> batch)
    {
        for (int i = 0; i < batch.Length; i++)
        {
            ref readonly OutgoingDatagram d = ref batch[i];
            ArgumentNullException.ThrowIfNull(d.Transmit.Destination);
            if (d.Offset < 0 || d.Transmit.Length < 0 || d.Transmit.Length > buffer.Length - d.Offset)
            {
                throw new ArgumentOutOfRangeException(nameof(batch), "A transmit lies outside the buffer.");
            }
        }

        bool socketRef = false, nativeRef = false;
        try
        {
            _handle.DangerousAddRef(ref socketRef);
            _native.DangerousAddRef(ref nativeRef);
            fixed (byte* data = buffer)
            {
                return SendCore(data, batch);
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

    private UdpSendOutcome SendCore(byte* data, ReadOnlySpan<OutgoingDatagram> batch)
    {
        // (transmit, datagram) is where sending resumes: a transmit split into single datagrams
        // (no GSO, or more segments than one GSO send takes) can span several sendmmsg calls.
        int transmit = 0, datagram = 0;
        while (transmit < batch.Length)
        {
            int built = Build(data, batch, transmit, datagram, out SocketError buildError);
            if (built == 0)
            {
                return new UdpSendOutcome(UdpSendStatus.Error, transmit, buildError);
            }

            int n = LibC.SendMMsg(_fd, SendHeaders, (uint)built, Sys.MSG_DONTWAIT);
            if (n == 0)
            {
                return new UdpSendOutcome(UdpSendStatus.WouldBlock, transmit); // not expected from Linux; never spin
            }

            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Sys.EINTR)
                {
                    continue;
                }

                if (errno == Sys.EAGAIN)
                {
                    return new UdpSendOutcome(UdpSendStatus.WouldBlock, transmit);
                }

                if ((errno == Sys.EIO || errno == Sys.EINVAL) && _messageGso[0])
                {
                    // The kernel or the device refused GSO (EIO: no checksum offload on the route's
                    // device; EINVAL: a limit we did not know). Turn it off for good on this socket
                    // and send the same transmit again as single datagrams.
                    _gso = false;
                    GsoFailures++;
                    continue;
                }

                return new UdpSendOutcome(UdpSendStatus.Error, transmit, MapErrno(errno));
            }

            // n ≥ 1 messages went out; an error on message n is reported by the next call.
            transmit = _messageTransmit[n - 1];
            datagram = _messageNextDatagram[n - 1];
            if (datagram >= batch[transmit].Transmit.DatagramCount)
            {
                transmit++;
                datagram = 0;
            }
        }

        return new UdpSendOutcome(UdpSendStatus.Sent, batch.Length);
    }

    /// <summary>Fills up to <see cref="SendBatch"/> mmsghdrs from (<paramref name="transmit"/>, <paramref name="datagram"/>) on.</summary>
    /// <returns>Messages built; 0 with <paramref name="error"/> when the first transmit cannot be sent at all.</returns>
    private int Build(byte* data, ReadOnlySpan<OutgoingDatagram> batch, int transmit, int datagram, out SocketError error)
    {
        error = SocketError.Success;
        int built = 0;
        while (transmit < batch.Length && built < SendBatch)
        {
            ref readonly OutgoingDatagram d = ref batch[transmit];
            Transmit t = d.Transmit;
            byte* name = SendNames + (built * NameSize);
            int nameLength = SockAddr.Write(t.Destination, _ipv6, name);
            if (nameLength == 0)
            {
                error = SocketError.AddressFamilyNotSupported;
                return built;
            }

            int count = t.DatagramCount;
            int segment = t.SegmentSize > 0 ? t.SegmentSize : t.Length;
            bool gso = _gso && datagram == 0 && count > 1 && count <= MaxGsoSegments && t.Length <= MaxGsoBytes;
            byte* control = SendControls + (built * SendControlSize);
            int controlLength = WriteControl(control, t, gso);
            byte* payload = data + d.Offset;
            if (gso)
            {
                SetMessage(built, name, nameLength, payload, t.Length, control, controlLength);
                Record(built++, transmit, count, gso: true);
                transmit++;
                continue;
            }

            // One message per datagram; they share the address and control bytes (input only).
            while (datagram < count && built < SendBatch)
            {
                int offset = datagram * segment;
                SetMessage(built, name, nameLength, payload + offset, Math.Min(segment, t.Length - offset), control, controlLength);
                Record(built++, transmit, ++datagram, gso: false);
            }

            if (datagram == count)
            {
                transmit++;
                datagram = 0;
            }
        }

        return built;
    }

    private void SetMessage(int index, byte* name, int nameLength, byte* payload, int length, byte* control, int controlLength)
    {
        IoVec* iov = SendIov + index;
        *iov = new IoVec { Base = payload, Length = (nuint)length };
        SendHeaders[index] = new MMsgHdr
        {
            Header = new MsgHdr
            {
                Name = name,
                NameLength = (uint)nameLength,
                Iov = iov,
                IovLength = 1,
                Control = controlLength > 0 ? control : null,
                ControlLength = (nuint)controlLength,
            },
        };
    }

    private void Record(int message, int transmit, int nextDatagram, bool gso)
    {
        _messageTransmit[message] = transmit;
        _messageNextDatagram[message] = nextDatagram;
        _messageGso[message] = gso;
    }

    /// <summary>ECN, source address and segment size as control messages; IPv4 ones for IPv4 (also mapped) destinations.</summary>
    private int WriteControl(byte* control, in Transmit t, bool gso)
    {
        int length = 0;
        bool v4 = SockAddr.IsV4Destination(t.Destination.Address);
        if (SupportsEcn && t.Ecn != EcnCodepoint.NotEct)
        {
            // RFC 9000 §13.4.1: the codepoint goes in the low two bits of TOS / Traffic Class.
            int tos = (int)t.Ecn;
            length += v4
                ? PutCMsg(control + length, Sys.SOL_IP, Sys.IP_TOS, MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in tos)))
                : PutCMsg(control + length, Sys.SOL_IPV6, Sys.IPV6_TCLASS, MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in tos)));
        }

        if (t.Source is { } source && SupportsPacketInfo)
        {
            Span<byte> address = stackalloc byte[16];
            if (source.Address.TryWriteBytes(address, out int written))
            {
                if (v4)
                {
                    // in_pktinfo { ifindex 0, ipi_spec_dst = source, ipi_addr ignored }: the kernel
                    // uses ipi_spec_dst as the source address.
                    Span<byte> info = stackalloc byte[NativeLayout.InPktInfo];
                    info.Clear();
                    bool mapped = written == 16 && SockAddr.IsV4Mapped(address);
                    if (written == 4 || mapped)
                    {
                        address.Slice(mapped ? 12 : 0, 4).CopyTo(info[4..]);
                        length += PutCMsg(control + length, Sys.SOL_IP, Sys.IP_PKTINFO, info);
                    }
                }
                else if (written == 16)
                {
                    Span<byte> info = stackalloc byte[NativeLayout.In6PktInfo];
                    info.Clear();
                    address.CopyTo(info);
                    length += PutCMsg(control + length, Sys.SOL_IPV6, Sys.IPV6_PKTINFO, info);
                }
            }
        }

        if (gso)
        {
            ushort segment = (ushort)t.SegmentSize;
            length += PutCMsg(control + length, Sys.SOL_UDP, Sys.UDP_SEGMENT, MemoryMarshal.AsBytes(new ReadOnlySpan<ushort>(in segment)));
        }

        return length;
    }

    /// <summary>Writes one cmsghdr and its data; returns CMSG_SPACE(data.Length).</summary>
    private static int PutCMsg(byte* at, int level, int type, ReadOnlySpan<byte> data)
    {
        int space = NativeLayout.CMsgSpace(data.Length);
        new Span<byte>(at, space).Clear();
        *(CMsgHdr*)at = new CMsgHdr { Length = (nuint)NativeLayout.CMsgLen(data.Length), Level = level, Type = type };
        data.CopyTo(new Span<byte>(at + sizeof(CMsgHdr), data.Length));
        return space;
    }
}
