using SharpQuic.Core.Connection;
using SharpQuic.Core.Tests.Connection;
using SharpQuic.Simulation;
using Xunit.Abstractions;

namespace SharpQuic.Core.Tests.Pmtud;

/// <summary>Path MTU discovery (RFC 9000 §14.3, RFC 8899) through real connections on simulated paths.</summary>
public sealed class PmtudSimulationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1280, 1452)]
    [InlineData(1500, 1452)]
    [InlineData(1500, 8972)]
    [InlineData(9000, 8972)]
    [InlineData(9000, 16384)]
    public void IdleConnection_ConvergesToThePathMtu(int ipMtu, int cap)
    {
        using var path = new PmtudPath(900 + ipMtu + cap, ipMtu, new ConnectionOptions { MaxPathMtuProbe = cap });
        path.Handshake();
        Assert.True(path.RunUntilConverged(TimeSpan.FromSeconds(30)), "search did not complete");

        int expected = Math.Min(cap, PmtudPath.PayloadLimit(ipMtu));
        foreach (QuicConnection c in new[] { path.Client, path.Server })
        {
            PathMtuDiscovery d = c.PathMtu!;
            Assert.InRange(c.MaxSendDatagramSize, expected - PathMtuDiscovery.SearchGranularity + 1, expected);
            Assert.Equal(c.MaxSendDatagramSize, d.MaxDatagramSize);

            // RFC 9002 §7.2: the controller and the pacer follow.
            Assert.Equal(c.MaxSendDatagramSize, c.Loss.Controller.MaxDatagramSize);
            Assert.Equal(c.MaxSendDatagramSize, c.Pacing!.Pacer.MaxDatagramSize);
            Assert.Equal(0, c.PacketsLost);
            TimeSpan took = d.SearchCompletedAt!.Value - d.SearchStartedAt;
            output.WriteLine($"path MTU {ipMtu}, cap {cap}: {(c.IsServer ? "server" : "client")} at {c.MaxSendDatagramSize} (limit {expected}) " +
                $"after {took.TotalMilliseconds:F0} ms of simulated time (RTT 20 ms), {d.ProbesSent} probes, {d.ProbesLost} lost");
        }
    }

    [Fact]
    public void ProbesAreFlaggedForTheRuntime_OthersFitTheSizeInForce()
    {
        using var path = new PmtudPath(911, 1280, new ConnectionOptions());
        path.Handshake();
        EchoClientStream stream = path.StartEcho(256 << 10);
        Assert.True(path.Network.RunUntil(() => stream.Done, path.Network.Now + TimeSpan.FromSeconds(30)));
        Assert.True(path.RunUntilConverged(TimeSpan.FromSeconds(30)));
        Assert.Equal(stream.ExpectedHash, stream.ReceivedHash);

        foreach ((PmtudNode node, QuicConnection c) in new[] { (path.ClientNode, path.Client), (path.ServerNode, path.Server) })
        {
            int probes = 0;
            foreach (SentDatagram d in node.Sent)
            {
                if (d.IsProbe)
                {
                    probes++;
                }
                else
                {
                    Assert.True(d.Length <= d.MaxSizeBefore, $"a {d.Length}-byte datagram is not flagged as a probe (size {d.MaxSizeBefore})");
                }
            }

            Assert.Equal(c.PathMtu!.ProbesSent, probes);
            Assert.True(probes >= PathMtuDiscovery.MaxProbes, $"{probes} probes");
        }
    }

    [Fact]
    public void ProbeLoss_IsNoCongestionSignal()
    {
        // A 1,280 path under the 1,452 cap: the probes at 1,452 and the sizes between are all lost.
        using var path = new PmtudPath(912, 1280, new ConnectionOptions());
        path.Handshake();
        long windowAtStart = path.Client.Loss.Controller.CongestionWindow;
        Assert.True(path.RunUntilConverged(TimeSpan.FromSeconds(30)));

        QuicConnection c = path.Client;
        Assert.True(c.PathMtu!.ProbesLost >= 2 * PathMtuDiscovery.MaxProbes, $"{c.PathMtu.ProbesLost} probes lost");
        Assert.Equal(0, c.PacketsLost);
        Assert.True(windowAtStart == c.Loss.Controller.CongestionWindow, $"cwnd {windowAtStart} -> {c.Loss.Controller.CongestionWindow}, in flight {c.Loss.Controller.BytesInFlight}");
        Assert.Equal(0, c.Loss.Controller.BytesInFlight);
        Assert.Equal(0, c.PathMtu.BlackHolesDetected);
    }

    [Fact]
    public void ProbeLossDuringTransfer_LeavesTheWindowAlone()
    {
        // The same transfer twice on a 1,280 path: discovery on (its probes lost) and off. Nothing else is lost, so
        // no congestion event may happen in either: the window ends no smaller with discovery on.
        long Run(int cap, out int probesLost)
        {
            using var path = new PmtudPath(913, 1280, new ConnectionOptions { MaxPathMtuProbe = cap, Pacing = false });
            path.Handshake();
            EchoClientStream stream = path.StartEcho(1 << 20);
            Assert.True(path.Network.RunUntil(() => stream.Done, path.Network.Now + TimeSpan.FromSeconds(60)));
            Assert.Equal(0, path.Client.PacketsLost);
            probesLost = path.Client.PathMtu?.ProbesLost ?? 0;
            return path.Client.Loss.Controller.CongestionWindow;
        }

        long without = Run(1200, out int none);
        long with = Run(1452, out int lost);
        Assert.Equal(0, none);
        Assert.True(lost >= PathMtuDiscovery.MaxProbes, $"{lost} probes lost");
        Assert.True(with >= without, $"cwnd {with} with lost probes, {without} without");
    }

    [Fact]
    public void BlackHoleMidTransfer_FallsBack_AndTheTransferCompletes()
    {
        using var path = new PmtudPath(914, 1500, new ConnectionOptions());
        path.Handshake();
        Assert.True(path.RunUntilConverged(TimeSpan.FromSeconds(10)));
        Assert.Equal(1452, path.Client.MaxSendDatagramSize);
        Assert.Equal(1452, path.Server.MaxSendDatagramSize);

        EchoClientStream stream = path.StartEcho(4 << 20);
        Assert.True(path.Network.RunUntil(() => stream.ReceivedBytes > (1 << 20), path.Network.Now + TimeSpan.FromSeconds(30)));
        Instant dropAt = path.Network.Now;
        path.SetMtu(1280);
        Assert.True(path.Network.RunUntil(() => stream.Done || path.Client.State != ConnectionState.Open, path.Network.Now + TimeSpan.FromSeconds(60)));
        Assert.True(stream.Done, $"echo done (client {path.Client.State} {path.Client.CloseInfo})");
        Assert.Equal(stream.ExpectedHash, stream.ReceivedHash);
        TimeSpan doneAfter = path.Network.Now - dropAt;
        Assert.True(path.RunUntilConverged(TimeSpan.FromSeconds(30)));

        int limit = PmtudPath.PayloadLimit(1280);
        foreach (QuicConnection c in new[] { path.Client, path.Server })
        {
            PathMtuDiscovery d = c.PathMtu!;
            Assert.True(d.BlackHolesDetected >= 1, $"{(c.IsServer ? "server" : "client")} saw no black hole");
            Assert.InRange(c.MaxSendDatagramSize, limit - PathMtuDiscovery.SearchGranularity + 1, limit);
            output.WriteLine($"{(c.IsServer ? "server" : "client")}: black hole detected {(d.SearchStartedAt - dropAt).TotalMilliseconds:F0} ms after the drop, " +
                $"re-converged to {c.MaxSendDatagramSize} {(d.SearchCompletedAt!.Value - dropAt).TotalMilliseconds:F0} ms after it");
        }

        output.WriteLine($"transfer done {doneAfter.TotalMilliseconds:F0} ms after the drop");
    }

    [Fact]
    public void Disabled_NeverProbes()
    {
        using var path = new PmtudPath(915, 9000, new ConnectionOptions { MaxPathMtuProbe = 1200 });
        path.Handshake();
        path.Network.RunFor(TimeSpan.FromSeconds(2));
        Assert.Null(path.Client.PathMtu);
        Assert.Equal(1200, path.Client.MaxSendDatagramSize);
        Assert.DoesNotContain(path.ClientNode.Sent, d => d.IsProbe || d.Length > 1200);
    }

    [Fact]
    public void PeerMaxUdpPayloadSize_BoundsTheSearch()
    {
        // The server receives at most 1,350 bytes (§18.2): the client never probes beyond it, even on a 9,000 path.
        using var path = new PmtudPath(916, 9000, new ConnectionOptions { MaxPathMtuProbe = 8972, MaxReceiveUdpPayloadSize = 1350 });
        path.Handshake();
        Assert.True(path.RunUntilConverged(TimeSpan.FromSeconds(10)));
        Assert.Equal(1350, path.Client.MaxSendDatagramSize);
        Assert.All(path.ClientNode.Sent, d => Assert.True(d.Length <= 1350));
    }

    [Fact]
    public void NewPath_StartsOverFromBase_AndSearchesAgain()
    {
        // What migration does (RFC 9000 §9.4): the new path's MTU is unknown.
        using var path = new PmtudPath(917, 1500, new ConnectionOptions());
        path.Handshake();
        Assert.True(path.RunUntilConverged(TimeSpan.FromSeconds(10)));
        Assert.Equal(1452, path.Client.MaxSendDatagramSize);

        path.SetMtu(1280);
        path.Client.ResetPathMtu();
        Assert.Equal(1200, path.Client.MaxSendDatagramSize);
        Assert.Equal(1200, path.Client.Loss.Controller.MaxDatagramSize);
        path.Pair.ClientEndpoint.HandleTimeout(path.Network.Now);
        Assert.True(path.Network.RunUntil(() => path.Client.PathMtu is { State: PathMtuState.SearchComplete }, path.Network.Now + TimeSpan.FromSeconds(10)));
        Assert.InRange(path.Client.MaxSendDatagramSize, PmtudPath.PayloadLimit(1280) - PathMtuDiscovery.SearchGranularity + 1, PmtudPath.PayloadLimit(1280));
    }
}
