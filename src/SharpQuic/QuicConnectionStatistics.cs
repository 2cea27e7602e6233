using CoreConnection = SharpQuic.Core.Connection.QuicConnection;

namespace SharpQuic;

/// <summary>A snapshot of a connection's transport state (beyond System.Net.Quic; msquic's QUIC_STATISTICS in spirit).</summary>
public sealed record QuicConnectionStatistics
{
    /// <summary>The smoothed round-trip time (RFC 9002 §5.3).</summary>
    public TimeSpan SmoothedRtt { get; init; }

    /// <summary>The minimum round-trip time seen.</summary>
    public TimeSpan MinRtt { get; init; }

    /// <summary>The latest round-trip sample.</summary>
    public TimeSpan LatestRtt { get; init; }

    /// <summary>The congestion window in bytes.</summary>
    public long CongestionWindow { get; init; }

    /// <summary>Bytes in flight.</summary>
    public long BytesInFlight { get; init; }

    /// <summary>UDP payload bytes sent and received.</summary>
    public long BytesSent { get; init; }

    /// <inheritdoc cref="BytesSent"/>
    public long BytesReceived { get; init; }

    /// <summary>Packets declared lost (RFC 9002 §6.1).</summary>
    public long PacketsLost { get; init; }

    /// <summary>Packets sent.</summary>
    public long PacketsSent { get; init; }

    /// <summary>Key updates done (RFC 9001 §6).</summary>
    public int KeyUpdates { get; init; }

    /// <summary>The largest UDP payload sent now: 1,200 until path MTU discovery (RFC 9000 §14.3) raises it.</summary>
    public int PathMaxDatagramSize { get; init; }

    /// <summary>ECN on the path (RFC 9000 §13.4.2): Testing, Unknown, Capable or Failed.</summary>
    public string EcnState { get; init; } = string.Empty;
    /// <summary>Paths validated with PATH_CHALLENGE/PATH_RESPONSE (RFC 9000 §8.2), including the handshake path's.</summary>
    public int PathsValidated { get; init; }

    /// <summary>Path validations abandoned (RFC 9000 §8.2.4).</summary>
    public int PathValidationFailures { get; init; }

    /// <summary>Times the active path changed: a peer's migration or NAT rebinding, or our own (RFC 9000 §9).</summary>
    public int PathChanges { get; init; }

    internal static QuicConnectionStatistics From(CoreConnection core) => new()
    {
        SmoothedRtt = core.Loss.Rtt.SmoothedRtt,
        MinRtt = core.Loss.Rtt.MinRtt,
        LatestRtt = core.Loss.Rtt.LatestRtt,
        CongestionWindow = core.Loss.Controller.CongestionWindow,
        BytesInFlight = core.Loss.Controller.BytesInFlight,
        BytesSent = core.BytesSent,
        BytesReceived = core.BytesReceived,
        PacketsLost = core.PacketsLost,
        PacketsSent = core.PacketsSent,
        KeyUpdates = core.KeyUpdates,
        PathMaxDatagramSize = core.MaxSendDatagramSize,
        EcnState = core.EcnState.ToString(),
        PathsValidated = core.PathsValidated,
        PathValidationFailures = core.PathValidationFailures,
        PathChanges = core.PathChanges,
    };
}
