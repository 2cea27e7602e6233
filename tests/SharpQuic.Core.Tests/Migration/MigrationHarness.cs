using System.Net;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Migration;

/// <summary>An echo transfer over a <see cref="QuicPair"/> that a test can disturb mid-way (rebinding, migration, spoofing).</summary>
internal sealed class EchoTransfer
{
    private readonly byte[] _buffer = new byte[64 * 1024];

    public EchoTransfer(QuicPair pair, int bytes, int seed)
    {
        Pair = pair;
        var server = new EchoServer();
        pair.ServerApp = now => server.Run(pair.ServerConnection, now);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        QuicConnection client = pair.Client!;
        Assert.True(client.TryOpenStream(true, out StreamId id));
        var payload = new byte[bytes];
        new Random(seed).NextBytes(payload);
        Stream = new EchoClientStream(id, payload);
        pair.ClientApp = now =>
        {
            QuicPair.Drain(client, ClientEvents);
            Stream.Pump(client, now, _buffer);
        };
        Stream.Pump(client, pair.Network.Now, _buffer);
    }

    public QuicPair Pair { get; }

    public EchoClientStream Stream { get; }

    public List<ConnectionEvent> ClientEvents { get; } = [];

    public QuicConnection Client => Pair.Client!;

    public QuicConnection Server => Pair.ServerConnection!;

    /// <summary>Runs until the echo came back whole, and checks it.</summary>
    public void Finish(TimeSpan limit)
    {
        Assert.True(Pair.Network.RunUntil(() => Stream.Done, Pair.Network.Now + limit), $"echo incomplete: {Stream.ReceivedBytes} bytes back");
        Assert.Equal(Stream.ExpectedHash, Stream.ReceivedHash);
    }
}

/// <summary>
/// An off-path attacker: sends copies of captured datagrams with a forged source address (RFC 9000 §9.3.3). It sits on
/// its own address; the forged source is whatever the test says.
/// </summary>
internal sealed class SpoofingNode : ISimulatedNode
{
    private readonly Queue<(byte[] Bytes, IPEndPoint Source, IPEndPoint Destination)> _queue = new();

    public int Sent { get; private set; }

    public int SentBytes { get; private set; }

    public void Forge(ReadOnlySpan<byte> bytes, IPEndPoint source, IPEndPoint destination) => _queue.Enqueue((bytes.ToArray(), source, destination));

    public void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
    {
    }

    public Transmit? PollTransmit(Instant now, Span<byte> buffer)
    {
        if (!_queue.TryDequeue(out (byte[] Bytes, IPEndPoint Source, IPEndPoint Destination) d))
        {
            return null;
        }

        d.Bytes.CopyTo(buffer);
        Sent++;
        SentBytes += d.Bytes.Length;
        return new Transmit(d.Destination, d.Bytes.Length, Source: d.Source);
    }

    public Instant? NextTimeout() => null;

    public void HandleTimeout(Instant now)
    {
    }
}

/// <summary>A host that only counts what reaches it (the victim of a spoofed migration).</summary>
internal sealed class SinkNode : ISimulatedNode
{
    public long Datagrams { get; private set; }

    public long Bytes { get; private set; }

    public void HandleDatagram(Instant now, IPEndPoint remote, IPEndPoint local, ReadOnlySpan<byte> bytes, EcnCodepoint ecn)
    {
        Datagrams++;
        Bytes += bytes.Length;
    }

    public Transmit? PollTransmit(Instant now, Span<byte> buffer) => null;

    public Instant? NextTimeout() => null;

    public void HandleTimeout(Instant now)
    {
    }
}
