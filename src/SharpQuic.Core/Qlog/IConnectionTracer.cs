using System.Net;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire;

namespace SharpQuic.Core.Qlog;

/// <summary>
/// Receives the events of one connection (qlog, draft-ietf-quic-qlog-quic-events). The connection holds a nullable
/// tracer and guards every call with a null check, so tracing off costs one comparison and nothing is evaluated or
/// allocated. Arguments are values and spans that are only valid during the call; an implementation copies what it
/// keeps. Calls come from the connection's single thread, in time order.
/// </summary>
internal interface IConnectionTracer : IDisposable
{
    /// <summary>quic:connection_started: the connection was created (client: attempting; server: accepting).</summary>
    void ConnectionStarted(Instant now, IPEndPoint remote, QuicVersion version, ReadOnlySpan<byte> sourceConnectionId, ReadOnlySpan<byte> destinationConnectionId);

    /// <summary>quic:parameters_set with our (<paramref name="remote"/> false) or the peer's transport parameters.</summary>
    void ParametersSet(Instant now, bool remote, TransportParameters parameters);

    /// <summary>
    /// quic:packet_sent. <paramref name="payload"/> is the plaintext frames of the packet (before sealing);
    /// <paramref name="length"/> the whole packet on the wire, AEAD tag included.
    /// </summary>
    void PacketSent(Instant now, PacketType type, ulong packetNumber, int length, ReadOnlySpan<byte> payload);

    /// <summary>quic:packet_received, after the packet was authenticated: <paramref name="payload"/> is its plaintext frames.</summary>
    void PacketReceived(Instant now, PacketType type, ulong packetNumber, int length, ReadOnlySpan<byte> payload);

    /// <summary>
    /// One packet newly acknowledged (RFC 9002 §6.1). The tracer groups the packets of one ACK into a single
    /// quic:packets_acked event written before its next event.
    /// </summary>
    void PacketAcked(PacketNumberSpace space, ulong packetNumber, Instant timeSent);

    /// <summary>
    /// quic:packet_lost: loss detection declared the packet lost (RFC 9002 §6.1), dated by the latest event (the
    /// ACK's packet_received, or the <see cref="RecoveryUpdated"/> that precedes a timer's verdicts).
    /// </summary>
    void PacketLost(PacketNumberSpace space, ulong packetNumber);

    /// <summary>
    /// The recovery state after an input: the tracer writes quic:recovery_metrics_updated with the values that
    /// changed, and quic:congestion_state_updated when the congestion state changed.
    /// </summary>
    void RecoveryUpdated(Instant now, in RecoverySnapshot snapshot);

    /// <summary>
    /// quic:stream_state_updated for one side of a stream, dated by the latest event (stream commands carry no time).
    /// </summary>
    void StreamStateUpdated(ulong streamId, bool sendingSide, QlogStreamState state, QlogTrigger trigger);

    /// <summary>quic:connection_closed: CONNECTION_CLOSE sent or received, idle or handshake timeout, stateless reset.</summary>
    void ConnectionClosed(Instant now, ConnectionCloseInfo info);
}

/// <summary>Creates the tracer of each new connection, or null to leave it untraced.</summary>
internal interface IConnectionTracerFactory
{
    /// <summary>Called once per connection, in both roles, when it is created.</summary>
    /// <param name="isServer">Whether the connection is the server side.</param>
    /// <param name="originalDestinationConnectionId">The client's first Destination Connection ID (the qlog group_id).</param>
    /// <param name="now">The creation time: qlog times are relative to it.</param>
    IConnectionTracer? Create(bool isServer, ConnectionId originalDestinationConnectionId, Instant now);
}

/// <summary>The base stream states of qlog (draft-ietf-quic-qlog-quic-events, stream_state_updated).</summary>
internal enum QlogStreamState
{
    /// <summary>"open".</summary>
    Open,

    /// <summary>"closed".</summary>
    Closed,
}

/// <summary>Who caused a state change ("local" / "remote"), or nothing to log.</summary>
internal enum QlogTrigger
{
    /// <summary>No trigger field.</summary>
    None,

    /// <summary>"local".</summary>
    Local,

    /// <summary>"remote".</summary>
    Remote,
}

/// <summary>
/// The observable recovery values at one instant (RFC 9002 Appendix A.3, B.2): copied by value, no allocation.
/// <see cref="SlowStartThreshold"/> is negative when the controller does not expose one; long.MaxValue is "infinite".
/// </summary>
internal readonly record struct RecoverySnapshot(
    TimeSpan MinRtt,
    TimeSpan SmoothedRtt,
    TimeSpan LatestRtt,
    TimeSpan RttVariance,
    int PtoCount,
    long CongestionWindow,
    long BytesInFlight,
    long SlowStartThreshold,
    Instant? RecoveryStartTime,
    bool AppLimited);
