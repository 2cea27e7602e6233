using System.Net;
using SharpQuic.Core;
using SharpQuic.Core.Endpoint;

namespace SharpQuic.Simulation;

/// <summary>
/// A datagram as seen by a drop filter (when it enters a link) or an observer (when it is
/// delivered). The bytes are only valid during the callback.
/// </summary>
public readonly ref struct SimulatedDatagram
{
    internal SimulatedDatagram(SimulatedLink link, long index, IPEndPoint source, IPEndPoint destination, EcnCodepoint ecn, ReadOnlySpan<byte> bytes, Instant sentAt, Instant now)
    {
        Link = link;
        Index = index;
        Source = source;
        Destination = destination;
        Ecn = ecn;
        Bytes = bytes;
        SentAt = sentAt;
        Now = now;
    }

    /// <summary>The link (one direction) it travels.</summary>
    public SimulatedLink Link { get; }

    /// <summary>0 for the first datagram sent on this link, 1 for the next… (a duplicate shares its original's index).</summary>
    public long Index { get; }

    /// <summary>Source address.</summary>
    public IPEndPoint Source { get; }

    /// <summary>Destination address.</summary>
    public IPEndPoint Destination { get; }

    /// <summary>ECN codepoint.</summary>
    public EcnCodepoint Ecn { get; }

    /// <summary>The payload (as delivered, after any corruption, for observers).</summary>
    public ReadOnlySpan<byte> Bytes { get; }

    /// <summary>When the sender sent it.</summary>
    public Instant SentAt { get; }

    /// <summary>The current virtual time (the send time for filters, the arrival time for observers).</summary>
    public Instant Now { get; }
}

/// <summary>Decides whether a link drops a datagram; return true to drop it.</summary>
public delegate bool DatagramDropFilter(in SimulatedDatagram datagram);

/// <summary>Sees every datagram delivered to a node, just before the node gets it.</summary>
public delegate void DatagramObserver(in SimulatedDatagram datagram);
