using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire.Frames;
using static SharpQuic.Core.Tests.Recovery.LossDetectionTests;
using static SharpQuic.Core.Tests.Recovery.Ms;

namespace SharpQuic.Core.Tests.Recovery;

/// <summary>RFC 9002 §6.2 probe timeout and the loss detection timer.</summary>
public sealed class ProbeTimeoutTests
{
    private const PacketNumberSpace Initial = PacketNumberSpace.Initial;
    private const PacketNumberSpace Handshake = PacketNumberSpace.Handshake;
    private const PacketNumberSpace App = PacketNumberSpace.ApplicationData;

    private readonly RecordingObserver _observer = new();

    [Fact]
    public void Pto_uses_the_initial_rtt_and_doubles_on_each_expiry()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        Send(ld, Initial, 0, At(0));

        // 333 + 4 · 166.5 = 999 ms; no max_ack_delay in Initial (§6.2.1).
        Assert.Equal(At(999), ld.NextTimeout());
        Assert.Equal(LossTimeoutKind.None, ld.OnTimeout(At(998), _observer));

        Assert.Equal(LossTimeoutKind.Probe, ld.OnTimeout(At(999), _observer));
        Assert.Equal(1, ld.PtoCount);
        Assert.Equal(2, ld.ProbesPending(Initial));
        Assert.Empty(_observer.Lost); // a PTO declares nothing lost (§6.2)
        Assert.Equal(At(1998), ld.NextTimeout());

        // Probes are counted down as ack-eliciting packets are sent; the timer restarts from them.
        Send(ld, Initial, 1, At(1000));
        Assert.Equal(1, ld.ProbesPending(Initial));
        Send(ld, Initial, 2, At(1000));
        Assert.Equal(0, ld.ProbesPending(Initial));
        Assert.Equal(At(1000 + 1998), ld.NextTimeout());

        Assert.Equal(LossTimeoutKind.Probe, ld.OnTimeout(At(2998), _observer));
        Assert.Equal(2, ld.PtoCount);
        Assert.Equal(At(1000 + (4 * 999)), ld.NextTimeout());
    }

    [Fact]
    public void An_acknowledgment_resets_the_backoff()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        Send(ld, Handshake, 0, At(0));
        Send(ld, Handshake, 1, At(0));
        ld.OnTimeout(At(999), _observer);
        ld.OnTimeout(At(2997), _observer);
        Assert.Equal(2, ld.PtoCount);

        Send(ld, Handshake, 2, At(2997));
        ld.OnAckReceived(Handshake, [new AckRange(0, 1)], TimeSpan.Zero, null, At(3000), _observer);
        Assert.Equal(0, ld.PtoCount);

        // RTT sample 3000 ms → PTO = 3000 + 4·1500 from the probe still in flight, not doubled.
        Assert.Equal(At(2997 + 9000), ld.NextTimeout());
    }

    [Fact]
    public void A_client_keeps_its_backoff_until_the_server_validated_its_address()
    {
        var ld = new LossDetection(isServer: false, new NewReno());
        Send(ld, Initial, 0, At(0));
        Send(ld, Initial, 1, At(0));
        ld.OnTimeout(At(999), _observer);
        ld.OnAckReceived(Initial, [new AckRange(1, 1)], TimeSpan.Zero, null, At(1000), _observer);
        Assert.Equal(1, ld.PtoCount);
        Assert.False(ld.PeerCompletedAddressValidation);

        ld.OnHandshakeKeysAvailable(At(1000));
        Send(ld, Handshake, 0, At(1001));
        ld.OnAckReceived(Handshake, [new AckRange(0, 0)], TimeSpan.Zero, null, At(1100), _observer);
        Assert.True(ld.PeerCompletedAddressValidation);
        Assert.Equal(0, ld.PtoCount);
    }

    [Fact]
    public void The_earliest_space_wins_and_application_data_waits_for_confirmation()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        Send(ld, App, 0, At(0));
        Assert.Null(ld.NextTimeout()); // §6.2.1: no ApplicationData PTO before confirmation

        Send(ld, Handshake, 0, At(10));
        Send(ld, Initial, 0, At(20));
        Assert.Equal(At(1009), ld.NextTimeout());
        Assert.Equal(LossTimeoutKind.Probe, ld.OnTimeout(At(1009), _observer));
        Assert.Equal(2, ld.ProbesPending(Handshake));
        Assert.Equal(0, ld.ProbesPending(Initial));
        Assert.Equal(0, ld.ProbesPending(App));

        // Backoff is shared by the spaces: Handshake's PTO is now 10 + 2 · 999, Initial's 20 + 2 · 999.
        Assert.Equal(At(2008), ld.NextTimeout());
        Send(ld, Handshake, 1, At(1500));
        Send(ld, Handshake, 2, At(1500));
        Assert.Equal(At(2018), ld.NextTimeout());

        // Once Initial and Handshake are gone and the handshake is confirmed, ApplicationData
        // gets a PTO including max_ack_delay.
        ld.OnPacketNumberSpaceDiscarded(Initial, At(1010), _observer);
        ld.OnPacketNumberSpaceDiscarded(Handshake, At(1010), _observer);
        Assert.Null(ld.NextTimeout());
        ld.OnHandshakeConfirmed(At(1010));
        Assert.Equal(At(999 + 25), ld.NextTimeout());
    }

    [Fact]
    public void Application_data_pto_adds_backed_off_max_ack_delay()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        ld.OnHandshakeConfirmed(At(0));
        ld.SetPeerMaxAckDelay(Span(40), At(0));
        Send(ld, App, 0, At(0));
        Assert.Equal(At(999 + 40), ld.NextTimeout());
        ld.OnTimeout(At(1039), _observer);
        Assert.Equal(At(2 * (999 + 40)), ld.NextTimeout());
    }

    [Fact]
    public void An_amplification_limited_server_arms_no_timer()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        Send(ld, Initial, 0, At(0));
        ld.SetAmplificationLimited(true, At(1));
        Assert.Null(ld.NextTimeout());
        Assert.Equal(LossTimeoutKind.None, ld.OnTimeout(At(5000), _observer));

        // A datagram lifts the limit: the timer is back, already expired, and fires at once.
        ld.SetAmplificationLimited(false, At(5000));
        Assert.Equal(At(999), ld.NextTimeout());
        Assert.Equal(LossTimeoutKind.Probe, ld.OnTimeout(At(5000), _observer));
    }

    [Fact]
    public void Discarding_keys_removes_bytes_in_flight_and_resets_the_backoff()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        Send(ld, Initial, 0, At(0), size: 1200);
        Send(ld, Initial, 1, At(0), ackEliciting: false, inFlight: false, size: 50);
        Send(ld, Handshake, 0, At(500), size: 1000);
        ld.OnTimeout(At(999), _observer);
        Assert.Equal(1, ld.PtoCount);
        Assert.Equal(2200, ld.Controller.BytesInFlight);

        ld.OnPacketNumberSpaceDiscarded(Initial, At(1000), _observer);
        Assert.Equal(0, ld.PtoCount);
        Assert.Equal(1000, ld.Controller.BytesInFlight);
        Assert.Equal(2, _observer.Discarded.Count);
        Assert.Equal(0, ld.SentPackets(Initial).Count);
        Assert.Equal(0, ld.ProbesPending(Initial));
        Assert.True(ld.IsDiscarded(Initial));

        // The timer now follows the Handshake packet with the backoff reset.
        Assert.Equal(At(500 + 999), ld.NextTimeout());

        // ACKs in a discarded space are ignored.
        Assert.Equal(0, ld.OnAckReceived(Initial, [new AckRange(0, 0)], TimeSpan.Zero, null, At(1001), _observer).NewlyAcked);
    }

    [Fact]
    public void A_client_with_nothing_in_flight_arms_the_anti_deadlock_timer()
    {
        var ld = new LossDetection(isServer: false, new NewReno());
        Send(ld, Initial, 0, At(0));
        ld.OnAckReceived(Initial, [new AckRange(0, 0)], TimeSpan.Zero, null, At(100), _observer);

        // Nothing in flight, but the server may be blocked: now + PTO (100 + 4·50 = 300 ms).
        Assert.Equal(At(400), ld.NextTimeout());
        Assert.Equal(LossTimeoutKind.Probe, ld.OnTimeout(At(400), _observer));
        Assert.Equal(1, ld.ProbesPending(Initial)); // a padded Initial without Handshake keys

        ld.OnHandshakeKeysAvailable(At(401));
        Assert.Equal(At(401 + 600), ld.NextTimeout());
        Assert.Equal(LossTimeoutKind.Probe, ld.OnTimeout(At(1001), _observer));
        Assert.Equal(1, ld.ProbesPending(Handshake));

        // A server in the same state has no timer.
        var server = new LossDetection(isServer: true, new NewReno());
        Send(server, Initial, 0, At(0));
        server.OnAckReceived(Initial, [new AckRange(0, 0)], TimeSpan.Zero, null, At(100), _observer);
        Assert.Null(server.NextTimeout());
    }

    [Fact]
    public void A_loss_timer_takes_precedence_over_the_pto()
    {
        var ld = new LossDetection(isServer: true, new NewReno());
        Send(ld, Handshake, 0, At(0));
        Send(ld, Handshake, 1, At(0));
        ld.OnAckReceived(Handshake, [new AckRange(1, 1)], TimeSpan.Zero, null, At(100), _observer);

        // pn 0 waits for the time threshold (9/8 · 100), earlier than the PTO.
        Assert.Equal(At(112.5), ld.NextTimeout());
        Assert.Equal(LossTimeoutKind.PacketsLost, ld.OnTimeout(At(112.5), _observer));
        Assert.Null(ld.NextTimeout());
    }
}
