using SharpQuic.Core.Connection;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.KeyUpdate;

/// <summary>Key updates (RFC 9001 §6) between two simulated endpoints.</summary>
public sealed class KeyUpdateTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Echoes <paramref name="size"/> bytes on one stream; returns the client stream once done (or not).</summary>
    private static EchoClientStream Echo(QuicPair pair, int size, int seed)
    {
        var server = new EchoServer();
        pair.ServerApp = now => server.Run(pair.ServerConnection, now);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(10)));
        var payload = new byte[size];
        new Random(seed).NextBytes(payload);
        Assert.True(pair.Client!.TryOpenStream(bidirectional: true, out StreamId id));
        var stream = new EchoClientStream(id, payload);
        var buffer = new byte[65536];
        pair.ClientApp = now => stream.Pump(pair.Client, now, buffer);
        stream.Pump(pair.Client, pair.Network.Now, buffer);
        pair.Network.RunUntil(() => stream.Done || pair.Client.State != ConnectionState.Open, pair.Network.Now + Limit);
        return stream;
    }

    [Fact]
    public void Interval_ManyUpdatesBothWays_UnderLossAndReordering_EchoIntact()
    {
        // Both sides update every 30 packets; 2 % loss and 20 % of datagrams held back 30 ms (three times the one-way
        // delay) so that packets of the old phase arrive after the new phase began.
        var conditions = new LinkConditions
        {
            Delay = TimeSpan.FromMilliseconds(10),
            Mtu = 1200,
            LossProbability = 0.02,
            ReorderProbability = 0.2,
            ReorderDelay = TimeSpan.FromMilliseconds(30),
        };
        using var pair = new QuicPair(seed: 601, conditions, new ConnectionOptions { KeyUpdateInterval = 30 });
        EchoClientStream stream = Echo(pair, 1 << 20, 601);
        QuicConnection client = pair.Client!;
        QuicConnection server = pair.ServerConnection!;

        Assert.True(stream.Done, $"echo finished (client {client.State} {client.CloseInfo}, server {server.State} {server.CloseInfo})");
        Assert.Equal(stream.ExpectedHash, stream.ReceivedHash);
        Assert.Equal(ConnectionState.Open, client.State);
        Assert.Equal(ConnectionState.Open, server.State);
        Assert.True(client.KeyUpdatesInitiated >= 3, $"client started {client.KeyUpdatesInitiated}");
        Assert.True(server.KeyUpdatesInitiated >= 3, $"server started {server.KeyUpdatesInitiated}");
        Assert.True(client.KeyUpdates >= 10, $"{client.KeyUpdates} updates");

        // Both sides are in the same phase after the same number of generations (the last update may still be in flight).
        Assert.InRange(client.KeyUpdates - server.KeyUpdates, -1, 1);

        // Late packets of a previous phase were opened with the kept keys rather than lost.
        Assert.True(client.PacketsOpenedWithPreviousKeys + server.PacketsOpenedWithPreviousKeys > 0);
    }

    [Fact]
    public void Initiate_RefusedBeforeConfirmation_AndUntilTheCurrentPhaseIsAcknowledged()
    {
        using var pair = new QuicPair(seed: 602);
        QuicConnection client = pair.Connect();
        Assert.False(client.InitiateKeyUpdate()); // §6.1: not before the handshake is confirmed
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        pair.Network.RunFor(TimeSpan.FromMilliseconds(200));

        bool phase = client.KeyPhase;
        Assert.True(client.InitiateKeyUpdate());
        Assert.NotEqual(phase, client.KeyPhase);

        // §6.1: nothing sent with the new keys is acknowledged yet.
        Assert.False(client.InitiateKeyUpdate());
        Assert.Equal(1, client.KeyUpdates);

        // A PING in the new phase is acknowledged (by a server that followed), then the next update is allowed.
        client.InjectedFrames = [0x01];
        Assert.True(pair.Network.RunUntil(() => pair.ServerConnection!.KeyUpdates == 1 && client.InitiateKeyUpdate(), pair.Network.Now + TimeSpan.FromSeconds(2)));
        Assert.Equal(2, client.KeyUpdates);
        Assert.Equal(phase, client.KeyPhase);
    }

    [Fact]
    public void PreviousReadKeys_KeptUntilThreePtoAfterTheNewPhase_ThenDiscarded()
    {
        using var pair = new QuicPair(seed: 603, connectionOptions: new ConnectionOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(50) });
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        pair.Network.RunFor(TimeSpan.FromMilliseconds(200));
        QuicConnection client = pair.Client!;
        QuicConnection server = pair.ServerConnection!;

        Assert.True(client.InitiateKeyUpdate());
        Assert.True(client.HasPreviousReadKeys); // §6.1: kept until a packet of the new phase arrives, and longer
        Assert.True(pair.Network.RunUntil(() => server.KeyUpdates == 1, pair.Network.Now + TimeSpan.FromSeconds(1)));
        Assert.True(server.HasPreviousReadKeys);
        Instant updated = pair.Network.Now;

        TimeSpan threePto = client.Loss.Rtt.ProbeTimeout(includeMaxAckDelay: true) * 3;
        pair.Network.RunFor(threePto / 2);
        Assert.True(client.HasPreviousReadKeys);

        Assert.True(pair.Network.RunUntil(() => !client.HasPreviousReadKeys && !server.HasPreviousReadKeys, updated + TimeSpan.FromSeconds(3)));
        Assert.True(pair.Network.Now - updated >= threePto, $"discarded after {(pair.Network.Now - updated).TotalMilliseconds} ms, 3 PTO {threePto.TotalMilliseconds} ms");
        Assert.Equal(ConnectionState.Open, client.State);
    }

    [Fact]
    public void PeerUpdatingTwiceWithoutWaiting_IsKeyUpdateError()
    {
        using var pair = new QuicPair(seed: 604);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        pair.Network.RunFor(TimeSpan.FromMilliseconds(200));
        QuicConnection client = pair.Client!;
        QuicConnection server = pair.ServerConnection!;

        // The server sends two datagrams back to back, each after an update of its own: the second update comes
        // before the client acknowledged anything in the phase the first one started (RFC 9001 §6.2).
        Assert.True(server.TryOpenStream(bidirectional: false, out StreamId id));
        Assert.Equal(5000, server.Write(id, new byte[5000], fin: false));
        server.MisbehavingKeyUpdates = 2;
        pair.ServerEndpoint.HandleTimeout(pair.Network.Now);
        pair.Network.RunUntil(() => client.State != ConnectionState.Open, pair.Network.Now + TimeSpan.FromSeconds(1));

        Assert.NotNull(client.CloseInfo);
        Assert.Equal((ulong)TransportErrorCode.KeyUpdateError, client.CloseInfo!.ErrorCode);
    }

    [Fact]
    public void ConfidentialityLimit_ForcesKeyUpdates_TransferIntact()
    {
        // RFC 9001 §6.6 with a test limit of 128 packets per key instead of 2^23: updates without any interval set. A
        // 2 Mbit/s bottleneck with a short queue keeps fewer packets in flight than the limit (a key can only change
        // once per round trip: the next update waits for an acknowledgment of the current phase, §6.1).
        var options = new ConnectionOptions { AeadConfidentialityLimit = 128 };
        var conditions = new LinkConditions
        {
            Delay = TimeSpan.FromMilliseconds(10),
            Mtu = 1200,
            BandwidthBitsPerSecond = 2_000_000,
            QueueLimitBytes = 12_000,
        };
        using var pair = new QuicPair(seed: 605, conditions, options);
        EchoClientStream stream = Echo(pair, 256 << 10, 605);

        Assert.True(stream.Done, $"client {pair.Client!.State} {pair.Client.CloseInfo} {pair.Client.KeyUpdates}, server {pair.ServerConnection!.State} {pair.ServerConnection.CloseInfo}");
        Assert.Equal(stream.ExpectedHash, stream.ReceivedHash);
        Assert.True(pair.Client!.KeyUpdates >= 2, $"{pair.Client.KeyUpdates} updates");
        Assert.True(pair.ServerConnection!.KeyUpdatesInitiated >= 1, $"server started {pair.ServerConnection.KeyUpdatesInitiated}");
        Assert.True(pair.Client.PacketsSealedWithCurrentKeys < 128);
        Assert.True(pair.ServerConnection.PacketsSealedWithCurrentKeys < 128);
    }

    [Fact]
    public void ConfidentialityLimit_WithNoUpdatePossible_ClosesWithAeadLimitReached()
    {
        // The server never answers after the handshake, so no packet of the current phase is acknowledged and no
        // update is allowed (§6.1): the client must stop before the 16-packet test limit (§6.6).
        var options = new ConnectionOptions { AeadConfidentialityLimit = 16 };
        using var pair = new QuicPair(seed: 606, connectionOptions: options);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        pair.Network.RunFor(TimeSpan.FromMilliseconds(200));
        QuicConnection client = pair.Client!;
        pair.Network.GetLink(pair.ServerHost, pair.ClientHost).DropFilter = static (in SimulatedDatagram _) => true;

        // Fresh phase first, so the count starts at zero with nothing acknowledged in it.
        Assert.True(client.InitiateKeyUpdate());
        Assert.True(client.TryOpenStream(bidirectional: false, out StreamId id));
        Assert.Equal(40_000, client.Write(id, new byte[40_000], fin: false));
        pair.ClientEndpoint.HandleTimeout(pair.Network.Now);
        pair.Network.RunUntil(() => client.State != ConnectionState.Open, pair.Network.Now + TimeSpan.FromSeconds(20));

        Assert.Equal((ulong)TransportErrorCode.AeadLimitReached, client.CloseInfo!.ErrorCode);
        Assert.True(client.PacketsSealedWithCurrentKeys <= 16, $"{client.PacketsSealedWithCurrentKeys} packets with one key");
    }

    [Fact]
    public void IntegrityLimit_ForgedPackets_CloseWithAeadLimitReached()
    {
        // §6.6 with a test limit of 5 failed authentications: corrupted datagrams from the client fail at the server.
        var options = new ConnectionOptions { AeadIntegrityLimit = 5 };
        using var pair = new QuicPair(seed: 607, connectionOptions: options);
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        pair.Network.RunFor(TimeSpan.FromMilliseconds(200));
        QuicConnection client = pair.Client!;
        QuicConnection server = pair.ServerConnection!;
        Assert.Equal(0, server.FailedDecryptions);

        SimulatedLink link = pair.Network.GetLink(pair.ClientHost, pair.ServerHost);
        link.Conditions = link.Conditions with { CorruptProbability = 1 };
        Assert.True(client.TryOpenStream(bidirectional: false, out StreamId id));
        Assert.Equal(30_000, client.Write(id, new byte[30_000], fin: false));
        pair.ClientEndpoint.HandleTimeout(pair.Network.Now);
        pair.Network.RunUntil(() => server.State != ConnectionState.Open, pair.Network.Now + TimeSpan.FromSeconds(20));

        Assert.Equal((ulong)TransportErrorCode.AeadLimitReached, server.CloseInfo!.ErrorCode);
        Assert.Equal(5, server.FailedDecryptions);
    }
}
