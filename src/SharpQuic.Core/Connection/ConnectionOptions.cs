using System.Net;
using SharpQuic.Core.Congestion;
using SharpQuic.Core.Qlog;
using SharpQuic.Core.Streams;

namespace SharpQuic.Core.Connection;

/// <summary>Transport settings of one connection: what our transport parameters advertise and local policy.</summary>
internal sealed class ConnectionOptions
{
    /// <summary>Our max_idle_timeout (RFC 9000 §10.1); zero disables the idle timeout on our side.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Send a PING after this much quiet time (null: never), to keep the idle timer and NAT bindings alive.</summary>
    public TimeSpan? KeepAliveInterval { get; init; }

    /// <summary>Gives up a handshake that has not completed after this long.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The path MTU we assume: the largest UDP payload we send (RFC 9000 §14; 1,200 is always allowed).</summary>
    public int MaxDatagramSize { get; init; } = 1200;

    /// <summary>
    /// The largest UDP payload path MTU discovery (RFC 9000 §14.3) probes for, also bounded by the peer's
    /// max_udp_payload_size. The default, 1,452, is a 1,500-byte Ethernet MTU less IPv6 and UDP headers: it passes
    /// most paths for IPv4 and IPv6 alike, and larger sizes only pay on jumbo-frame paths, while every size a path
    /// refuses costs <see cref="PathMtuDiscovery.MaxProbes"/> lost probes. Not above <see cref="MaxDatagramSize"/> turns
    /// discovery off. The runtime lowers it to what its send buffers hold.
    /// </summary>
    public int MaxPathMtuProbe { get; init; } = 1452;

    /// <summary>After a search completed, how long until the next one looks for more (RFC 8899 §5.1.1 PMTU_RAISE_TIMER).</summary>
    public TimeSpan PathMtuRaiseInterval { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Our max_udp_payload_size transport parameter (RFC 9000 §18.2).</summary>
    public int MaxReceiveUdpPayloadSize { get; init; } = 65527;

    /// <summary>Our max_ack_delay (RFC 9000 §18.2).</summary>
    public TimeSpan MaxAckDelay { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>Our ack_delay_exponent (RFC 9000 §18.2).</summary>
    public int AckDelayExponent { get; init; } = 3;

    /// <summary>Our active_connection_id_limit: how many of the peer's connection IDs we keep (RFC 9000 §5.1.1).</summary>
    public int ActiveConnectionIdLimit { get; init; } = 4;

    /// <summary>Connection IDs we issue at most, whatever the peer's limit allows.</summary>
    public int MaxIssuedConnectionIds { get; init; } = 4;

    /// <summary>Out-of-order CRYPTO bytes buffered per level before CRYPTO_BUFFER_EXCEEDED (RFC 9000 §7.5).</summary>
    public int MaxCryptoBuffer { get; init; } = 64 * 1024;

    /// <summary>The RTT assumed before the first sample (RFC 9002 §6.2.2).</summary>
    public TimeSpan InitialRtt { get; init; } = TimeSpan.FromMilliseconds(333);

    /// <summary>Stream limits and flow control windows.</summary>
    public StreamManagerOptions Streams { get; init; } = new();

    /// <summary>Sent packets tracked per space at most (bounds memory, RFC 9002 Appendix A.1).</summary>
    public int MaxTrackedPackets { get; init; } = 1 << 15;

    /// <summary>
    /// Start a key update (RFC 9001 §6) every this many 1-RTT packets sent; 0 (the default) never does on purpose. Updates
    /// still wait for the previous one to be acknowledged and three PTOs (§6.1, §6.5); the AEAD confidentiality limit
    /// (§6.6) forces them whatever this says.
    /// </summary>
    public long KeyUpdateInterval { get; init; }

    /// <summary>
    /// Mark 1-RTT datagrams ECT(0) and validate the path (RFC 9000 §13.4.2); marking stops by itself when validation
    /// fails. Received marks are counted and reported in ACK frames whatever this says (§13.4.1).
    /// </summary>
    public bool EnableEcn { get; init; } = true;

    /// <summary>Test hook: packets per 1-RTT key instead of the AEAD's confidentiality limit (RFC 9001 §6.6).</summary>
    internal long? AeadConfidentialityLimit { get; init; }

    /// <summary>Test hook: failed decryptions per connection instead of the AEAD's integrity limit (RFC 9001 §6.6).</summary>
    internal long? AeadIntegrityLimit { get; init; }

    /// <summary>
    /// Our max_datagram_frame_size (RFC 9221 §3): the largest DATAGRAM frame, type and length included, we accept;
    /// 0 (the default) turns DATAGRAM frames off, and receiving one is then PROTOCOL_VIOLATION.
    /// </summary>
    public int MaxDatagramFrameSize { get; init; }

    /// <summary>Received datagrams held for the application at most; a new one beyond it drops the oldest (counted).</summary>
    public int DatagramReceiveQueueLength { get; init; } = 128;

    /// <summary>Datagrams waiting to be sent at most; <see cref="QuicConnection.TrySendDatagram"/> answers QueueFull beyond it.</summary>
    public int DatagramSendQueueLength { get; init; } = 128;

    /// <summary>Report each sent datagram's fate with DatagramAcked / DatagramLost events (RFC 9221 §5.2).</summary>
    public bool DatagramDeliveryEvents { get; init; }

    /// <summary>The congestion controller (RFC 9002 §7): CUBIC with HyStart++ by default (RFC 9438, RFC 9406).</summary>
    public CongestionControlAlgorithm CongestionControl { get; init; } = CongestionControllerFactory.DefaultAlgorithm;

    /// <summary>Whether sends are paced (RFC 9002 §7.7) in bursts of at most <see cref="Pacer.DefaultBurstPackets"/> datagrams.</summary>
    public bool Pacing { get; init; } = true;

    /// <summary>Creates a qlog tracer per connection (null: no tracing, and no cost on the packet paths).</summary>
    public IConnectionTracerFactory? Tracing { get; init; }

    /// <summary>
    /// Server: the addresses advertised in the preferred_address transport parameter (RFC 9000 §9.6, §18.2), with a
    /// connection ID (sequence 1) and its reset token generated per connection; null advertises none. The driver must
    /// receive on these addresses and send from them (<see cref="QuicConnection.LastTransmitSource"/>).
    /// </summary>
    public ServerPreferredAddress? PreferredAddress { get; init; }

    /// <summary>Client: validate and move to the server's preferred_address once the handshake is confirmed (RFC 9000 §9.6.1).</summary>
    public bool MigrateToPreferredAddress { get; init; } = true;
}

/// <summary>The server's preferred addresses, one per family; at least one must be set (RFC 9000 §18.2).</summary>
/// <param name="IPv4">The IPv4 address and port, or null.</param>
/// <param name="IPv6">The IPv6 address and port, or null.</param>
internal sealed record ServerPreferredAddress(IPEndPoint? IPv4, IPEndPoint? IPv6);
