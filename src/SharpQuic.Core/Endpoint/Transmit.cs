using System.Net;

namespace SharpQuic.Core.Endpoint;

/// <summary>
/// What <c>PollTransmit</c> wrote into the caller's buffer: one datagram, or a batch of equal-size
/// datagrams for UDP GSO (the driver hands the batch to the kernel in one send).
/// </summary>
/// <param name="Destination">Where to send.</param>
/// <param name="Length">Bytes written at the start of the buffer (all segments together).</param>
/// <param name="Ecn">The ECN codepoint to set on every datagram (RFC 9000 §13.4).</param>
/// <param name="SegmentSize">
/// 0 for a single datagram; otherwise every datagram is <paramref name="SegmentSize"/> bytes
/// except the last, which may be shorter.
/// </param>
/// <param name="Source">The local address to send from (multi-homed servers), or null for the socket's own.</param>
public readonly record struct Transmit(IPEndPoint Destination, int Length, EcnCodepoint Ecn = EcnCodepoint.NotEct, int SegmentSize = 0, IPEndPoint? Source = null)
{
    /// <summary>How many datagrams the buffer holds.</summary>
    public int DatagramCount => SegmentSize <= 0 || Length == 0 ? 1 : (Length + SegmentSize - 1) / SegmentSize;
}
