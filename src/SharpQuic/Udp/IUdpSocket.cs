using System.Net;

namespace SharpQuic.Udp;

/// <summary>
/// The seam between the driver's worker and the operating system's UDP socket. One worker thread
/// owns a socket: <see cref="Send"/>, <see cref="TrySend"/>, <see cref="Receive"/> and
/// <see cref="WaitReadable"/> are called from that thread only. <see cref="Wake"/> and
/// <see cref="IDisposable.Dispose"/> may be called from any thread, and wake a worker blocked in
/// <see cref="WaitReadable"/>.
/// </summary>
/// <remarks>
/// Nothing here allocates per datagram on the fast path: the caller owns every buffer, and source
/// addresses come out of a small per-socket <see cref="EndPointCache"/> (see there).
/// Sends never block: the socket answers <see cref="UdpSendStatus.WouldBlock"/> and the worker
/// waits for its next turn.
/// </remarks>
internal interface IUdpSocket : IDisposable
{
    /// <summary>Which implementation this is.</summary>
    UdpSocketKind Kind { get; }

    /// <summary>The address and port the socket is bound to (the port is the real one after binding port 0).</summary>
    IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// True while the kernel takes a segment size per send (UDP_SEGMENT). It can turn false during the
    /// socket's life: the first time the kernel refuses a GSO send, GSO is turned off for this socket
    /// and batches are sent as single datagrams from then on.
    /// </summary>
    bool SupportsGso { get; }

    /// <summary>True when the kernel may hand several datagrams of one flow to one receive (UDP_GRO); <see cref="Receive"/> splits them.</summary>
    bool SupportsGro { get; }

    /// <summary>True when ECN codepoints are set on send and reported on receive (RFC 9000 §13.4).</summary>
    bool SupportsEcn { get; }

    /// <summary>True when <see cref="ReceivedDatagram.Destination"/> is filled in (IP_PKTINFO / IPV6_PKTINFO).</summary>
    bool SupportsPacketInfo { get; }

    /// <summary>
    /// How many datagrams one GSO send may carry. A <see cref="SharpQuic.Core.Endpoint.Transmit"/> with more
    /// segments than this (or more than <see cref="MaxGsoBytes"/>) is split by the socket into single sends.
    /// </summary>
    int MaxGsoSegments { get; }

    /// <summary>
    /// The largest <see cref="SharpQuic.Core.Endpoint.Transmit.Length"/> sent as one GSO batch. Every
    /// segment must fit the path MTU: keep PMTU probes (RFC 9000 §14.4) out of GSO batches, since the
    /// kernel refuses an oversized segment with EINVAL and GSO would be turned off.
    /// </summary>
    int MaxGsoBytes { get; }

    /// <summary>
    /// Bytes of the receive buffer one kernel message may fill: 64 KiB when GRO is on (a coalesced
    /// batch), otherwise the largest datagram accepted. Size <see cref="Receive"/>'s buffer as a
    /// multiple of this.
    /// </summary>
    int ReceiveSlotSize { get; }

    /// <summary>How many datagrams one receive slot can split into (64 with GRO, otherwise 1).</summary>
    int MaxDatagramsPerSlot { get; }

    /// <summary>
    /// Sends <paramref name="batch"/> in order, several per system call where the platform allows
    /// (sendmmsg). Each entry's payload is <c>buffer[Offset..(Offset + Transmit.Length)]</c>.
    /// </summary>
    /// <returns>
    /// <see cref="UdpSendOutcome.Sent"/> transmits went out completely. On
    /// <see cref="UdpSendStatus.WouldBlock"/> the rest is still to send (a transmit split into single
    /// sends that went out only in part counts as not sent; sending it again produces duplicates the
    /// peer discards, RFC 9000 §12.3). On <see cref="UdpSendStatus.Error"/>, entry
    /// <c>batch[Sent]</c> failed with <see cref="UdpSendOutcome.Error"/>: drop it and go on with the rest.
    /// </returns>
    UdpSendOutcome Send(ReadOnlySpan<byte> buffer, ReadOnlySpan<OutgoingDatagram> batch);

    /// <summary>Sends one transmit (one datagram, or a GSO batch) whose bytes are <paramref name="payload"/>.</summary>
    UdpSendOutcome TrySend(in SharpQuic.Core.Endpoint.Transmit transmit, ReadOnlySpan<byte> payload);

    /// <summary>
    /// Receives what is waiting without blocking, up to <paramref name="into"/>.Length datagrams, into
    /// <paramref name="buffer"/> (as many kernel messages as whole <see cref="ReceiveSlotSize"/> slots fit;
    /// with GRO, at most <c>into.Length / MaxDatagramsPerSlot</c> messages and at least one). Coalesced
    /// GRO messages are split: each <see cref="ReceivedDatagram"/> is one QUIC datagram. With
    /// <c>into</c> shorter than <see cref="MaxDatagramsPerSlot"/>, segments of a coalesced message that
    /// do not fit are dropped (and counted); give it at least that many entries.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="buffer"/> is shorter than one slot, or <paramref name="into"/> is empty.</exception>
    UdpReceiveOutcome Receive(Span<byte> buffer, Span<ReceivedDatagram> into);

    /// <summary>
    /// Blocks the calling worker until a datagram can be received, <paramref name="timeoutMilliseconds"/>
    /// pass (-1: no limit; 0: just look), <see cref="Wake"/> is called, or the socket is disposed. With
    /// <paramref name="orWritable"/> (after a send answered <see cref="UdpSendStatus.WouldBlock"/>) it also
    /// returns <see cref="UdpWaitResult.Writable"/> once the send buffer has room.
    /// </summary>
    UdpWaitResult WaitReadable(int timeoutMilliseconds, bool orWritable = false);

    /// <summary>Makes a current or the next <see cref="WaitReadable"/> return <see cref="UdpWaitResult.Woken"/>. Any thread.</summary>
    void Wake();
}
