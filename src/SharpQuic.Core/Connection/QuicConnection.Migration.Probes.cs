using System.Net;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Recovery;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Core.Connection;

/// <summary>
/// Migration, continued: the probing datagrams (PATH_CHALLENGE / PATH_RESPONSE, RFC 9000 §8.2) and the choice of the
/// peer's connection IDs per path (§5.1.2, §9.5).
/// </summary>
internal sealed partial class QuicConnection
{
    /// <summary>The sequence number of the peer connection ID the active path uses.</summary>
    private ulong ActivePeerCidSequence => _peerCids[_activePeerCid].Sequence;

    /// <summary>
    /// Writes a probing datagram when a PATH_CHALLENGE or PATH_RESPONSE is owed, to the path it belongs to; 0 when none
    /// is. One short-header packet: the challenge and any responses for the same path, then PADDING to 1,200 bytes
    /// within the path's anti-amplification allowance (§8.2.1, §8.2.2).
    /// </summary>
    private int TryWriteProbeDatagram(Instant now, Span<byte> buffer)
    {
        if (State != ConnectionState.Open || !_handshakeComplete || !_spaces[(int)PacketNumberSpace.ApplicationData].CanSend)
        {
            return 0;
        }

        PathValidation? validation = _newPath.ChallengePending ? _newPath : _oldPath.ChallengePending ? _oldPath : null;
        IPEndPoint remote;
        IPEndPoint? local;
        ulong cidSequence;
        if (validation is not null)
        {
            remote = validation.Remote;
            local = validation.Local;
            cidSequence = validation.CidSequence;
        }
        else if (_responseCount > 0)
        {
            remote = _responses[0].Remote;
            local = _responses[0].Local;
            cidSequence = _newPath.IsPath(remote, local) ? _newPath.CidSequence : ActivePeerCidSequence;
        }
        else
        {
            return 0;
        }

        int max = Math.Min(buffer.Length, _maxSendDatagramSize);
        int padTo = Math.Min(RecoveryConstants.MinimumMaxDatagramSize, max);
        bool activeUnvalidated = !_pathValidated && remote.Equals(RemoteAddress);
        if (activeUnvalidated)
        {
            long allowance = (3 * _pathBytesReceived) - _pathBytesSent;
            max = (int)Math.Min(max, Math.Max(0, allowance));
            padTo = Math.Min(padTo, max);
        }
        else if (validation is null && !IsValidatedPeerAddress(remote))
        {
            // §8.2.2: a response to an unvalidated address is not expanded beyond three times what came from there.
            padTo = Math.Min(padTo, 3 * _responses[0].ReceivedBytes);
        }

        if (max < 64)
        {
            return 0; // amplification-limited: wait for more bytes from the path
        }

        int written = WriteProbePacket(now, buffer[..max], validation, remote, local, cidSequence, padTo);
        if (written == 0)
        {
            return 0;
        }

        LastTransmitDestination = remote;
        LastTransmitSource = SourceFor(local);
        LastTransmitEcn = EcnCodepoint.NotEct;
        _bytesSent += written;
        if (activeUnvalidated)
        {
            _pathBytesSent += written;
        }

        UpdatePathTimer();
        return written;
    }

    private int WriteProbePacket(Instant now, Span<byte> datagram, PathValidation? validation, IPEndPoint remote, IPEndPoint? local, ulong cidSequence, int padTo)
    {
        PacketSpaceState s = _spaces[(int)PacketNumberSpace.ApplicationData];
        ConnectionId dcid = TryGetPeerCid(cidSequence, out ConnectionId byId) ? byId : DestinationConnectionId;
        ulong pn = s.NextPacketNumber;
        int pnLength = PacketNumberEncoding.GetEncodedLength(pn, _loss.LargestAcked(PacketNumberSpace.ApplicationData));
        if (!PacketHeaderWriter.TryWriteShortHeader(datagram, dcid.Span, false, _keyPhase, pn, pnLength, out int headerLength)
            || datagram.Length - headerLength - PacketAead.TagSize < 32)
        {
            return 0;
        }

        var writer = new QuicWriter(datagram[headerLength..^PacketAead.TagSize]);
        if (validation is not null && new PathChallengeFrame(validation.PendingData).TryWrite(ref writer))
        {
            validation.OnChallengeSent();
        }

        // Every owed response for this path (at most one per challenge, §8.2.2); responses for other paths stay queued.
        int kept = 0;
        for (int i = 0; i < _responseCount; i++)
        {
            PendingPathResponse r = _responses[i];
            if (r.Remote.Equals(remote) && Equals(r.Local, local) && new PathResponseFrame(r.Data).TryWrite(ref writer))
            {
                continue;
            }

            _responses[kept++] = r;
        }

        Array.Clear(_responses, kept, _responseCount - kept);
        _responseCount = kept;
        if (writer.Written == 0)
        {
            return 0;
        }

        // PADDING (zero bytes) up to the target datagram size; at least enough for the header protection sample.
        int payloadLength = Math.Max(writer.Written, Math.Max(padTo - headerLength - PacketAead.TagSize, PacketProtection.SampleOffset - pnLength));
        payloadLength = Math.Min(payloadLength, datagram.Length - headerLength - PacketAead.TagSize);
        datagram.Slice(headerLength + writer.Written, payloadLength - writer.Written).Clear();
        int length = headerLength + payloadLength + PacketAead.TagSize;
        Span<byte> packet = datagram[..length];
        s.NextPacketNumber = pn + 1;
        _tracer?.PacketSent(now, TracePacketType(PacketNumberSpace.ApplicationData), pn, length, datagram.Slice(headerLength, payloadLength));
        PacketProtection.Protect(packet, headerLength - pnLength, pnLength, pn, s.SealKeys!);
        OnApplicationPacketSealed(); // RFC 9001 §6.6

        // Tracked so that its acknowledgment is legitimate, but neither ack-eliciting for loss recovery nor in flight:
        // probes are exempt from congestion control and never retransmitted (§9.4; fresh challenges replace them).
        int handle = _sentFrames.Rent();
        PacketsSent++;
        if (!_loss.OnPacketSent(PacketNumberSpace.ApplicationData, new SentPacket(pn, now, length, false, false, handle)))
        {
            _sentFrames.Return(handle);
        }

        return length;
    }

    private bool IsValidatedPeerAddress(IPEndPoint remote)
        => (_pathValidated && remote.Equals(RemoteAddress)) || (_hasFallback && remote.Equals(_fallbackRemote)) || (!IsServer && IsKnownServerAddress(remote));

    private int IndexOfPeerCid(ulong sequence)
    {
        for (int i = 0; i < _peerCids.Count; i++)
        {
            if (_peerCids[i].Sequence == sequence)
            {
                return i;
            }
        }

        return -1;
    }

    private bool TryGetPeerCid(ulong sequence, out ConnectionId id)
    {
        int i = IndexOfPeerCid(sequence);
        id = i >= 0 ? _peerCids[i].Id : default;
        return i >= 0;
    }

    /// <summary>The lowest-numbered peer connection ID never used on any path (§9.5); marks it used.</summary>
    private bool TryTakeUnusedPeerCid(out ulong sequence)
    {
        sequence = 0;
        bool found = false;
        ulong active = ActivePeerCidSequence;
        foreach ((ulong seq, ConnectionId _, UInt128 _, bool _) in _peerCids)
        {
            if (seq > _highestUsedPeerCid && seq != active && (!found || seq < sequence))
            {
                sequence = seq;
                found = true;
            }
        }

        if (found)
        {
            _highestUsedPeerCid = sequence;
        }

        return found;
    }

    private void ActivatePeerCid(ulong sequence)
    {
        int i = IndexOfPeerCid(sequence);
        if (i >= 0)
        {
            _activePeerCid = i;
            _highestUsedPeerCid = Math.Max(_highestUsedPeerCid, sequence);
        }
    }

    /// <summary>Stops using one of the peer's connection IDs and tells it so (RETIRE_CONNECTION_ID, §5.1.2).</summary>
    private void RetirePeerCid(ulong sequence)
    {
        int i = IndexOfPeerCid(sequence);
        if (i < 0 || i == _activePeerCid)
        {
            return;
        }

        _peerCids.RemoveAt(i);
        if (i < _activePeerCid)
        {
            _activePeerCid--;
        }

        QueueRetire(sequence);
    }
}
