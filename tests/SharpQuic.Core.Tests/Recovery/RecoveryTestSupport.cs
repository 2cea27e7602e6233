using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Tests.Recovery;

/// <summary>Records the verdicts loss detection reports.</summary>
internal sealed class RecordingObserver : IRecoveryObserver
{
    public List<(PacketNumberSpace Space, SentPacket Packet)> Acked { get; } = [];

    public List<(PacketNumberSpace Space, SentPacket Packet)> Lost { get; } = [];

    public List<(PacketNumberSpace Space, SentPacket Packet)> Discarded { get; } = [];

    public void OnPacketAcked(PacketNumberSpace space, in SentPacket packet) => Acked.Add((space, packet));

    public void OnPacketLost(PacketNumberSpace space, in SentPacket packet) => Lost.Add((space, packet));

    public void OnPacketDiscarded(PacketNumberSpace space, in SentPacket packet) => Discarded.Add((space, packet));

    public ulong[] LostNumbers() => Lost.ConvertAll(x => x.Packet.PacketNumber).ToArray();

    public ulong[] AckedNumbers() => Acked.ConvertAll(x => x.Packet.PacketNumber).ToArray();

    public void Clear()
    {
        Acked.Clear();
        Lost.Clear();
        Discarded.Clear();
    }
}

internal static class Ms
{
    public static Instant At(double milliseconds) => new((long)(milliseconds * 1000));

    public static TimeSpan Span(double milliseconds) => TimeSpan.FromMicroseconds((long)(milliseconds * 1000));
}
