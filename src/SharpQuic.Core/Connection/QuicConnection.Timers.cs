using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Connection;

/// <summary>The connection's timers, indexed by kind (quinn's table); <see cref="QuicConnection.NextTimeout"/> is their minimum.</summary>
internal enum TimerKind
{
    /// <summary>Loss detection and PTO (RFC 9002 §6); mirrored from <see cref="LossDetection.NextTimeout"/>.</summary>
    LossDetection,

    /// <summary>The delayed ACK deadline (RFC 9000 §13.2.1); mirrored from the receive trackers.</summary>
    Ack,

    /// <summary>The idle timeout (RFC 9000 §10.1).</summary>
    Idle,

    /// <summary>The keep-alive PING.</summary>
    KeepAlive,

    /// <summary>End of the closing or draining period (RFC 9000 §10.2).</summary>
    Close,

    /// <summary>The handshake deadline.</summary>
    Handshake,

    /// <summary>When data held back by the pacer may go (RFC 9002 §7.7); mirrored from the pacing gate.</summary>
    Pacing,

    /// <summary>The next PATH_CHALLENGE or the end of a path validation (RFC 9000 §8.2.4).</summary>
    PathValidation,

    /// <summary>The path MTU probe and raise timers (RFC 8899 §5.1.1); mirrored from <see cref="PathMtuDiscovery"/>.</summary>
    PathMtu,
}

/// <summary>Timers: the table, the next timeout, and what each one does when it fires.</summary>
internal sealed partial class QuicConnection
{
    private const int TimerCount = 9;
    private readonly Instant?[] _timers = new Instant?[TimerCount];
    private Instant _lastActivity;
    private bool _ackElicitingSentSinceReceive;
    private bool _keepAlivePending;

    /// <summary>When <see cref="HandleTimeout"/> must be called next; null for never.</summary>
    public Instant? NextTimeout()
    {
        RefreshMirroredTimers();
        Instant? next = null;
        for (int i = 0; i < TimerCount; i++)
        {
            if (_timers[i] is Instant t && (next is null || t < next.Value))
            {
                next = t;
            }
        }

        return next;
    }

    /// <summary>Fires every timer due at <paramref name="now"/>.</summary>
    public void HandleTimeout(Instant now)
    {
        if (State == ConnectionState.Closed)
        {
            return;
        }

        if (Due(TimerKind.Close, now))
        {
            ClearTimer(TimerKind.Close);
            SetClosed();
            return;
        }

        if (State != ConnectionState.Open)
        {
            return;
        }

        if (Due(TimerKind.Idle, now))
        {
            // RFC 9000 §10.1: silently closed, no CONNECTION_CLOSE.
            CloseInfo ??= new ConnectionCloseInfo(CloseReason.IdleTimeout, false, 0, "idle timeout");
            TraceClosed(now);
            SetClosed();
            return;
        }

        if (Due(TimerKind.Handshake, now))
        {
            CloseInfo ??= new ConnectionCloseInfo(CloseReason.HandshakeTimeout, false, 0, "handshake timeout");
            TraceClosed(now);
            SetClosed();
            return;
        }

        // Pacing (RFC 9002 §7.7): nothing to do but let PollTransmit ask the pacer again.
        _pacing?.OnTimeout(now);

        if (Due(TimerKind.KeepAlive, now))
        {
            _keepAlivePending = true;
            ClearTimer(TimerKind.KeepAlive);
        }

        if (Due(TimerKind.PathValidation, now))
        {
            OnPathTimer(now);
            if (State != ConnectionState.Open)
            {
                return;
            }
        }

        if (Due(TimerKind.PathMtu, now))
        {
            _pmtud?.OnTimeout(now);
        }

        if (_loss.NextTimeout() is Instant lossTimer && lossTimer <= now)
        {
            // Before and after: losses found by the timer are dated now, then the PTO count is logged.
            _tracer?.RecoveryUpdated(now, TraceRecovery());
            _loss.OnTimeout(now, this);
            _tracer?.RecoveryUpdated(now, TraceRecovery());
        }
    }

    private bool Due(TimerKind kind, Instant now) => _timers[(int)kind] is Instant t && t <= now;

    private void SetTimer(TimerKind kind, Instant at) => _timers[(int)kind] = at;

    private void ClearTimer(TimerKind kind) => _timers[(int)kind] = null;

    private void RefreshMirroredTimers()
    {
        if (State != ConnectionState.Open)
        {
            _timers[(int)TimerKind.LossDetection] = null;
            _timers[(int)TimerKind.Ack] = null;
            _timers[(int)TimerKind.Pacing] = null;
            _timers[(int)TimerKind.PathMtu] = null;
            return;
        }

        _timers[(int)TimerKind.LossDetection] = _loss.NextTimeout();
        _timers[(int)TimerKind.Pacing] = _pacing?.ReleaseTime;
        _timers[(int)TimerKind.PathMtu] = _pmtud?.NextTimeout;
        Instant? ack = null;
        foreach (PacketSpaceState s in _spaces)
        {
            if (s.CanSend && s.Tracker.NextTimeout() is Instant t && (ack is null || t < ack.Value))
            {
                ack = t;
            }
        }

        _timers[(int)TimerKind.Ack] = ack;
        if (IsPathAmplificationBlocked)
        {
            // RFC 9000 §9.3.1, RFC 9002 §6.2.2.1: nothing can go to the unvalidated address until more arrives from it.
            _timers[(int)TimerKind.LossDetection] = null;
            _timers[(int)TimerKind.Ack] = null;
            _timers[(int)TimerKind.Pacing] = null;
        }
    }

    /// <summary>
    /// RFC 9000 §10.1: restarted by a packet received and processed, and by the first ack-eliciting packet sent
    /// after one was received; never shorter than three PTOs.
    /// </summary>
    private void RestartIdleTimer(Instant now)
    {
        _lastActivity = now;
        if (_idleTimeout > TimeSpan.Zero)
        {
            TimeSpan pto3 = _loss.Rtt.ProbeTimeout(includeMaxAckDelay: true) * 3;
            SetTimer(TimerKind.Idle, now + (_idleTimeout > pto3 ? _idleTimeout : pto3));
        }
        else
        {
            ClearTimer(TimerKind.Idle);
        }

        if (_options.KeepAliveInterval is TimeSpan keepAlive)
        {
            SetTimer(TimerKind.KeepAlive, now + keepAlive);
        }
    }

    /// <summary>Three PTOs: the closing and draining periods (RFC 9000 §10.2).</summary>
    private TimeSpan ThreePto() => _loss.Rtt.ProbeTimeout(includeMaxAckDelay: true) * 3;
}
