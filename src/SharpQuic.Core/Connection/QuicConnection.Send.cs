using SharpQuic.Core.Congestion;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Streams;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Core.Connection;

/// <summary>
/// Send: one datagram per call, coalescing Initial, Handshake and 1-RTT packets (RFC 9000 §12.2); padding
/// (§14.1), anti-amplification (§8.1), congestion control (RFC 9002 §7) with probes exempt, and a record of every
/// frame for acknowledgment and loss.
/// </summary>
internal sealed partial class QuicConnection
{
    private const int LengthFieldSize = 2;
    private const int MinimumPayloadRoom = 32;
    private readonly PendingPacket[] _pending = new PendingPacket[3];
    private bool _probingDatagram;

    /// <summary>The pacing of new data (RFC 9002 §7.7); null when pacing is off.</summary>
    internal PacingGate? Pacing => _pacing;

    /// <summary>Test hook: frames to put verbatim in the next 1-RTT packet (a misbehaving peer).</summary>
    internal byte[]? InjectedFrames { get; set; }

    private struct PendingPacket
    {
        public int Start;
        public int PayloadOffset;
        public int PayloadLength;
        public int PacketNumberOffset;
        public int PacketNumberLength;
        public ulong PacketNumber;
        public LongHeaderLayout Layout;
        public bool IsLong;
        public PacketNumberSpace Space;
        public bool AckEliciting;
        public bool InFlight;
        public bool Tracked;
        public int Handle;
        public bool ZeroRtt;
    }

    /// <summary>
    /// Writes the next datagram into <paramref name="buffer"/>; returns its length, or 0 when there is nothing to
    /// send now (call again after the next input or timeout).
    /// </summary>
    public int PollTransmit(Instant now, Span<byte> buffer)
    {
        if (State is ConnectionState.Closed or ConnectionState.Draining)
        {
            return 0;
        }

        // RFC 9001 §6, §6.6: a key update on schedule or before the AEAD limit, before any packet is built.
        MaybeUpdateKeysBeforeSend(now);
        if (State == ConnectionState.Closing && !_closeFramePending)
        {
            return 0;
        }

        LastTransmitIsProbe = false;

        // RFC 9000 §8.2: PATH_CHALLENGE / PATH_RESPONSE go first, each in its own datagram to its own path.
        int probe = TryWriteProbeDatagram(now, buffer);
        if (probe > 0)
        {
            return probe;
        }

        // RFC 9000 §14.4: path MTU probes, only on the active path once it is validated.
        if (_pathValidated)
        {
            LastTransmitDestination = RemoteAddress;
            LastTransmitSource = SourceFor(_localAddress);
            probe = TryWritePathMtuProbe(now, buffer);
        }
        if (probe > 0)
        {
            return probe;
        }

        int max = Math.Min(buffer.Length, _maxSendDatagramSize);
        if (!PrepareActivePathTransmit(ref max))
        {
            return 0; // §9.3: the peer's new address is not validated and its allowance is spent
        }

        if (IsServer && !_addressValidated)
        {
            // RFC 9000 §8.1: three times the bytes received until the address is validated.
            long allowance = (3 * _bytesReceived) - _bytesSent;
            if (allowance < max)
            {
                max = (int)Math.Max(0, allowance);
            }

            if (max < RecoveryConstants.MinimumMaxDatagramSize / 4)
            {
                _loss.SetAmplificationLimited(true, now);
                return 0;
            }
        }

        Span<byte> datagram = buffer[..max];

        // RFC 9002 §6.2.4, §7.5: a probe datagram is not blocked by the congestion window, and data of the other
        // spaces coalesced into it is not either (else a lost Initial could wait behind Handshake probes forever).
        _probingDatagram = _loss.ProbesPending(PacketNumberSpace.Initial) > 0 || _loss.ProbesPending(PacketNumberSpace.Handshake) > 0
            || _loss.ProbesPending(PacketNumberSpace.ApplicationData) > 0;
        int count = 0;
        int offset = 0;
        bool hasInitial = false;
        bool ackElicitingInitial = false;
        for (int i = 0; i < 3; i++)
        {
            PacketSpaceState s = _spaces[i];

            // RFC 9001 §4.6.1: before its 1-RTT keys, a client with 0-RTT keys sends application data in 0-RTT packets.
            bool zeroRtt = i == 2 && !s.CanSend && CanSendEarlyData;
            if (!s.CanSend && !zeroRtt)
            {
                continue;
            }

            if (TryBuildPacket(now, s, datagram, offset, out PendingPacket p, zeroRtt))
            {
                _pending[count++] = p;
                offset = p.PayloadOffset + p.PayloadLength + PacketAead.TagSize;
                if (s.Space == PacketNumberSpace.Initial)
                {
                    hasInitial = true;
                    ackElicitingInitial |= p.AckEliciting;
                }
            }
        }

        if (count == 0)
        {
            _loss.Controller.IsAppLimited = !_streams.HasPendingSend && !HasPendingDatagrams;
            return 0;
        }

        // RFC 9000 §14.1: datagrams with a client Initial, or a server's ack-eliciting Initial, reach 1,200 bytes.
        if (hasInitial && (!IsServer || ackElicitingInitial) && offset < RecoveryConstants.MinimumMaxDatagramSize)
        {
            int target = Math.Min(RecoveryConstants.MinimumMaxDatagramSize, max);
            ref PendingPacket last = ref _pending[count - 1];
            int extra = target - offset;
            if (extra > 0)
            {
                datagram.Slice(last.PayloadOffset + last.PayloadLength, extra).Clear();
                last.PayloadLength += extra;
                last.InFlight = true;
                offset += extra;
            }
        }

        EcnCodepoint ecn = DatagramEcn(count);
        LastTransmitEcn = ecn;
        for (int i = 0; i < count; i++)
        {
            SealAndRecord(now, datagram, ref _pending[i], ecn);
            if (_pending[i].InFlight)
            {
                // RFC 9002 §7.7: everything in flight, probes included, spends pacing tokens.
                _pacing?.OnSent(now, _pending[i].PayloadOffset + _pending[i].PayloadLength + PacketAead.TagSize - _pending[i].Start);
            }
        }

        _bytesSent += offset;
        OnPathBytesSent(offset);
        _tracer?.RecoveryUpdated(now, TraceRecovery());
        if (State == ConnectionState.Closing)
        {
            _closeFramePending = false;
        }

        return offset;
    }

    private bool TryBuildPacket(Instant now, PacketSpaceState s, Span<byte> datagram, int start, out PendingPacket p, bool zeroRtt = false)
    {
        p = default;
        Span<byte> room = datagram[start..];
        if (room.Length < 64)
        {
            return false;
        }

        bool closing = State == ConnectionState.Closing;
        int probes = _loss.ProbesPending(s.Space);
        if (probes > 0 && !closing && !s.CryptoSend.HasPending)
        {
            s.CryptoSend.QueueUnacknowledged();
        }
        bool app = s.Space == PacketNumberSpace.ApplicationData;
        bool wantsData = !closing && (s.CryptoSend.HasPending || probes > 0
            || (app && (_handshakeDonePending || _newTokenPending || _newCidPending.Count > 0 || _retireCidPending.Count > 0
                || _keepAlivePending || InjectedFrames is not null || ((_handshakeComplete || zeroRtt) && (_streams.HasPendingSend || HasPendingDatagrams)))));

        // RFC 9000 §12.5 (§17.2.3): a 0-RTT packet carries no ACK.
        bool ackDue = !zeroRtt && s.Tracker.HasPacketsToAcknowledge && (s.Tracker.IsAckDue(now) || wantsData);
        if (!closing && !wantsData && !ackDue)
        {
            return false;
        }

        if (closing && app && (!_handshakeComplete || zeroRtt))
        {
            return false;
        }

        if (closing && !app && _spaces[2].CanSend && _handshakeConfirmed)
        {
            return false;
        }

        ulong pn = s.NextPacketNumber;
        int pnLength = PacketNumberEncoding.GetEncodedLength(pn, _loss.LargestAcked(s.Space));
        int headerLength;
        LongHeaderLayout layout = default;
        bool isLong = !app || zeroRtt;
        if (isLong)
        {
            PacketType type = zeroRtt ? PacketType.ZeroRtt : s.Space == PacketNumberSpace.Initial ? PacketType.Initial : PacketType.Handshake;
            ReadOnlySpan<byte> token = type == PacketType.Initial && !IsServer ? _token : default;
            if (!PacketHeaderWriter.TryWriteLongHeader(room, _version, type, DestinationConnectionId.Span, InitialSourceConnectionId.Span, token, pn, pnLength, LengthFieldSize, out layout))
            {
                return false;
            }

            headerLength = layout.PayloadOffset;
        }
        else if (!PacketHeaderWriter.TryWriteShortHeader(room, DestinationConnectionId.Span, false, _keyPhase, pn, pnLength, out headerLength))
        {
            return false;
        }

        if (room.Length - headerLength - PacketAead.TagSize < MinimumPayloadRoom)
        {
            return false;
        }

        var writer = new QuicWriter(room[headerLength..^PacketAead.TagSize]);
        int handle = _sentFrames.Rent();
        bool ackEliciting = false;
        if (!zeroRtt && s.Tracker.HasPacketsToAcknowledge && (ackDue || wantsData || closing)
            && s.Tracker.TryWriteAckFrame(ref writer, now, _options.AckDelayExponent, out ulong largestAcked))
        {
            _sentFrames.Add(handle, new SentFrame { Kind = SentFrameKind.Ack, Value = largestAcked });
            if (app)
            {
                OnApplicationAckWritten(largestAcked);
            }
        }

        if (closing)
        {
            TryWriteClose(ref writer, s.Space);
        }
        else if (wantsData && (probes > 0 || (_probingDatagram && !app) || _keepAlivePending
            || (_loss.Controller.CanSend(room.Length) && (_pacing is null || _pacing.TryAllow(now, _maxSendDatagramSize, _loss.Controller, _loss.Rtt)))))
        {
            ackEliciting = WriteData(now, s, ref writer, handle, zeroRtt);
            if (!ackEliciting && (probes > 0 || (app && _keepAlivePending)) && writer.Remaining > 0)
            {
                // RFC 9002 §6.2.4: a probe must be ack-eliciting even with nothing to say.
                writer.TryWriteByte((byte)FrameType.Ping);
                _sentFrames.Add(handle, new SentFrame { Kind = SentFrameKind.Ping });
                ackEliciting = true;
            }

            if (app)
            {
                _keepAlivePending = false;
            }
        }

        int payloadLength = writer.Written;
        if (payloadLength == 0)
        {
            _sentFrames.Return(handle);
            return false;
        }

        // RFC 9001 §5.4.2: room for the header protection sample (4 bytes after the packet number start).
        int minPayload = PacketProtection.SampleOffset - pnLength;
        bool padded = false;
        if (payloadLength < minPayload)
        {
            room.Slice(headerLength + payloadLength, minPayload - payloadLength).Clear();
            payloadLength = minPayload;
            padded = true;
        }

        s.NextPacketNumber = pn + 1;
        p = new PendingPacket
        {
            Start = start,
            PayloadOffset = start + headerLength,
            PayloadLength = payloadLength,
            PacketNumberOffset = start + (isLong ? layout.PacketNumberOffset : headerLength - pnLength),
            PacketNumberLength = pnLength,
            PacketNumber = pn,
            Layout = layout,
            IsLong = isLong,
            ZeroRtt = zeroRtt,
            Space = s.Space,
            AckEliciting = ackEliciting,
            InFlight = ackEliciting || padded,
            Tracked = !closing,
            Handle = handle,
        };
        return true;
    }

    /// <summary>CRYPTO, then (1-RTT) connection frames and stream frames. Returns whether anything ack-eliciting was written.</summary>
    private bool WriteData(Instant now, PacketSpaceState s, ref QuicWriter writer, int handle, bool zeroRtt = false)
    {
        bool wrote = false;
        while (writer.Remaining > 8)
        {
            ulong peekOffset = s.CryptoSend.TryPeek(int.MaxValue, out ulong o, out ReadOnlySpan<byte> all) ? o : 0;
            if (all.IsEmpty)
            {
                break;
            }

            int fit = CryptoFrame.MaxDataLength(peekOffset, writer.Remaining);
            if (fit <= 0)
            {
                break;
            }

            ReadOnlySpan<byte> chunk = all[..Math.Min(fit, all.Length)];
            if (!new CryptoFrame(peekOffset, chunk).TryWrite(ref writer))
            {
                break;
            }

            s.CryptoSend.Consume(peekOffset, chunk.Length);
            _sentFrames.Add(handle, new SentFrame { Kind = SentFrameKind.Crypto, Offset = peekOffset, Length = chunk.Length });
            wrote = true;
        }

        if (s.Space != PacketNumberSpace.ApplicationData)
        {
            return wrote;
        }

        if (zeroRtt)
        {
            // RFC 9000 §12.5: of what a client says before the handshake, only stream frames and their flow
            // control may go in 0-RTT (no ACK, CRYPTO, NEW_TOKEN, PATH_RESPONSE, RETIRE_CONNECTION_ID).
            return WriteStreamFrames(ref writer, handle);
        }

        if (InjectedFrames is byte[] injected && writer.TryWriteBytes(injected))
        {
            InjectedFrames = null;
            _sentFrames.Add(handle, new SentFrame { Kind = SentFrameKind.Ping });
            wrote = true;
        }

        if (_handshakeDonePending && writer.TryWriteByte((byte)FrameType.HandshakeDone))
        {
            _handshakeDonePending = false;
            _sentFrames.Add(handle, new SentFrame { Kind = SentFrameKind.HandshakeDone });
            wrote = true;
        }

        if (_newTokenPending && _newToken is not null && new NewTokenFrame(_newToken).TryWrite(ref writer))
        {
            _newTokenPending = false;
            _sentFrames.Add(handle, new SentFrame { Kind = SentFrameKind.NewToken });
            wrote = true;
        }

        while (_newCidPending.Count > 0 && writer.Remaining > 64)
        {
            ulong seq = _newCidPending.Peek();
            if (!TryWriteNewConnectionId(ref writer, seq))
            {
                break;
            }

            _newCidPending.Dequeue();
            _sentFrames.Add(handle, new SentFrame { Kind = SentFrameKind.NewConnectionId, Value = seq });
            wrote = true;
        }

        while (_retireCidPending.Count > 0 && new RetireConnectionIdFrame(_retireCidPending.Peek()).TryWrite(ref writer))
        {
            _sentFrames.Add(handle, new SentFrame { Kind = SentFrameKind.RetireConnectionId, Value = _retireCidPending.Dequeue() });
            wrote = true;
        }

        if (!_handshakeComplete)
        {
            return wrote;
        }

        while (_streams.TryWriteControlFrame(ref writer, out SentControlFrame control))
        {
            _sentFrames.Add(handle, SentFrame.ForControl(control));
            wrote = true;
        }

        // RFC 9221 §5: datagrams before stream data (they are the latency-sensitive ones).
        wrote |= WriteDatagrams(ref writer, handle);

        while (writer.Remaining > 16 && _streams.TryWriteStreamFrame(ref writer, out SentStreamFrame stream))
        {
            _sentFrames.Add(handle, SentFrame.ForStream(stream));
            wrote = true;
        }

        _ = now;
        return wrote;
    }

    /// <summary>A 0-RTT packet's content: stream control frames, then stream data.</summary>
    private bool WriteStreamFrames(ref QuicWriter writer, int handle)
    {
        bool wrote = false;
        while (_streams.TryWriteControlFrame(ref writer, out SentControlFrame control))
        {
            _sentFrames.Add(handle, SentFrame.ForControl(control));
            wrote = true;
        }

        while (writer.Remaining > 16 && _streams.TryWriteStreamFrame(ref writer, out SentStreamFrame stream))
        {
            _sentFrames.Add(handle, SentFrame.ForStream(stream));
            wrote = true;
        }

        return wrote;
    }

    private void SealAndRecord(Instant now, Span<byte> datagram, ref PendingPacket p, EcnCodepoint ecn)
    {
        PacketSpaceState s = _spaces[(int)p.Space];
        int end = p.PayloadOffset + p.PayloadLength + PacketAead.TagSize;
        Span<byte> packet = datagram[p.Start..end];
        if (p.IsLong)
        {
            PacketHeaderWriter.CompleteLongHeader(packet, p.Layout, p.PayloadLength);
        }

        _tracer?.PacketSent(now, p.ZeroRtt ? PacketType.ZeroRtt : TracePacketType(p.Space), p.PacketNumber, packet.Length, datagram.Slice(p.PayloadOffset, p.PayloadLength));
        PacketProtectionKeys keys = p.ZeroRtt ? _zeroRttKeys! : s.SealKeys!;
        PacketProtection.Protect(packet, p.PacketNumberOffset - p.Start, p.PacketNumberLength, p.PacketNumber, keys);
        if (p.ZeroRtt)
        {
            ZeroRttPackets++;
        }
        else if (p.Space == PacketNumberSpace.ApplicationData)
        {
            OnApplicationPacketSealed(); // RFC 9001 §6.6
        }
        if (!p.Tracked)
        {
            _sentFrames.Return(p.Handle);
            return;
        }

        // RFC 9000 §13.4.2: only 1-RTT packets take part in ECN validation; they carry the datagram's mark.
        var sent = new SentPacket(p.PacketNumber, now, packet.Length, p.AckEliciting, p.InFlight, p.Handle,
            p.Space == PacketNumberSpace.ApplicationData && !p.ZeroRtt ? ecn : EcnCodepoint.NotEct);
        PacketsSent++;
        if (!_loss.OnPacketSent(p.Space, sent))
        {
            // Not tracked (window full): what it carried must be said again.
            OnPacketLost(p.Space, sent);
        }

        if (p.AckEliciting && !_ackElicitingSentSinceReceive)
        {
            // RFC 9000 §10.1: the first ack-eliciting packet after a receive restarts the idle timer.
            _ackElicitingSentSinceReceive = true;
            RestartIdleTimer(now);
        }

        if (!IsServer && p.Space == PacketNumberSpace.Handshake)
        {
            // RFC 9001 §4.9.1: the client drops Initial keys once it sends a Handshake packet.
            DiscardSpace(PacketNumberSpace.Initial, now);
        }
    }
}
