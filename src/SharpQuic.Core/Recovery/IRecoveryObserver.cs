namespace SharpQuic.Core.Recovery;

/// <summary>
/// Receives the verdicts of <see cref="LossDetection"/> on sent packets, synchronously, inside
/// the call that reached them. The connection implements it once and looks the packet's frames
/// up by <see cref="SentPacket.RetransmitHandle"/>: frames of a lost packet are re-queued
/// (never the packet bytes); records of acknowledged or discarded packets are released.
/// Implementations must not call back into <see cref="LossDetection"/>.
/// </summary>
public interface IRecoveryObserver
{
    /// <summary>The packet was newly acknowledged.</summary>
    void OnPacketAcked(PacketNumberSpace space, in SentPacket packet);

    /// <summary>The packet was declared lost (RFC 9002 §6.1); its frames may need sending again.</summary>
    void OnPacketLost(PacketNumberSpace space, in SentPacket packet);

    /// <summary>The packet's space was discarded with its keys (RFC 9002 §6.4); it will get no verdict.</summary>
    void OnPacketDiscarded(PacketNumberSpace space, in SentPacket packet);
}
