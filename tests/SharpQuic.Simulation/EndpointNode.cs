using System.Net;
using SharpQuic.Core;
using SharpQuic.Core.Endpoint;

namespace SharpQuic.Simulation;

/// <summary>
/// Plugs a <see cref="QuicEndpoint"/> into a <see cref="SimulatedNetwork"/>. <see cref="Application"/> runs after
/// every input (datagram or timeout), where a test plays the application: polls events, reads, writes.
/// </summary>
public sealed class EndpointNode : ISimulatedNode
{
    /// <summary>Wraps <paramref name="endpoint"/>.</summary>
    public EndpointNode(QuicEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
    }

    /// <summary>The endpoint driven.</summary>
    public QuicEndpoint Endpoint { get; }

    /// <summary>The application's turn after each input.</summary>
    public Action<Instant>? Application { get; set; }

    /// <summary>Datagrams sent and their bytes.</summary>
    public long DatagramsSent { get; private set; }

    /// <inheritdoc cref="DatagramsSent"/>
    public long BytesSent { get; private set; }

    /// <inheritdoc/>
    public void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
    {
        Endpoint.HandleDatagram(now, remote, local, bytes, ecn);
        Application?.Invoke(now);
    }

    /// <inheritdoc/>
    public Transmit? PollTransmit(Instant now, Span<byte> buffer)
    {
        Transmit? t = Endpoint.PollTransmit(now, buffer);
        if (t is Transmit transmit)
        {
            DatagramsSent++;
            BytesSent += transmit.Length;
        }

        return t;
    }

    /// <inheritdoc/>
    public Instant? NextTimeout() => Endpoint.NextTimeout();

    /// <inheritdoc/>
    public void HandleTimeout(Instant now)
    {
        Endpoint.HandleTimeout(now);
        Application?.Invoke(now);
    }
}
