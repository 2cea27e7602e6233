using SharpQuic.Core.Congestion;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Qlog;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Connection;

/// <summary>
/// Tracing (qlog): the connection's optional <see cref="IConnectionTracer"/> and the helpers its hooks call. Every
/// hook in the other partial files is one line, <c>_tracer?.Method(…)</c>: with tracing off the arguments are not
/// even evaluated, so the per-packet paths stay free of allocation.
/// </summary>
internal sealed partial class QuicConnection
{
    private IConnectionTracer? _tracer;

    /// <summary>Creates the tracer (once, from the constructor) and logs the start and our transport parameters.</summary>
    private void StartTracing(ConnectionId originalDcid, ConnectionId localCid, ConnectionId remoteCid, Instant now)
    {
        _tracer = _options.Tracing?.Create(IsServer, originalDcid, now);
        if (_tracer is null)
        {
            return;
        }

        _tracer.ConnectionStarted(now, RemoteAddress, _version, localCid.Span, remoteCid.Span);
        if (TransportParameters.TryParse(_localTransportParameters, sentByServer: IsServer, out TransportParameters? local, out _) == TransportErrorCode.NoError && local is not null)
        {
            _tracer.ParametersSet(now, remote: false, local);
        }
    }

    /// <summary>The recovery values the tracer compares with the ones it logged last.</summary>
    private RecoverySnapshot TraceRecovery()
    {
        ICongestionController c = _loss.Controller;
        RttEstimator rtt = _loss.Rtt;
        long ssthresh = -1;
        Instant? recoveryStart = null;
        if (c is NewReno reno)
        {
            ssthresh = reno.SlowStartThreshold;
            recoveryStart = reno.RecoveryStartTime;
        }
        else if (c is Cubic cubic)
        {
            ssthresh = cubic.SlowStartThreshold;
            recoveryStart = cubic.RecoveryStartTime;
        }

        return new RecoverySnapshot(
            rtt.HasSample ? rtt.MinRtt : TimeSpan.Zero,
            rtt.HasSample ? rtt.SmoothedRtt : TimeSpan.Zero,
            rtt.HasSample ? rtt.LatestRtt : TimeSpan.Zero,
            rtt.HasSample ? rtt.RttVariation : TimeSpan.Zero,
            _loss.PtoCount,
            c.CongestionWindow,
            c.BytesInFlight,
            ssthresh,
            recoveryStart,
            c.IsAppLimited);
    }

    /// <summary>qlog's packet_type for a packet we build in <paramref name="space"/>.</summary>
    private static PacketType TracePacketType(PacketNumberSpace space) => space switch
    {
        PacketNumberSpace.Initial => PacketType.Initial,
        PacketNumberSpace.Handshake => PacketType.Handshake,
        _ => PacketType.OneRtt,
    };

    /// <summary>stream_state_updated "open" for the parts of a new stream that exist at this end (RFC 9000 §2.1).</summary>
    private void TraceStreamOpened(StreamId id, QlogTrigger trigger)
    {
        if (_tracer is null)
        {
            return;
        }

        bool ours = id.IsServerInitiated == IsServer;
        if (id.IsBidirectional || ours)
        {
            _tracer.StreamStateUpdated(id.Value, sendingSide: true, QlogStreamState.Open, trigger);
        }

        if (id.IsBidirectional || !ours)
        {
            _tracer.StreamStateUpdated(id.Value, sendingSide: false, QlogStreamState.Open, trigger);
        }
    }

    /// <summary>Stream state changes the stream manager reports as events (the peer's actions and acknowledgments).</summary>
    private void TraceStreamEvent(in StreamEvent se)
    {
        if (_tracer is null)
        {
            return;
        }

        ulong id = se.StreamId.Value;
        switch (se.Kind)
        {
            case StreamEventKind.Opened:
                TraceStreamOpened(se.StreamId, QlogTrigger.Remote);
                break;
            case StreamEventKind.Finished:
                // RFC 9000 §3.1 "Data Recvd": everything we sent was acknowledged.
                _tracer.StreamStateUpdated(id, sendingSide: true, QlogStreamState.Closed, QlogTrigger.None);
                break;
            case StreamEventKind.ResetReceived:
                _tracer.StreamStateUpdated(id, sendingSide: false, QlogStreamState.Closed, QlogTrigger.Remote);
                break;
            case StreamEventKind.StopSendingReceived:
                _tracer.StreamStateUpdated(id, sendingSide: true, QlogStreamState.Closed, QlogTrigger.Remote);
                break;
        }
    }

    /// <summary>Logs the close decision (CloseInfo must be set).</summary>
    private void TraceClosed(Instant now)
    {
        if (_tracer is not null && CloseInfo is ConnectionCloseInfo info)
        {
            _tracer.ConnectionClosed(now, info);
        }
    }
}
