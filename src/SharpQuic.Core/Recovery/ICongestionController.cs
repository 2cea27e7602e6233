namespace SharpQuic.Core.Recovery;

/// <summary>
/// The congestion controller seam (RFC 9002 §7): NewReno (Recovery/NewReno.cs) and CUBIC with HyStart++ (Congestion/Cubic.cs). The controller owns
/// the congestion window and bytes_in_flight; <see cref="LossDetection"/> drives it.
/// </summary>
/// <remarks>
/// Call order, all made by <see cref="LossDetection"/> except where noted:
/// <list type="number">
/// <item><see cref="OnPacketSent"/> for each in-flight packet sent.</item>
/// <item>On an ACK: <see cref="OnCongestionEvent"/> for an ECN-CE increase, then for the lost
/// packets <see cref="OnPacketLost"/> each, one <see cref="OnCongestionEvent"/> with the send
/// time of the newest of them and <see cref="OnPersistentCongestion"/> if established, then
/// <see cref="OnPacketAcked"/> for each newly acknowledged in-flight packet.</item>
/// <item><see cref="OnPacketDiscarded"/> for in-flight packets of a discarded space.</item>
/// <item>The connection sets <see cref="IsAppLimited"/> after each send attempt and asks
/// <see cref="CanSend"/> before building a packet (probes on PTO are exempt, RFC 9002 §7.5).</item>
/// </list>
/// </remarks>
public interface ICongestionController
{
    /// <summary>The congestion window in bytes.</summary>
    long CongestionWindow { get; }

    /// <summary>Bytes of in-flight packets neither acknowledged, lost nor discarded.</summary>
    long BytesInFlight { get; }

    /// <summary>The max_datagram_size the windows are computed from.</summary>
    int MaxDatagramSize { get; }

    /// <summary>
    /// Set by the connection: true when it stopped sending for want of data or flow-control
    /// credit rather than congestion window, so the window must not grow (RFC 9002 §7.8).
    /// </summary>
    bool IsAppLimited { get; set; }

    /// <summary>Whether <paramref name="bytes"/> more may be put in flight.</summary>
    bool CanSend(int bytes);

    /// <summary>An in-flight packet was sent.</summary>
    void OnPacketSent(Instant now, in SentPacket packet);

    /// <summary>An in-flight packet was newly acknowledged.</summary>
    void OnPacketAcked(Instant now, in SentPacket packet, RttEstimator rtt);

    /// <summary>An in-flight packet was declared lost: remove it from bytes in flight.</summary>
    void OnPacketLost(Instant now, in SentPacket packet);

    /// <summary>
    /// Loss or an ECN-CE increase (RFC 9002 §7.3.2): a packet sent at <paramref name="sentTime"/>
    /// was lost or CE-marked. No reaction for packets sent before the current recovery began.
    /// </summary>
    void OnCongestionEvent(Instant now, Instant sentTime);

    /// <summary>Persistent congestion was established (RFC 9002 §7.6.2): collapse to the minimum window.</summary>
    void OnPersistentCongestion(Instant now);

    /// <summary>An in-flight packet's space was discarded: remove it from bytes in flight (RFC 9002 §6.4).</summary>
    void OnPacketDiscarded(in SentPacket packet);

    /// <summary>The path's max_datagram_size changed (RFC 9002 §7.2).</summary>
    void OnMaxDatagramSizeChanged(int maxDatagramSize);
}
