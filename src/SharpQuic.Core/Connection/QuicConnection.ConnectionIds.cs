using System.Buffers.Binary;
using SharpQuic.Core.Endpoint;
using SharpQuic.Core.Wire;
using SharpQuic.Core.Wire.Frames;

namespace SharpQuic.Core.Connection;

/// <summary>
/// Connection IDs (RFC 9000 §5.1): ours (issued with NEW_CONNECTION_ID, each with its stateless reset token,
/// retired by the peer) and the peer's (received, retired with RETIRE_CONNECTION_ID and retire_prior_to).
/// </summary>
internal sealed partial class QuicConnection
{
    private readonly List<(ulong Sequence, ConnectionId Id)> _localCids = [];
    private readonly List<(ulong Sequence, ConnectionId Id, UInt128 Token, bool HasToken)> _peerCids = [];
    private readonly Queue<(ConnectionId Id, bool Added)> _cidChanges = new();
    private readonly Queue<ulong> _newCidPending = new();
    private readonly byte[] _tokenScratch = new byte[StatelessResetTokens.TokenLength];
    private readonly byte[] _cidScratch = new byte[ConnectionId.MaxLength];
    private readonly Queue<ulong> _retireCidPending = new();
    private ulong _nextLocalSequence;
    private ulong _peerRetirePriorTo;
    private int _peerActiveCidLimit = 2;
    private int _activePeerCid;
    private ConnectionId _originalDcid;
    private ConnectionId? _retrySourceCid;
    private ConnectionId _peerInitialScid;
    private bool _peerInitialScidKnown;

    /// <summary>The Destination Connection ID we put in packets now.</summary>
    public ConnectionId DestinationConnectionId => _peerCids[_activePeerCid].Id;

    /// <summary>The connection ID we gave first (sequence 0, RFC 9000 §5.1.1).</summary>
    public ConnectionId InitialSourceConnectionId { get; private set; }

    /// <summary>The client's first Destination Connection ID (RFC 9000 §7.3).</summary>
    public ConnectionId OriginalDestinationConnectionId => _originalDcid;

    /// <summary>Our connection IDs in use.</summary>
    public int LocalConnectionIdCount => _localCids.Count;

    /// <summary>The endpoint's routing table follows these: IDs we issued (Added) or that were retired.</summary>
    public bool TryPollConnectionIdChange(out ConnectionId id, out bool added)
    {
        if (_cidChanges.TryDequeue(out (ConnectionId Id, bool Added) change))
        {
            id = change.Id;
            added = change.Added;
            return true;
        }

        id = default;
        added = false;
        return false;
    }

    /// <summary>Our connection IDs, for the endpoint to unregister when the connection ends.</summary>
    public void CopyLocalConnectionIds(List<ConnectionId> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        foreach ((ulong _, ConnectionId id) in _localCids)
        {
            destination.Add(id);
        }
    }

    /// <summary>
    /// RFC 9000 §10.3.1: whether the datagram ends with a stateless reset token the peer gave us. Compared in
    /// constant time.
    /// </summary>
    public bool IsStatelessReset(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < StatelessResetPacket.MinimumLength)
        {
            return false;
        }

        Span<byte> token = stackalloc byte[StatelessResetTokens.TokenLength];
        bool match = false;
        foreach ((ulong _, ConnectionId _, UInt128 t, bool has) in _peerCids)
        {
            if (has)
            {
                BinaryPrimitives.WriteUInt128BigEndian(token, t);
                match |= StatelessResetTokens.Matches(datagram, token);
            }
        }

        return match;
    }

    private void InitConnectionIds(ConnectionId localCid, ConnectionId remoteCid)
    {
        InitialSourceConnectionId = localCid;
        _localCids.Add((0, localCid));
        _nextLocalSequence = 1;
        _cidChanges.Enqueue((localCid, true));
        _peerCids.Add((0, remoteCid, default, false));
    }

    /// <summary>The client switches to the server's chosen connection ID (RFC 9000 §7.2).</summary>
    private void SetInitialPeerCid(ConnectionId cid)
    {
        _peerCids[0] = (0, cid, default, false);
    }

    private void SetPeerResetToken(ulong sequence, ReadOnlySpan<byte> token)
    {
        for (int i = 0; i < _peerCids.Count; i++)
        {
            if (_peerCids[i].Sequence == sequence)
            {
                _peerCids[i] = (sequence, _peerCids[i].Id, BinaryPrimitives.ReadUInt128BigEndian(token), true);
            }
        }
    }

    /// <summary>Issues connection IDs up to the peer's active_connection_id_limit (RFC 9000 §5.1.1).</summary>
    private void IssueConnectionIds()
    {
        if (_cidGenerator.Length == 0)
        {
            return;
        }

        int target = Math.Min(_peerActiveCidLimit, _options.MaxIssuedConnectionIds);
        while (_localCids.Count < target)
        {
            ConnectionId id = _cidGenerator.Generate();
            ulong seq = _nextLocalSequence++;
            _localCids.Add((seq, id));
            _cidChanges.Enqueue((id, true));
            _newCidPending.Enqueue(seq);
        }
    }

    private bool TryGetLocalCid(ulong sequence, out ConnectionId id)
    {
        foreach ((ulong s, ConnectionId c) in _localCids)
        {
            if (s == sequence)
            {
                id = c;
                return true;
            }
        }

        id = default;
        return false;
    }

    private bool TryWriteNewConnectionId(ref QuicWriter writer, ulong sequence)
    {
        if (!TryGetLocalCid(sequence, out ConnectionId id))
        {
            return true; // retired meanwhile: nothing to say
        }

        // A field, not stackalloc: the frame's spans must outlive nothing but may not be stack-scoped for the writer.
        _resetTokens.Compute(id.Span, _tokenScratch);
        var frame = new NewConnectionIdFrame(sequence, 0, _cidScratch.AsSpan(0, id.CopyTo(_cidScratch)), _tokenScratch);
        return frame.TryWrite(ref writer);
    }

    /// <summary>NEW_CONNECTION_ID (RFC 9000 §19.15).</summary>
    private TransportErrorCode HandleNewConnectionId(in NewConnectionIdFrame frame)
    {
        if (DestinationConnectionId.Length == 0)
        {
            // §19.15: a peer using zero-length connection IDs cannot issue new ones.
            return TransportErrorCode.ProtocolViolation;
        }

        var id = new ConnectionId(frame.ConnectionId);
        for (int i = 0; i < _peerCids.Count; i++)
        {
            if (_peerCids[i].Sequence == frame.SequenceNumber)
            {
                // A retransmission must carry the same ID and token.
                return _peerCids[i].Id == id ? TransportErrorCode.NoError : TransportErrorCode.ProtocolViolation;
            }
        }

        if (frame.SequenceNumber < _peerRetirePriorTo)
        {
            // Already retired by an earlier retire_prior_to: retire it at once (§19.15).
            QueueRetire(frame.SequenceNumber);
            return TransportErrorCode.NoError;
        }

        _peerCids.Add((frame.SequenceNumber, id, BinaryPrimitives.ReadUInt128BigEndian(frame.StatelessResetToken), true));
        if (frame.RetirePriorTo > _peerRetirePriorTo)
        {
            _peerRetirePriorTo = frame.RetirePriorTo;
            for (int i = _peerCids.Count - 1; i >= 0; i--)
            {
                if (_peerCids[i].Sequence < _peerRetirePriorTo)
                {
                    QueueRetire(_peerCids[i].Sequence);
                    _peerCids.RemoveAt(i);
                }
            }
        }

        if (_peerCids.Count == 0)
        {
            return TransportErrorCode.ProtocolViolation;
        }

        // §5.1.1: more active IDs than our limit is CONNECTION_ID_LIMIT_ERROR.
        if (_peerCids.Count > Math.Max(2, _options.ActiveConnectionIdLimit))
        {
            return TransportErrorCode.ConnectionIdLimitError;
        }

        _activePeerCid = Math.Min(_activePeerCid, _peerCids.Count - 1);
        return TransportErrorCode.NoError;
    }

    private void QueueRetire(ulong sequence)
    {
        // Bounded: a peer retiring faster than we can say so is stopped by the limit (§5.1.2).
        if (_retireCidPending.Count < 4 * Math.Max(2, _options.ActiveConnectionIdLimit))
        {
            _retireCidPending.Enqueue(sequence);
        }
    }

    /// <summary>RETIRE_CONNECTION_ID (RFC 9000 §19.16).</summary>
    private TransportErrorCode HandleRetireConnectionId(in RetireConnectionIdFrame frame, ReadOnlySpan<byte> packetDcid)
    {
        if (frame.SequenceNumber >= _nextLocalSequence)
        {
            return TransportErrorCode.ProtocolViolation;
        }

        for (int i = 0; i < _localCids.Count; i++)
        {
            if (_localCids[i].Sequence == frame.SequenceNumber)
            {
                ConnectionId id = _localCids[i].Id;
                if (id.Span.SequenceEqual(packetDcid))
                {
                    // §19.16: it must not retire the ID the packet was sent to.
                    return TransportErrorCode.ProtocolViolation;
                }

                _localCids.RemoveAt(i);
                _cidChanges.Enqueue((id, false));
                IssueConnectionIds();
                break;
            }
        }

        return TransportErrorCode.NoError;
    }
}
