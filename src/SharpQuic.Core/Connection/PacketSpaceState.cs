using SharpQuic.Core.Recovery;
using SharpQuic.Cryptography;

namespace SharpQuic.Core.Connection;

/// <summary>
/// One packet number space of a connection (RFC 9000 §12.3): its keys, the next packet number, the receive
/// tracker (duplicates and ACKs) and the CRYPTO streams of its encryption level. Loss detection of the space lives
/// in <see cref="LossDetection"/>.
/// </summary>
internal sealed class PacketSpaceState : IDisposable
{
    private ReceivedPacketTracker? _tracker;

    public PacketSpaceState(PacketNumberSpace space, TimeSpan maxAckDelay, int maxCryptoBuffer)
    {
        Space = space;
        _tracker = new ReceivedPacketTracker(space, space == PacketNumberSpace.ApplicationData ? maxAckDelay : TimeSpan.Zero);
        CryptoReceive = new CryptoReceiveStream(maxCryptoBuffer);
    }

    public PacketNumberSpace Space { get; }

    /// <summary>Keys we seal with; null until TLS provides them, and again after discard.</summary>
    public PacketProtectionKeys? SealKeys { get; set; }

    /// <summary>Keys we open the peer's packets with.</summary>
    public PacketProtectionKeys? OpenKeys { get; set; }

    /// <summary>True once the keys were dropped for good (RFC 9001 §4.9).</summary>
    public bool Discarded { get; private set; }

    public ulong NextPacketNumber { get; set; }

    /// <summary>The receive tracker; released with the keys (callers check <see cref="Discarded"/> first).</summary>
    public ReceivedPacketTracker Tracker => _tracker ?? throw new InvalidOperationException("The space was discarded.");

    public CryptoSendStream CryptoSend { get; } = new();

    public CryptoReceiveStream CryptoReceive { get; }

    /// <summary>Next packet number to decode against (largest received + 1, RFC 9000 §17.1).</summary>
    public ulong ExpectedPacketNumber => _tracker?.LargestReceived is ulong l ? l + 1 : 0;

    public bool CanSend => !Discarded && SealKeys is not null;

    /// <summary>Drops keys and buffers (RFC 9001 §4.9).</summary>
    public void Discard()
    {
        Discarded = true;
        _tracker = null; // per-connection memory: nothing of a discarded space is needed again
        DisposeKeys();
        CryptoSend.Clear();
        CryptoReceive.Clear();
    }

    /// <summary>After a Retry the Initial keys change (RFC 9001 §5.2).</summary>
    public void ReplaceKeys(PacketProtectionKeys seal, PacketProtectionKeys open)
    {
        DisposeKeys();
        SealKeys = seal;
        OpenKeys = open;
    }

    public void Dispose() => DisposeKeys();

    private void DisposeKeys()
    {
        SealKeys?.Dispose();
        if (!ReferenceEquals(OpenKeys, SealKeys))
        {
            OpenKeys?.Dispose();
        }

        SealKeys = null;
        OpenKeys = null;
    }
}
