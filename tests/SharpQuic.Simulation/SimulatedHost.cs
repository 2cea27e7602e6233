using System.Net;

namespace SharpQuic.Simulation;

/// <summary>A node attached to a <see cref="SimulatedNetwork"/> at an address.</summary>
public sealed class SimulatedHost
{
    internal SimulatedHost(int index, string name, ISimulatedNode node, IPEndPoint address)
    {
        Index = index;
        Name = name;
        Node = node;
        Address = address;
    }

    /// <summary>The order in which the host was added (also the order nodes are served in one instant).</summary>
    public int Index { get; }

    /// <summary>A name for messages.</summary>
    public string Name { get; }

    /// <summary>The node.</summary>
    public ISimulatedNode Node { get; }

    /// <summary>The current address; change it with <see cref="SimulatedNetwork.ChangeAddress"/>.</summary>
    public IPEndPoint Address { get; internal set; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Address})";
}
