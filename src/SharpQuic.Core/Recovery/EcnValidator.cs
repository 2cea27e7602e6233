using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Recovery;

/// <summary>The ECN state of a path (RFC 9000 Appendix A.4).</summary>
public enum EcnValidationState : byte
{
    /// <summary>The first packets on the path are sent ECT(0) to learn how the path and the peer treat them.</summary>
    Testing,

    /// <summary>The testing packets are out; nothing more is marked until an ACK validates them.</summary>
    Unknown,

    /// <summary>Validated: packets are marked ECT(0) and CE counts are congestion signals.</summary>
    Capable,

    /// <summary>Validation failed (or ECN was turned off): nothing is marked and ECN counts are ignored.</summary>
    Failed,
}

/// <summary>
/// ECN validation for the application data space of one path (RFC 9000 §13.4.2): what was sent marked, what the
/// peer's ACK frames report, and whether the counts are consistent. Fed by <see cref="LossDetection"/>.
/// </summary>
/// <remarks>
/// Only ECT(0) is ever sent. Validation fails when: an ACK newly acknowledges marked packets without ECN counts (a
/// bleaching path or a peer that does not report), the ECT(0)+CE increase is below the marked packets newly
/// acknowledged (remarking), a count exceeds what we sent or ECT(1) appears (§13.4.2.1), a count goes down, or every
/// testing packet is lost (§13.4.2). ACK frames that do not raise the largest acknowledged never fail it.
/// </remarks>
public sealed class EcnValidator
{
    /// <summary>ECT(0) packets sent while testing a path (RFC 9000 §13.4.2 suggests ten).</summary>
    public const int TestingPackets = 10;

    private ulong _sentEct0;
    private ulong _ackedEct0;
    private ulong _lostEct0;
    private ulong _testingSent;
    private EcnCounts _baseline;

    /// <summary>The path's ECN state.</summary>
    public EcnValidationState State { get; private set; }

    /// <summary>Whether the next packet should carry ECT(0).</summary>
    public bool ShouldMark => State is EcnValidationState.Testing or EcnValidationState.Capable;

    /// <summary>ECT(0)-marked packets sent on the path.</summary>
    public ulong MarkedSent => _sentEct0;

    /// <summary>The CE count of the last validated ACK frame.</summary>
    public ulong CeCount => _baseline.Ce;

    /// <summary>Turns marking off for good (the socket cannot mark, or the application said so).</summary>
    public void Disable() => State = EcnValidationState.Failed;

    /// <summary>A new path (migration, preferred address): validate again from the start (§13.4.2).</summary>
    public void Restart()
    {
        State = EcnValidationState.Testing;
        _sentEct0 = _ackedEct0 = _lostEct0 = _testingSent = 0;
        _baseline = default;
    }

    /// <summary>A tracked packet was sent.</summary>
    public void OnPacketSent(in SentPacket packet)
    {
        if (packet.Ecn != EcnCodepoint.Ect0)
        {
            return;
        }

        _sentEct0++;
        if (State == EcnValidationState.Testing && ++_testingSent >= TestingPackets)
        {
            State = EcnValidationState.Unknown;
        }
    }

    /// <summary>A packet was declared lost: when every testing packet is lost, marking is what the path drops.</summary>
    public void OnPacketLost(in SentPacket packet)
    {
        if (packet.Ecn != EcnCodepoint.Ect0)
        {
            return;
        }

        _lostEct0++;
        if (State == EcnValidationState.Unknown && _ackedEct0 == 0 && _lostEct0 >= _sentEct0)
        {
            State = EcnValidationState.Failed;
        }
    }

    /// <summary>
    /// Validates an ACK frame's counts (RFC 9000 §13.4.2.1). <paramref name="newlyAckedEct0"/> counts the ECT(0) packets
    /// it newly acknowledges. Returns whether the CE count rose in a valid frame: a congestion event (RFC 9002 §7.1).
    /// </summary>
    public bool OnAckReceived(int newlyAckedEct0, bool largestIncreased, EcnCounts? counts)
    {
        if (State == EcnValidationState.Failed)
        {
            return false;
        }

        _ackedEct0 += (ulong)newlyAckedEct0;
        if (!largestIncreased)
        {
            // §13.4.2.1: a reordered ACK must not fail validation; its counts are older than the baseline's.
            return false;
        }

        if (counts is not EcnCounts c)
        {
            if (newlyAckedEct0 > 0)
            {
                State = EcnValidationState.Failed;
            }

            return false;
        }

        if (c.Ect0 < _baseline.Ect0 || c.Ce < _baseline.Ce || c.Ect1 != 0 || c.Ect0 + c.Ce > _sentEct0
            || (c.Ect0 - _baseline.Ect0) + (c.Ce - _baseline.Ce) < (ulong)newlyAckedEct0)
        {
            State = EcnValidationState.Failed;
            return false;
        }

        bool ceIncreased = c.Ce > _baseline.Ce;
        _baseline = c;
        if (newlyAckedEct0 > 0 && State is EcnValidationState.Testing or EcnValidationState.Unknown)
        {
            State = EcnValidationState.Capable;
        }

        return ceIncreased;
    }
}
