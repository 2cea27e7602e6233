using System.Net;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Migration;

/// <summary>Connection migration and path validation (RFC 9000 §8.2, §9) through real connections on the simulator.</summary>
public sealed class MigrationTests
{
    private static readonly LinkConditions Path = new() { Delay = TimeSpan.FromMilliseconds(10), Mtu = 1500 };

    [Fact]
    public void NatRebinding_MidTransfer_ServerValidatesNewAddressResetsCongestionAndDataArrivesIntact()
    {
        using var pair = new QuicPair(701, Path);
        var transfer = new EchoTransfer(pair, 3_000_000, 1);
        pair.Network.RunFor(TimeSpan.FromMilliseconds(300));
        Assert.False(transfer.Stream.Done);
        QuicConnection server = transfer.Server;
        ICongestionController before = server.Loss.Controller;
        long windowBefore = before.CongestionWindow;
        Assert.True(windowBefore > 3 * 14720, $"window only {windowBefore}");
        ulong cidBefore = CidValue(server.DestinationConnectionId);

        // The NAT gives the client a new address and port; the client itself notices nothing.
        var rebound = new IPEndPoint(IPAddress.Parse("127.0.0.2"), 40001);
        pair.Network.ChangeAddress(pair.ClientHost, rebound);
        Assert.True(pair.Network.RunUntil(() => server.PathsValidated >= 1, pair.Network.Now + TimeSpan.FromSeconds(3)));

        Assert.Equal(rebound, server.RemoteAddress);
        Assert.True(server.IsPathValidated);
        Assert.NotSame(before, server.Loss.Controller); // §9.4: a new IP address, a new controller
        Assert.True(server.Loss.Controller.CongestionWindow < windowBefore);
        Assert.NotEqual(cidBefore, CidValue(server.DestinationConnectionId)); // §9.5: a spare ID toward the new address
        transfer.Finish(TimeSpan.FromSeconds(30));
        Assert.Equal(ConnectionState.Open, transfer.Client.State);
        Assert.Equal(0, server.PathValidationFailures);
    }

    [Fact]
    public void NatRebinding_PortOnly_KeepsCongestionState()
    {
        using var pair = new QuicPair(702, Path);
        var transfer = new EchoTransfer(pair, 2_000_000, 2);
        pair.Network.RunFor(TimeSpan.FromMilliseconds(250));
        QuicConnection server = transfer.Server;
        ICongestionController before = server.Loss.Controller;

        var rebound = new IPEndPoint(QuicPair.ClientAddress.Address, 50123);
        pair.Network.ChangeAddress(pair.ClientHost, rebound);
        Assert.True(pair.Network.RunUntil(() => server.PathsValidated >= 1, pair.Network.Now + TimeSpan.FromSeconds(3)));
        Assert.Equal(rebound, server.RemoteAddress);
        Assert.Same(before, server.Loss.Controller); // our §9.4 choice: a port-only change keeps the state
        transfer.Finish(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void ClientMigration_ProbesNewAddressThenMovesEverythingThere()
    {
        using var pair = new QuicPair(703, Path);
        var transfer = new EchoTransfer(pair, 2_000_000, 3);
        QuicConnection client = transfer.Client;
        Assert.True(pair.Network.RunUntil(() => client.PeerParameters is not null && transfer.Server.PathsValidated == 0 && client.Loss.Rtt.HasSample, pair.Network.Now + TimeSpan.FromSeconds(1)));
        pair.Network.RunFor(TimeSpan.FromMilliseconds(200));
        ulong cidBefore = CidValue(client.DestinationConnectionId);
        ICongestionController before = client.Loss.Controller;

        var newLocal = new IPEndPoint(IPAddress.Parse("127.0.0.3"), 50010);
        pair.Network.AddAddress(pair.ClientHost, newLocal);
        var fromNew = new List<int>();
        Instant? switched = null;
        long oldSourceAfterSwitch = 0;
        pair.Network.Observer = (in SimulatedDatagram d) =>
        {
            if (d.Source.Equals(newLocal) && switched is null)
            {
                fromNew.Add(d.Bytes.Length);
            }

            if (switched is Instant t && d.SentAt > t && d.Source.Equals(QuicPair.ClientAddress))
            {
                oldSourceAfterSwitch++;
            }
        };

        Assert.Equal(MigrationStartResult.Started, client.Migrate(newLocal, pair.Network.Now));
        Assert.True(pair.Network.RunUntil(() => client.PathsValidated >= 1, pair.Network.Now + TimeSpan.FromSeconds(3)));
        switched = pair.Network.Now;
        Assert.Contains(transfer.ClientEvents, e => e.Kind == ConnectionEventKind.PathMigrated);
        Assert.Equal(newLocal, client.LocalAddress);
        Assert.NotEqual(cidBefore, CidValue(client.DestinationConnectionId)); // §9.5
        Assert.NotSame(before, client.Loss.Controller); // §9.2, §9.4

        // Before the switch only probes left the new address, each padded to 1,200 bytes (§8.2.1).
        Assert.NotEmpty(fromNew);
        Assert.All(fromNew, n => Assert.True(n >= 1200, $"probe of {n} bytes"));

        transfer.Finish(TimeSpan.FromSeconds(30));
        Assert.Equal(newLocal, transfer.Server.RemoteAddress);
        Assert.True(transfer.Server.IsPathValidated);
        // Only answers to the server's check of the previous path (§9.3.3) may still leave from the old address.
        Assert.InRange(oldSourceAfterSwitch, 0, 2);
    }

    [Fact]
    public void ClientMigration_RefusedBeforeConfirmationAndOnServer()
    {
        using var pair = new QuicPair(704, Path);
        QuicConnection client = pair.Connect();
        var newLocal = new IPEndPoint(IPAddress.Parse("127.0.0.3"), 50010);
        Assert.Equal(MigrationStartResult.NotAllowedNow, client.Migrate(newLocal, pair.Network.Now));
        Assert.True(pair.RunHandshake(TimeSpan.FromSeconds(5)));
        Assert.Equal(MigrationStartResult.NotAllowedNow, pair.ServerConnection!.Migrate(newLocal, pair.Network.Now));
    }

    [Fact]
    public void ClientMigration_UnreachableNewAddress_ValidationFailsAndConnectionStaysOnOldPath()
    {
        using var pair = new QuicPair(705, Path);
        var transfer = new EchoTransfer(pair, 500_000, 5);
        pair.Network.RunFor(TimeSpan.FromMilliseconds(200));
        QuicConnection client = transfer.Client;

        // The new interface can send but nothing comes back to it: no address is added for it.
        var deadLocal = new IPEndPoint(IPAddress.Parse("127.0.0.4"), 50020);
        Assert.Equal(MigrationStartResult.Started, client.Migrate(deadLocal, pair.Network.Now));
        Assert.True(pair.Network.RunUntil(() => client.PathValidationFailures >= 1, pair.Network.Now + TimeSpan.FromSeconds(10)));
        Assert.Contains(transfer.ClientEvents, e => e.Kind == ConnectionEventKind.PathValidationFailed);
        Assert.Null(client.LocalAddress is { } l && l.Equals(deadLocal) ? l : null);
        transfer.Finish(TimeSpan.FromSeconds(30));
        Assert.Equal(QuicPair.ClientAddress, transfer.Server.RemoteAddress);
    }

    [Fact]
    public void SpoofedSource_ServerValidatesAndReturnsToGenuinePath_VictimGetsAtMostThreeTimes()
    {
        using var pair = new QuicPair(706, Path);
        var attacker = new SpoofingNode();
        var victim = new SinkNode();
        var victimAddress = new IPEndPoint(IPAddress.Parse("127.0.0.99"), 4444);
        SimulatedHost attackerHost = pair.Network.AddNode("attacker", new IPEndPoint(IPAddress.Parse("127.0.0.66"), 1), attacker);
        pair.Network.AddNode("victim", victimAddress, victim);
        pair.Network.SetConditions(attackerHost, pair.ServerHost, new LinkConditions { Delay = TimeSpan.FromMilliseconds(1) });
        var transfer = new EchoTransfer(pair, 1_000_000, 6);
        pair.Network.RunFor(TimeSpan.FromMilliseconds(150));
        QuicConnection server = transfer.Server;

        // The attacker races one genuine 1-RTT datagram to the server with the victim's address as source.
        bool captured = false;
        pair.Network.GetLink(pair.ClientHost, pair.ServerHost).DropFilter = (in SimulatedDatagram d) =>
        {
            if (captured || (d.Bytes[0] & 0x80) != 0 || d.Bytes.Length < 100)
            {
                return false;
            }

            captured = true;
            attacker.Forge(d.Bytes, victimAddress, QuicPair.ServerAddress);
            return true; // the genuine copy arrives later as a duplicate: say it is lost
        };

        Assert.True(pair.Network.RunUntil(() => server.PathChanges >= 1, pair.Network.Now + TimeSpan.FromSeconds(1)));
        transfer.Finish(TimeSpan.FromSeconds(30));

        Assert.Equal(1, attacker.Sent);
        Assert.True(server.PathChanges >= 2, "the genuine path won back");
        Assert.Equal(QuicPair.ClientAddress, server.RemoteAddress);
        Assert.True(server.IsPathValidated);
        Assert.InRange(victim.Bytes, 1, 3L * attacker.SentBytes); // §8, §9.3.1: 3x what came "from" the victim
    }

    [Fact]
    public void SpoofedSource_ClientSilent_ValidationTimesOutAndServerFallsBack()
    {
        using var pair = new QuicPair(707, Path);
        var attacker = new SpoofingNode();
        var victim = new SinkNode();
        var victimAddress = new IPEndPoint(IPAddress.Parse("127.0.0.98"), 4444);
        SimulatedHost attackerHost = pair.Network.AddNode("attacker", new IPEndPoint(IPAddress.Parse("127.0.0.67"), 1), attacker);
        pair.Network.AddNode("victim", victimAddress, victim);
        pair.Network.SetConditions(attackerHost, pair.ServerHost, new LinkConditions { Delay = TimeSpan.FromMilliseconds(1) });
        var transfer = new EchoTransfer(pair, 1_000_000, 7);
        pair.Network.RunFor(TimeSpan.FromMilliseconds(150));
        QuicConnection server = transfer.Server;

        // One forged datagram, then the genuine client is cut off for long enough that the validation times out.
        bool captured = false;
        bool blackout = false;
        pair.Network.GetLink(pair.ClientHost, pair.ServerHost).DropFilter = (in SimulatedDatagram d) =>
        {
            if (blackout)
            {
                return true;
            }

            if ((d.Bytes[0] & 0x80) != 0)
            {
                return false;
            }

            captured = true;
            blackout = true;
            attacker.Forge(d.Bytes, victimAddress, QuicPair.ServerAddress);
            return true;
        };

        Assert.True(pair.Network.RunUntil(() => server.PathValidationFailures >= 1, pair.Network.Now + TimeSpan.FromSeconds(10)));
        Assert.True(captured);
        Assert.Equal(QuicPair.ClientAddress, server.RemoteAddress); // §9.3.2: back to the last validated path
        Assert.True(server.IsPathValidated);
        Assert.InRange(victim.Bytes, 1, 3L * attacker.SentBytes); // the unvalidated path never got more than 3x

        pair.Network.GetLink(pair.ClientHost, pair.ServerHost).DropFilter = null;
        transfer.Finish(TimeSpan.FromSeconds(60));
        Assert.Equal(ConnectionState.Open, server.State);
    }

    [Fact]
    public void PreferredAddress_ClientValidatesAndMovesThere_ServerSendsFromIt()
    {
        var preferred = new IPEndPoint(IPAddress.Parse("127.0.0.5"), 8443);
        var options = new ConnectionOptions { PreferredAddress = new ServerPreferredAddress(preferred, null) };
        using var pair = new QuicPair(708, Path, connectionOptions: options);
        pair.Network.AddAddress(pair.ServerHost, preferred);
        long fromOriginalAfter = 0;
        Instant? moved = null;
        pair.Network.Observer = (in SimulatedDatagram d) =>
        {
            if (moved is Instant t && d.SentAt > t + TimeSpan.FromMilliseconds(100) && d.Source.Equals(QuicPair.ServerAddress))
            {
                fromOriginalAfter++;
            }
        };

        var transfer = new EchoTransfer(pair, 1_000_000, 8);
        QuicConnection client = transfer.Client;
        Assert.NotNull(client.PeerParameters!.PreferredAddress);
        Assert.True(pair.Network.RunUntil(() => client.PathsValidated >= 1, pair.Network.Now + TimeSpan.FromSeconds(5)));
        Assert.Equal(preferred, client.RemoteAddress);
        Assert.Equal(preferred, CidOwnerCheck(client, pair));
        Assert.True(pair.Network.RunUntil(() => transfer.Server.LocalAddress?.Equals(preferred) == true, pair.Network.Now + TimeSpan.FromSeconds(5)));
        moved = pair.Network.Now;
        transfer.Finish(TimeSpan.FromSeconds(30));
        Assert.Equal(0, fromOriginalAfter); // §9.6.2: the server sends only from its preferred address now
    }

    [Fact]
    public void PreferredAddress_DisabledOnClient_StaysOnOriginalAddress()
    {
        var preferred = new IPEndPoint(IPAddress.Parse("127.0.0.5"), 8443);
        var serverOptions = new ConnectionOptions { PreferredAddress = new ServerPreferredAddress(preferred, null), MigrateToPreferredAddress = false };
        using var pair = new QuicPair(709, Path, connectionOptions: serverOptions);
        pair.Network.AddAddress(pair.ServerHost, preferred);
        var transfer = new EchoTransfer(pair, 200_000, 9);
        transfer.Finish(TimeSpan.FromSeconds(20));
        Assert.Equal(QuicPair.ServerAddress, transfer.Client.RemoteAddress);
        Assert.Equal(0, transfer.Client.PathsValidated);
    }

    /// <summary>The client's active connection ID is the one the server gave in preferred_address (sequence 1).</summary>
    private static IPEndPoint CidOwnerCheck(QuicConnection client, QuicPair pair)
    {
        byte[] expected = client.PeerParameters!.PreferredAddress!.ConnectionId;
        Assert.True(client.DestinationConnectionId.Span.SequenceEqual(expected));
        _ = pair;
        return client.RemoteAddress;
    }

    private static ulong CidValue(SharpQuic.Core.Endpoint.ConnectionId id)
    {
        Span<byte> b = stackalloc byte[8];
        id.Span[..Math.Min(8, id.Length)].CopyTo(b);
        return BitConverter.ToUInt64(b);
    }
}
