using SharpQuic.Core;
using System.Net;
using System.Net.Sockets;
using SharpQuic.Core.Endpoint;

namespace SharpQuic.Udp;

/// <summary>Which socket implementation to use.</summary>
internal enum UdpSocketKind
{
    /// <summary>The Linux fast path when it can be set up, otherwise the portable one.</summary>
    Auto,

    /// <summary>recvmmsg/sendmmsg, GSO, GRO, ECN and packet info through LibraryImport (Linux x64/arm64).</summary>
    Linux,

    /// <summary><see cref="Socket"/> only: one datagram per call, no ECN.</summary>
    Portable,
}

/// <summary>How a send ended.</summary>
internal enum UdpSendStatus
{
    /// <summary>Everything went out.</summary>
    Sent,

    /// <summary>The socket's send buffer is full; the rest is still to send.</summary>
    WouldBlock,

    /// <summary>One transmit failed; see <see cref="UdpSendOutcome"/>.</summary>
    Error,
}

/// <summary>What <see cref="IUdpSocket.Send"/> did.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Sent">Transmits sent completely, from the start of the batch.</param>
/// <param name="Error">With <see cref="UdpSendStatus.Error"/>: why <c>batch[Sent]</c> failed.</param>
internal readonly record struct UdpSendOutcome(UdpSendStatus Status, int Sent, SocketError Error = SocketError.Success);

/// <summary>How a receive ended.</summary>
internal enum UdpReceiveStatus
{
    /// <summary>At least one kernel message was read (<see cref="UdpReceiveOutcome.Count"/> may still be 0 if all were dropped).</summary>
    Received,

    /// <summary>Nothing is waiting.</summary>
    WouldBlock,

    /// <summary>The socket reported an error.</summary>
    Error,
}

/// <summary>What <see cref="IUdpSocket.Receive"/> did.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="Count">Datagrams written to the start of <c>into</c>.</param>
/// <param name="Error">With <see cref="UdpReceiveStatus.Error"/>: the socket error.</param>
internal readonly record struct UdpReceiveOutcome(UdpReceiveStatus Status, int Count, SocketError Error = SocketError.Success);

/// <summary>Why <see cref="IUdpSocket.WaitReadable"/> returned.</summary>
internal enum UdpWaitResult
{
    /// <summary>A datagram (or a socket error) is waiting.</summary>
    Readable,

    /// <summary>Only when asked for: the send buffer has room again.</summary>
    Writable,

    /// <summary>The timeout passed.</summary>
    TimedOut,

    /// <summary><see cref="IUdpSocket.Wake"/> was called (or a signal interrupted the wait).</summary>
    Woken,

    /// <summary>The socket was disposed.</summary>
    Disposed,
}

/// <summary>One transmit of a batch and where its bytes start in the batch's buffer.</summary>
/// <param name="Transmit">What the engine produced.</param>
/// <param name="Offset">Where its <see cref="Transmit.Length"/> bytes start in the send buffer.</param>
internal readonly record struct OutgoingDatagram(Transmit Transmit, int Offset);

/// <summary>One datagram received: where its bytes are in the receive buffer and what came with it.</summary>
internal struct ReceivedDatagram
{
    /// <summary>Where the datagram starts in the receive buffer.</summary>
    public int Offset;

    /// <summary>Its length in bytes.</summary>
    public int Length;

    /// <summary>
    /// The sender. IPv4-mapped IPv6 addresses (dual-stack sockets) are reported as IPv4. The instance
    /// comes from a per-socket cache and is shared by every datagram from that address and port: never
    /// mutate it.
    /// </summary>
    public IPEndPoint Source;

    /// <summary>
    /// The local address the datagram was sent to, with the socket's port (IP_PKTINFO /
    /// IPV6_PKTINFO), or null when unknown. Pass it back as <see cref="Transmit.Source"/> so that a
    /// multi-homed server answers from the address the client used.
    /// </summary>
    public IPEndPoint? Destination;

    /// <summary>The interface the datagram arrived on, 0 when unknown.</summary>
    public int InterfaceIndex;

    /// <summary>The ECN bits of the IP header (RFC 9000 §13.4); <see cref="EcnCodepoint.NotEct"/> when unsupported.</summary>
    public EcnCodepoint Ecn;
}
