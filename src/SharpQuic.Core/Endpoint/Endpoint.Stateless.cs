using System.Net;
using SharpQuic.Core.Connection;
using SharpQuic.Core.Packets;
using SharpQuic.Core.Recovery;

namespace SharpQuic.Core.Endpoint;

/// <summary>What an endpoint does for packets without a connection: accept, Retry, Version Negotiation, stateless reset.</summary>
public sealed partial class QuicEndpoint
{
    /// <summary>Server connections whose handshake is still running.</summary>
    internal int PendingHandshakes
    {
        get
        {
            int n = 0;
            foreach (QuicConnection c in _connections)
            {
                if (c.IsServer && !c.IsHandshakeComplete)
                {
                    n++;
                }
            }

            return n;
        }
    }

    /// <summary>RFC 9000 §6.1: Version Negotiation for a long header of an unknown version, only for full-sized datagrams.</summary>
    private void HandleUnsupportedVersion(in PacketHeader header, IPEndPoint remote, int datagramLength)
    {
        // A small datagram could be an amplification attempt (§14.1); a client never answers with VN.
        if (!_options.AcceptConnections || datagramLength < RecoveryConstants.MinimumMaxDatagramSize || !TryRentStatelessBuffer(out byte[] buffer))
        {
            DroppedDatagrams++;
            return;
        }

        Span<byte> random = stackalloc byte[4];
        _options.Random.Fill(random);
        Span<QuicVersion> versions = stackalloc QuicVersion[_options.Versions.Count];
        for (int i = 0; i < versions.Length; i++)
        {
            versions[i] = _options.Versions[i];
        }

        uint greaseSeed = (uint)(random[1] | (random[2] << 8) | (random[3] << 16));
        if (VersionNegotiationPacket.TryWrite(buffer, random[0], header.DestinationConnectionId, header.SourceConnectionId, versions, QuicVersion.CreateReserved(greaseSeed), out int written))
        {
            _stateless.Enqueue((buffer, written, remote));
        }
        else
        {
            _statelessBuffers.Push(buffer);
        }
    }

    /// <summary>A client's Initial with no connection: maybe a Retry, else a new server connection (RFC 9000 §7, §8.1).</summary>
    private void Accept(Instant now, IPEndPoint remote, IPEndPoint? local, in PacketHeader header, Span<byte> datagram, EcnCodepoint ecn)
    {
        if (!IsVersionEnabled(header.Version))
        {
            HandleUnsupportedVersion(header, remote, datagram.Length);
            return;
        }

        // §14.1: a server discards an Initial in a datagram smaller than 1,200 bytes.
        if (datagram.Length < RecoveryConstants.MinimumMaxDatagramSize
            || header.DestinationConnectionId.Length < 8 || PendingHandshakes >= _options.MaxPendingHandshakes)
        {
            DroppedDatagrams++;
            return;
        }

        var clientDcid = new ConnectionId(header.DestinationConnectionId);
        var clientScid = new ConnectionId(header.SourceConnectionId);
        ConnectionId originalDcid = clientDcid;
        ConnectionId? retryScid = null;
        bool tokenValidated = false;
        long unixMs = (_options.WallClockOrigin + (now - Instant.Zero)).ToUnixTimeMilliseconds();
        if (!header.Token.IsEmpty && _options.AddressValidation is AddressValidationTokens tokens)
        {
            TokenValidationResult r = tokens.TryValidate(header.Token, remote, unixMs, out AddressValidationTokenKind kind, out ConnectionId odcid, out ConnectionId rscid);
            if (r == TokenValidationResult.Valid && kind == AddressValidationTokenKind.Retry && rscid == clientDcid)
            {
                originalDcid = odcid;
                retryScid = rscid;
            }
            else if (r == TokenValidationResult.Valid && kind == AddressValidationTokenKind.NewToken)
            {
                // §8.1.3: a valid NEW_TOKEN token validates the address at once (no amplification limit, no Retry).
                tokenValidated = true;
            }
            else if (kind == AddressValidationTokenKind.Retry && _options.RequireRetry)
            {
                // §8.1.3: an invalid Retry token; dropping is allowed (a forged one must not create state).
                DroppedDatagrams++;
                return;
            }
        }

        // §8.1.3: an invalid or expired NEW_TOKEN token is ignored: the connection proceeds as if it had none.
        if (_options.RequireRetry && retryScid is null && !tokenValidated)
        {
            SendRetry(now, remote, header, clientDcid, clientScid, unixMs);
            return;
        }

        QuicConnection connection = QuicConnection.CreateServer(
            header.Version, _options.Connection, _options.ServerOptions, _options.Random, _cidGenerator, _resetTokens,
            _options.WallClockOrigin, remote, clientScid, clientDcid, originalDcid, retryScid, now, tokenValidated, _options.AddressValidation,
            _options.Versions, _options.PreferServerVersionOrder);
        _connections.Add(connection);

        // Retransmitted client Initials still carry the client's DCID until it sees ours (§7.2).
        _routes[clientDcid] = connection;
        _initialRoutes[connection] = clientDcid;
        SyncRoutes(connection);
        _accepted.Enqueue(connection);
        LastRouted = connection;
        connection.HandleDatagram(now, remote, local, datagram, ecn);
        SyncRoutes(connection);
    }

    private void SendRetry(Instant now, IPEndPoint remote, in PacketHeader header, ConnectionId clientDcid, ConnectionId clientScid, long unixMs)
    {
        if (!TryRentStatelessBuffer(out byte[] buffer))
        {
            DroppedDatagrams++;
            return;
        }

        _ = now;
        ConnectionId retryScid = _cidGenerator.Generate();
        Span<byte> token = stackalloc byte[AddressValidationTokens.MaxTokenLength];
        Span<byte> bits = stackalloc byte[1];
        _options.Random.Fill(bits);
        if (_options.AddressValidation!.TryWriteRetryToken(token, remote, clientDcid, retryScid, unixMs, out int tokenLength)
            && RetryPacket.TryWrite(buffer, header.Version, clientScid.Span, retryScid.Span, token[..tokenLength], clientDcid.Span, bits[0], out int written))
        {
            _stateless.Enqueue((buffer, written, remote));
        }
        else
        {
            _statelessBuffers.Push(buffer);
        }
    }

    /// <summary>
    /// A short header for no connection: a stateless reset for one of our clients (RFC 9000 §10.3.1), or a packet of a
    /// connection we lost, answered with a rate-limited reset smaller than the trigger (§10.3.3).
    /// </summary>
    private void HandleUnknownShortHeader(Instant now, IPEndPoint remote, ReadOnlySpan<byte> dcid, ReadOnlySpan<byte> bytes)
    {
        foreach (QuicConnection c in _connections)
        {
            if (c.RemoteAddress.Equals(remote) && c.IsStatelessReset(bytes))
            {
                c.OnStatelessReset();
                LastRouted = c;
                _needsSweep = true;
                return;
            }
        }

        int length = StatelessResetPacket.ComputeLength(bytes.Length);
        if (length == 0 || _cidGenerator.Length == 0 || !_resetLimiter.TryAcquire(now) || !TryRentStatelessBuffer(out byte[] buffer))
        {
            DroppedDatagrams++;
            return;
        }

        Span<byte> token = stackalloc byte[StatelessResetTokens.TokenLength];
        _resetTokens.Compute(dcid, token);
        if (StatelessResetPacket.TryWrite(buffer, token, length, _options.Random))
        {
            _stateless.Enqueue((buffer, length, remote));
            StatelessResetsSent++;
        }
        else
        {
            _statelessBuffers.Push(buffer);
        }
    }

    private bool IsVersionEnabled(QuicVersion version)
    {
        foreach (QuicVersion v in _options.Versions)
        {
            if (v == version)
            {
                return true;
            }
        }

        return false;
    }
}
