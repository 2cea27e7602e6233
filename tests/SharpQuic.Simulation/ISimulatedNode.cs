using System.Net;
using SharpQuic.Core;
using SharpQuic.Core.Endpoint;

namespace SharpQuic.Simulation;

/// <summary>
/// A sans-IO participant of a <see cref="SimulatedNetwork"/>: the same four calls the QUIC endpoint
/// offers (DESIGN.md, "a sans-IO core"), so an endpoint plugs in through a thin adapter.
/// </summary>
public interface ISimulatedNode
{
    /// <summary>A datagram arrived from <paramref name="remote"/> at <paramref name="local"/>.</summary>
    void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn);

    /// <summary>Writes the next datagram (or GSO batch) into <paramref name="buffer"/>; null when there is nothing to send now.</summary>
    Transmit? PollTransmit(Instant now, Span<byte> buffer);

    /// <summary>When the node next wants <see cref="HandleTimeout"/>; null for never.</summary>
    Instant? NextTimeout();

    /// <summary>The time from <see cref="NextTimeout"/> has come.</summary>
    void HandleTimeout(Instant now);
}
