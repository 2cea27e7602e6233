using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Connection;

/// <summary>
/// ECN on the send side (RFC 9000 §13.4): which mark the next datagram carries. Received marks are counted by the
/// receive trackers and reported in ACK frames (§13.4.1); validation of the peer's counts and the reaction to CE
/// live in <see cref="LossDetection"/> (<see cref="EcnValidator"/>).
/// </summary>
internal sealed partial class QuicConnection
{
    /// <summary>
    /// The ECN codepoint the runtime must set on the datagram the last <see cref="PollTransmit"/> wrote (on every
    /// segment of it): ECT(0) for 1-RTT datagrams while the path is being validated or is ECN-capable, else Not-ECT.
    /// </summary>
    public EcnCodepoint LastTransmitEcn { get; private set; }

    /// <summary>The ECN validation state of the path (RFC 9000 §13.4.2, Appendix A.4).</summary>
    public EcnValidationState EcnState => _loss.Ecn.State;

    /// <summary>
    /// ECT(0) when the datagram holds a 1-RTT packet and marking is allowed (§13.4.2: marks start on a new path, stop
    /// when validation fails). Initial and Handshake packets coalesced with it share the IP header, hence the mark.
    /// </summary>
    private EcnCodepoint DatagramEcn(int packetCount)
    {
        if (!_options.EnableEcn || !_loss.Ecn.ShouldMark)
        {
            return EcnCodepoint.NotEct;
        }

        for (int i = 0; i < packetCount; i++)
        {
            if (_pending[i].Space == PacketNumberSpace.ApplicationData)
            {
                return EcnCodepoint.Ect0;
            }
        }

        return EcnCodepoint.NotEct;
    }
}
