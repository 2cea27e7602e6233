using SharpQuic.Core.Packets;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Core.Connection;

/// <summary>
/// Path MTU discovery (DPLPMTUD, RFC 9000 §14.3, RFC 8899): after confirmation, PADDING+PING probes above the
/// current maximum datagram size; an acknowledged probe raises it (and tells the congestion controller and the
/// pacer, RFC 9002 §7.2); a black hole drops it back to 1,200. The decisions live in <see cref="PathMtuDiscovery"/>.
/// </summary>
/// <remarks>
/// A probe is ack-eliciting on the wire (PING), but loss detection records it as neither ack-eliciting nor in flight,
/// like an ACK-only packet: its loss, expected when the size is too large, then reaches neither bytes in flight, nor a
/// congestion event, nor a persistent-congestion run (RFC 9000 §14.4, RFC 8899 §3 item 7). The congestion window must
/// still have room for a datagram of the current size before a probe leaves. Only one probe is outstanding, so they
/// are at least a round trip apart, and the probe timer, not the PTO, watches for its loss. A probe is told from other
/// packets by its record: not in flight, with a PING.
/// </remarks>
internal sealed partial class QuicConnection
{
    private PathMtuDiscovery? _pmtud;

    /// <summary>
    /// True when the datagram the last <see cref="PollTransmit"/> wrote is a path MTU probe: the runtime must send it
    /// on its own, never as a segment of a GSO batch (the kernel refuses a batch whose segment exceeds the route MTU,
    /// and a probe is meant to be larger than what is known to pass).
    /// </summary>
    public bool LastTransmitIsProbe { get; private set; }

    /// <summary>Path MTU discovery state; null when <see cref="ConnectionOptions.MaxPathMtuProbe"/> turns it off.</summary>
    internal PathMtuDiscovery? PathMtu => _pmtud;

    private void InitPathMtuDiscovery()
    {
        if (_options.MaxPathMtuProbe > _maxSendDatagramSize)
        {
            _pmtud = new PathMtuDiscovery(_maxSendDatagramSize, _options.PathMtuRaiseInterval);
        }
    }

    /// <summary>
    /// Writes a probe into <paramref name="buffer"/> when one is due; returns its length or 0. Also applies a black-hole
    /// fall back found since the last call.
    /// </summary>
    private int TryWritePathMtuProbe(Instant now, Span<byte> buffer)
    {
        if (_pmtud is not PathMtuDiscovery pmtud || State != ConnectionState.Open || !_handshakeConfirmed)
        {
            return 0;
        }

        if (pmtud.State == PathMtuState.Disabled)
        {
            // RFC 9000 §14.3.1: search once the handshake is confirmed, up to what the peer accepts (§18.2).
            ulong peerLimit = _peerParameters?.MaxUdpPayloadSize ?? (ulong)RecoveryConstants.MinimumMaxDatagramSize;
            pmtud.Start((int)Math.Min((ulong)_options.MaxPathMtuProbe, peerLimit), now);
        }

        bool due = pmtud.TryGetProbeSize(now, _loss.PtoCount, out int size, out bool fellBack);
        if (fellBack)
        {
            ApplyMaxDatagramSize(pmtud.MaxDatagramSize);
        }

        PacketSpaceState s = _spaces[(int)PacketNumberSpace.ApplicationData];
        // The probe takes the place of one ordinary datagram in the window: a jumbo probe must not wait for a window
        // larger than the initial one (RFC 9002 §7.2), which could never open while it is not in flight.
        if (!due || size > buffer.Length || !s.CanSend || !_loss.Controller.CanSend(_maxSendDatagramSize)
            || (_pacing is not null && !_pacing.TryAllow(now, size, _loss.Controller, _loss.Rtt)))
        {
            return 0;
        }

        // RFC 9000 §14.4: PING makes it ack-eliciting; PADDING (zeros) fills it to the size probed.
        ulong pn = s.NextPacketNumber;
        int pnLength = PacketNumberEncoding.GetEncodedLength(pn, _loss.LargestAcked(s.Space));
        Span<byte> datagram = buffer[..size];
        if (!PacketHeaderWriter.TryWriteShortHeader(datagram, DestinationConnectionId.Span, false, _keyPhase, pn, pnLength, out int headerLength))
        {
            return 0;
        }

        int payloadLength = size - headerLength - PacketAead.TagSize;
        Span<byte> payload = datagram.Slice(headerLength, payloadLength);
        payload[0] = (byte)FrameType.Ping;
        payload[1..].Clear();
        s.NextPacketNumber = pn + 1;
        int handle = _sentFrames.Rent();
        _sentFrames.Add(handle, new SentFrame { Kind = SentFrameKind.Ping });
        _pending[0] = new PendingPacket
        {
            Start = 0,
            PayloadOffset = headerLength,
            PayloadLength = payloadLength,
            PacketNumberOffset = headerLength - pnLength,
            PacketNumberLength = pnLength,
            PacketNumber = pn,
            IsLong = false,
            Space = PacketNumberSpace.ApplicationData,
            AckEliciting = false, // for loss detection only, see the remarks
            InFlight = false,
            Tracked = true,
            Handle = handle,
        };

        // Noted first: were loss detection to refuse to track it, the loss reported inside SealAndRecord is the probe's.
        pmtud.OnProbeSent(pn, size, now, _loss.Rtt.ProbeTimeout(includeMaxAckDelay: true));
        // Not-ECT: a probe lost for its size must not count as marked packets the path drops (RFC 9000 §13.4.2.1).
        LastTransmitEcn = EcnCodepoint.NotEct;
        SealAndRecord(now, datagram, ref _pending[0], EcnCodepoint.NotEct);

        // RFC 9002 §7.7: paced like data, so a probe never lengthens a burst beyond the pacer's.
        _pacing?.OnSent(now, size);
        LastTransmitIsProbe = true;
        _bytesSent += size;
        return size;
    }

    /// <summary>Acknowledgment of a 1-RTT packet: a probe's raises the size; others clear black-hole suspicion.</summary>
    private void OnPathMtuPacketAcked(in SentPacket packet)
    {
        if (_pmtud is PathMtuDiscovery pmtud && pmtud.OnPacketAcked(packet, IsPathMtuProbe(packet)))
        {
            ApplyMaxDatagramSize(pmtud.MaxDatagramSize);
        }
    }

    /// <summary>
    /// Loss of a 1-RTT packet: a probe's counts against its size (and, RFC 9000 §14.4, is no congestion signal: it
    /// was never in flight); a full-size packet's adds to black-hole suspicion. Returns whether it was a probe.
    /// </summary>
    private bool OnPathMtuPacketLost(in SentPacket packet)
    {
        if (_pmtud is not PathMtuDiscovery pmtud)
        {
            return false;
        }

        bool probe = IsPathMtuProbe(packet);
        pmtud.OnPacketLost(packet, probe);
        return probe;
    }

    /// <summary>Probes are the only 1-RTT packets recorded not in flight that carry a PING (ACK-only packets do not).</summary>
    private bool IsPathMtuProbe(in SentPacket packet)
    {
        if (packet.InFlight)
        {
            return false;
        }

        foreach (ref readonly SentFrame f in _sentFrames.Get(packet.RetransmitHandle))
        {
            if (f.Kind == SentFrameKind.Ping)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The connection moved to a new path (migration, RFC 9000 §9.4): its MTU is unknown, so the size falls back to
    /// 1,200 and, once the handshake is confirmed, the search starts again from BASE.
    /// </summary>
    internal void ResetPathMtu()
    {
        if (_pmtud is null)
        {
            return;
        }

        _pmtud = new PathMtuDiscovery(RecoveryConstants.MinimumMaxDatagramSize, _options.PathMtuRaiseInterval);
        ApplyMaxDatagramSize(RecoveryConstants.MinimumMaxDatagramSize);
    }

    /// <summary>RFC 9002 §7.2: the congestion controller and the pacer follow the maximum datagram size.</summary>
    private void ApplyMaxDatagramSize(int size)
    {
        if (size == _maxSendDatagramSize)
        {
            return;
        }

        _maxSendDatagramSize = size;
        _loss.Controller.OnMaxDatagramSizeChanged(size);
        _pacing?.OnMaxDatagramSizeChanged(size);
    }
}
