using System.Buffers.Binary;
using System.Net;
using SharpQuic.Core.Endpoint;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Simulation;

/// <summary>One datagram a <see cref="ToyNode"/> received.</summary>
internal readonly record struct Arrival(Instant At, long Sequence, byte[] Bytes, IPEndPoint Remote, IPEndPoint Local, EcnCodepoint Ecn);

/// <summary>
/// A toy sans-IO node: sends <c>count</c> numbered datagrams (8-byte big-endian sequence number,
/// then a fill byte) paced by its own timeout, records what it receives, and optionally echoes.
/// </summary>
internal sealed class ToyNode : ISimulatedNode
{
    private readonly Queue<(IPEndPoint To, byte[] Bytes)> _echoes = new();
    private Instant _nextSend;
    private int _sent;

    public IPEndPoint? Destination { get; set; }

    public int Count { get; set; }

    public TimeSpan Interval { get; set; }

    public Func<int, int> SizeOf { get; set; } = static _ => 100;

    public byte Fill { get; set; } = 0x5a;

    public bool Echo { get; set; }

    /// <summary>False to send only fill bytes (so every bit of a received datagram is known).</summary>
    public bool Numbered { get; set; } = true;

    public bool RecordBytes { get; set; } = true;

    public EcnCodepoint Ecn { get; set; }

    public List<Arrival> Arrivals { get; } = [];

    public int Sent => _sent;

    public void Start(Instant at) => _nextSend = at;

    public void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
    {
        long sequence = bytes.Length >= 8 ? BinaryPrimitives.ReadInt64BigEndian(bytes) : -1;
        Arrivals.Add(new Arrival(now, sequence, RecordBytes ? bytes.ToArray() : [], remote, local, ecn));
        if (Echo)
        {
            _echoes.Enqueue((remote, bytes.ToArray()));
        }
    }

    public Transmit? PollTransmit(Instant now, Span<byte> buffer)
    {
        if (_echoes.TryDequeue(out (IPEndPoint To, byte[] Bytes) echo))
        {
            echo.Bytes.CopyTo(buffer);
            return new Transmit(echo.To, echo.Bytes.Length, Ecn);
        }

        if (Destination is null || _sent >= Count || now < _nextSend)
        {
            return null;
        }

        int size = SizeOf(_sent);
        buffer[..size].Fill(Fill);
        if (Numbered)
        {
            BinaryPrimitives.WriteInt64BigEndian(buffer, _sent);
        }

        _sent++;
        _nextSend = now + Interval;
        return new Transmit(Destination, size, Ecn);
    }

    public Instant? NextTimeout() => Destination is not null && _sent < Count ? _nextSend : null;

    public void HandleTimeout(Instant now)
    {
        // Sending happens in PollTransmit once the pacing time has come.
    }
}

/// <summary>A node that always has one more datagram: the livelock the guard must catch.</summary>
internal sealed class RunawayNode(IPEndPoint destination) : ISimulatedNode
{
    public void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
    {
    }

    public Transmit? PollTransmit(Instant now, Span<byte> buffer)
    {
        buffer[0] = 1;
        return new Transmit(destination, 1);
    }

    public Instant? NextTimeout() => null;

    public void HandleTimeout(Instant now)
    {
    }
}

/// <summary>A node whose timeout never moves forward.</summary>
internal sealed class StuckTimerNode : ISimulatedNode
{
    public void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
    {
    }

    public Transmit? PollTransmit(Instant now, Span<byte> buffer) => null;

    public Instant? NextTimeout() => Instant.FromMilliseconds(5);

    public void HandleTimeout(Instant now)
    {
    }
}

/// <summary>A receiver that counts and allocates nothing (for the pooling test).</summary>
internal sealed class CountingNode : ISimulatedNode
{
    public long Received { get; private set; }

    public void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn) => Received++;

    public Transmit? PollTransmit(Instant now, Span<byte> buffer) => null;

    public Instant? NextTimeout() => null;

    public void HandleTimeout(Instant now)
    {
    }
}

internal static class Sim
{
    public static readonly IPEndPoint ClientAddress = new(IPAddress.Loopback, 50_000);
    public static readonly IPEndPoint ServerAddress = new(IPAddress.Parse("127.0.0.2"), 4433);

    /// <summary>A sender and a recorder joined by one link with <paramref name="conditions"/>.</summary>
    public static (SimulatedNetwork Network, ToyNode Sender, ToyNode Receiver, SimulatedLink Link) Pair(
        LinkConditions conditions, int count, TimeSpan interval, int seed = 1, Func<int, int>? sizeOf = null)
    {
        var network = new SimulatedNetwork(seed);
        var sender = new ToyNode { Destination = ServerAddress, Count = count, Interval = interval };
        if (sizeOf is not null)
        {
            sender.SizeOf = sizeOf;
        }

        var receiver = new ToyNode();
        SimulatedHost a = network.AddNode("sender", ClientAddress, sender);
        SimulatedHost b = network.AddNode("receiver", ServerAddress, receiver);
        SimulatedLink link = network.GetLink(a, b);
        link.Conditions = conditions;
        return (network, sender, receiver, link);
    }

    public static long[] Sequences(ToyNode node)
    {
        var result = new long[node.Arrivals.Count];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = node.Arrivals[i].Sequence;
        }

        return result;
    }
}
