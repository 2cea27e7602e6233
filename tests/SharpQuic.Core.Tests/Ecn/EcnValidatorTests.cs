using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Tests.Ecn;

/// <summary>The checks of RFC 9000 §13.4.2 on ECN counts, one at a time.</summary>
public sealed class EcnValidatorTests
{
    private static EcnValidator SentMarked(int count)
    {
        var v = new EcnValidator();
        for (int i = 0; i < count; i++)
        {
            v.OnPacketSent(new SentPacket((ulong)i, Instant.Zero, 1200, true, true, i, EcnCodepoint.Ect0));
        }

        return v;
    }

    [Fact]
    public void TestingPeriod_MarksTenPackets_ThenWaits()
    {
        EcnValidator v = SentMarked(EcnValidator.TestingPackets - 1);
        Assert.True(v.ShouldMark);
        v.OnPacketSent(new SentPacket(9, Instant.Zero, 1200, true, true, 9, EcnCodepoint.Ect0));
        Assert.Equal(EcnValidationState.Unknown, v.State);
        Assert.False(v.ShouldMark);
    }

    [Fact]
    public void ConsistentCounts_Validate()
    {
        EcnValidator v = SentMarked(4);
        Assert.False(v.OnAckReceived(3, largestIncreased: true, new EcnCounts(3, 0, 0)));
        Assert.Equal(EcnValidationState.Capable, v.State);
        Assert.True(v.ShouldMark);
    }

    [Fact]
    public void MissingCounts_ForMarkedPackets_Fail()
    {
        EcnValidator v = SentMarked(4);
        v.OnAckReceived(2, largestIncreased: true, null);
        Assert.Equal(EcnValidationState.Failed, v.State);
        Assert.False(v.ShouldMark);
    }

    [Fact]
    public void IncreaseBelowNewlyAcknowledged_Fails()
    {
        EcnValidator v = SentMarked(6);
        v.OnAckReceived(2, true, new EcnCounts(2, 0, 0));
        v.OnAckReceived(3, true, new EcnCounts(4, 0, 0)); // +2 for 3 newly acknowledged
        Assert.Equal(EcnValidationState.Failed, v.State);
    }

    [Fact]
    public void ReorderedAck_NeverFails()
    {
        EcnValidator v = SentMarked(6);
        v.OnAckReceived(4, true, new EcnCounts(4, 0, 0));
        v.OnAckReceived(1, largestIncreased: false, null); // an older ACK frame arriving late
        Assert.Equal(EcnValidationState.Capable, v.State);
    }

    [Theory]
    [InlineData(2ul, 1ul, 0ul)] // ECT(1) never sent
    [InlineData(5ul, 0ul, 0ul)] // more ECT(0) than sent
    [InlineData(2ul, 0ul, 3ul)] // ECT(0)+CE above what was sent
    public void ImpossibleCounts_Fail(ulong ect0, ulong ect1, ulong ce)
    {
        EcnValidator v = SentMarked(4);
        v.OnAckReceived(2, true, new EcnCounts(ect0, ect1, ce));
        Assert.Equal(EcnValidationState.Failed, v.State);
    }

    [Fact]
    public void DecreasingCounts_Fail()
    {
        EcnValidator v = SentMarked(6);
        v.OnAckReceived(3, true, new EcnCounts(3, 0, 0));
        v.OnAckReceived(1, true, new EcnCounts(2, 0, 2));
        Assert.Equal(EcnValidationState.Failed, v.State);
    }

    [Fact]
    public void CeIncrease_IsReportedOnce()
    {
        EcnValidator v = SentMarked(6);
        Assert.False(v.OnAckReceived(2, true, new EcnCounts(2, 0, 0)));
        Assert.True(v.OnAckReceived(2, true, new EcnCounts(3, 0, 1)));
        Assert.False(v.OnAckReceived(1, true, new EcnCounts(4, 0, 1)));
        Assert.Equal(1ul, v.CeCount);
    }

    [Fact]
    public void AllTestingPacketsLost_Fails()
    {
        EcnValidator v = SentMarked(EcnValidator.TestingPackets);
        for (int i = 0; i < EcnValidator.TestingPackets; i++)
        {
            Assert.NotEqual(EcnValidationState.Failed, v.State);
            v.OnPacketLost(new SentPacket((ulong)i, Instant.Zero, 1200, true, true, i, EcnCodepoint.Ect0));
        }

        Assert.Equal(EcnValidationState.Failed, v.State);
    }

    [Fact]
    public void FailedValidator_IgnoresCe()
    {
        EcnValidator v = SentMarked(4);
        v.Disable();
        Assert.False(v.OnAckReceived(2, true, new EcnCounts(1, 0, 1)));
        Assert.False(v.ShouldMark);
    }
}
