using SharpQuic.Core.Connection;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Simulation;

namespace SharpQuic.Core.Tests.Ecn;

/// <summary>ECN (RFC 9000 §13.4) end to end on simulated paths.</summary>
public sealed class EcnTests
{
    private static readonly LinkConditions Path20Ms = new() { Delay = TimeSpan.FromMilliseconds(10), Mtu = 1200 };

    [Fact]
    public void PreservingPath_ValidatesBothWays_AndReportsCounts()
    {
        using var path = new EcnPath(701, Path20Ms);
        long ect0Arrived = 0;
        path.Network.Observer = (in SimulatedDatagram d) => ect0Arrived += d.Ecn == EcnCodepoint.Ect0 ? 1 : 0;
        path.Echo(256 << 10);

        Assert.Equal(EcnValidationState.Capable, path.Client.EcnState);
        Assert.Equal(EcnValidationState.Capable, path.Server.EcnState);
        Assert.Equal(EcnCodepoint.Ect0, path.Client.LastTransmitEcn);
        Assert.True(ect0Arrived > 100, $"{ect0Arrived} ECT(0) datagrams");

        // §13.4.1: each side counted the marks it received and reported them (the peer validated with them).
        Assert.True(path.Server.Loss.Ecn.MarkedSent > EcnValidator.TestingPackets);
        Assert.Equal(0ul, path.Client.Loss.Ecn.CeCount);
    }

    [Fact]
    public void BleachingPath_DisablesEcn_TransferStillCompletes()
    {
        using var path = new EcnPath(702, Path20Ms);
        path.ServerNode.Path = static (_, _) => EcnCodepoint.NotEct;
        path.ClientNode.Path = static (_, _) => EcnCodepoint.NotEct;
        long markedAfter = 0;
        path.Echo(128 << 10);

        // §13.4.2.1: marked packets acknowledged without ECN counts fail validation; marking stops.
        Assert.Equal(EcnValidationState.Failed, path.Client.EcnState);
        Assert.Equal(EcnValidationState.Failed, path.Server.EcnState);
        Assert.True(path.Client.Loss.Ecn.MarkedSent <= EcnValidator.TestingPackets);
        path.Network.Observer = (in SimulatedDatagram d) => markedAfter += d.Ecn != EcnCodepoint.NotEct ? 1 : 0;
        Assert.True(path.Client.TryOpenStream(bidirectional: true, out StreamId id));
        Assert.Equal(20_000, path.Client.Write(id, new byte[20_000], fin: true));
        path.Pair.ClientEndpoint.HandleTimeout(path.Network.Now);
        path.Network.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.Equal(0, markedAfter);
    }

    [Fact]
    public void RemarkingPath_Ect0ToEct1_DisablesEcn()
    {
        using var path = new EcnPath(703, Path20Ms);
        path.ServerNode.Path = static (sent, _) => sent == EcnCodepoint.Ect0 ? EcnCodepoint.Ect1 : sent;
        path.Echo(64 << 10);

        // §13.4.2.1: an ECT(1) count for a codepoint never sent.
        Assert.Equal(EcnValidationState.Failed, path.Client.EcnState);
        Assert.Equal(EcnValidationState.Capable, path.Server.EcnState);
    }

    [Fact]
    public void CeMarks_AreCongestionEvents_WindowShrinksWithoutLoss()
    {
        // Same transfer twice on a lossless path; in the second the path marks every 20th datagram to the server CE.
        long cleanWindow;
        using (var clean = new EcnPath(704, Path20Ms))
        {
            clean.Echo(512 << 10);
            cleanWindow = clean.Client.Loss.Controller.CongestionWindow;
        }

        using var path = new EcnPath(704, Path20Ms);
        path.ServerNode.Path = static (sent, index) => sent != EcnCodepoint.NotEct && index % 20 == 19 ? EcnCodepoint.Ce : sent;
        path.Echo(512 << 10);

        Assert.Equal(0, path.Client.PacketsLost);
        Assert.Equal(EcnValidationState.Capable, path.Client.EcnState);
        Assert.True(path.Client.Loss.Ecn.CeCount > 0);
        Assert.True(path.Client.Loss.Controller.CongestionWindow < cleanWindow / 2,
            $"cwnd {path.Client.Loss.Controller.CongestionWindow} with CE marks, {cleanWindow} without");
    }

    [Fact]
    public void EcnDisabledByOption_SendsUnmarked()
    {
        using var path = new EcnPath(705, Path20Ms, new ConnectionOptions { EnableEcn = false });
        long marked = 0;
        path.Network.Observer = (in SimulatedDatagram d) => marked += d.Ecn != EcnCodepoint.NotEct ? 1 : 0;
        path.Echo(32 << 10);
        Assert.Equal(0, marked);
    }
}
