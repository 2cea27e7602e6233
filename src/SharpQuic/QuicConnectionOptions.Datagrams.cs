using SharpQuic.Core.Wire;

namespace SharpQuic;

/// <summary>DATAGRAM settings (RFC 9221), beyond System.Net.Quic.</summary>
public abstract partial class QuicConnectionOptions
{
    /// <summary>The largest UDP payload: no datagram can be larger.</summary>
    private const int MaxUdpPayload = 65527;

    /// <summary>
    /// Beyond System.Net.Quic: the largest datagram payload, in bytes, this side accepts from the peer (RFC 9221);
    /// 0 (the default) turns receiving datagrams off. It is advertised as the max_datagram_frame_size transport
    /// parameter, which counts the frame's type and length too (RFC 9221 §3), so the advertised value is this plus
    /// 2 or 3 bytes. Sending datagrams depends only on the peer's value: see <see cref="QuicConnection.MaxDatagramSize"/>.
    /// A datagram that does not fit in a packet cannot arrive whatever this says; 65,527 accepts anything.
    /// </summary>
    public int MaxDatagramReceiveSize { get; set; }

    /// <summary>
    /// Beyond System.Net.Quic: received datagrams kept until <see cref="QuicConnection.ReceiveDatagramAsync"/> reads
    /// them (default 128). When full, a new datagram drops the oldest and <see cref="QuicConnection.DatagramsDropped"/>
    /// counts it.
    /// </summary>
    public int DatagramReceiveQueueLength { get; set; } = 128;

    /// <summary>
    /// Beyond System.Net.Quic: let <see cref="QuicConnection.SendDatagramWithDeliveryAsync"/> report whether each datagram
    /// was acknowledged or lost (RFC 9221 §5.2). Off by default: the bookkeeping costs a little per datagram.
    /// </summary>
    public bool DatagramDeliveryNotifications { get; set; }

    /// <summary>Our max_datagram_frame_size: the payload limit plus the frame's type and length fields.</summary>
    internal int DatagramFrameSize => MaxDatagramReceiveSize == 0 ? 0 : 1 + VarInt.EncodedLength((ulong)MaxDatagramReceiveSize) + MaxDatagramReceiveSize;

    private void ValidateDatagrams()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxDatagramReceiveSize, nameof(MaxDatagramReceiveSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxDatagramReceiveSize, MaxUdpPayload, nameof(MaxDatagramReceiveSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(DatagramReceiveQueueLength, 1, nameof(DatagramReceiveQueueLength));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(DatagramReceiveQueueLength, 1 << 16, nameof(DatagramReceiveQueueLength));
    }
}
