using System.Buffers;
using System.Security.Cryptography;
using SharpQuic.Core.Packets;
using SharpQuic.Cryptography;

namespace SharpQuic.Core.Connection;

/// <summary>
/// Key updates (RFC 9001 §6): started by either side, three sets of read keys (previous, current, next) so packets
/// reordered across an update still decrypt, the peer's illegal updates detected (KEY_UPDATE_ERROR), and the AEAD
/// usage limits of §6.6 enforced.
/// </summary>
/// <remarks>
/// Send and receive keys always move together: <see cref="_keyPhase"/> is the phase of both. A packet whose Key Phase
/// bit differs from it was protected either with the previous keys (a late packet, numbered below every packet
/// received in the current phase) or with the next keys (the peer started an update); §6.5 says to tell them apart
/// by packet number.
/// </remarks>
internal sealed partial class QuicConnection
{
    private bool _keyUpdatePingRequested;

    /// <summary>RFC 9001 §6.6: 2^23 packets per key for AEAD_AES_128_GCM and AEAD_AES_256_GCM.</summary>
    internal const long AesGcmConfidentialityLimit = 1L << 23;

    /// <summary>RFC 9001 §6.6: 2^52 forged packets per connection for the AES-GCM AEADs.</summary>
    internal const long AesGcmIntegrityLimit = 1L << 52;

    /// <summary>RFC 9001 §6.6: 2^36 forged packets per connection for AEAD_CHACHA20_POLY1305.</summary>
    internal const long ChaChaIntegrityLimit = 1L << 36;

    private readonly List<PacketProtectionKeys> _firstGenerationKeys = [];
    private bool _keyPhase;
    private PacketProtectionKeys? _nextOpenKeys;
    private byte[]? _nextReadSecret;
    private PacketProtectionKeys? _previousOpenKeys;
    private Instant? _previousKeysDiscardAt;
    private ulong? _lowestReceivedInPhase;
    private ulong? _highestReceivedWithPreviousKeys;
    private ulong _firstSentInPhase;
    private Instant? _keyUpdateAllowedAt;
    private bool _ackSentInPhase;
    private bool _packetUsedPreviousKeys;
    private long _sealedWithCurrentKeys;
    private long _failedDecryptions;

    /// <summary>Key updates performed, by either side (diagnostics).</summary>
    public int KeyUpdates { get; private set; }

    /// <summary>Key updates this side started (diagnostics).</summary>
    public int KeyUpdatesInitiated { get; private set; }

    /// <summary>The Key Phase bit of the current 1-RTT keys (RFC 9000 §17.3.1).</summary>
    internal bool KeyPhase => _keyPhase;

    /// <summary>Whether the read keys of the previous phase are still kept (RFC 9001 §6.5).</summary>
    internal bool HasPreviousReadKeys => _previousOpenKeys is not null;

    /// <summary>Packets received that failed authentication, all keys together (RFC 9001 §6.6).</summary>
    internal long FailedDecryptions => _failedDecryptions;

    /// <summary>Packets of the previous phase that arrived late and still decrypted (RFC 9001 §6.5; diagnostics).</summary>
    internal long PacketsOpenedWithPreviousKeys { get; private set; }

    /// <summary>Test hook: this many datagrams in a row each start a key update, ignoring §6.1 (a misbehaving peer).</summary>
    internal int MisbehavingKeyUpdates { get; set; }

    /// <summary>1-RTT packets sealed with the current write keys (RFC 9001 §6.6).</summary>
    internal long PacketsSealedWithCurrentKeys => _sealedWithCurrentKeys;

    /// <summary>
    /// Starts a key update ourselves (RFC 9001 §6.1): both directions move to the next generation and the Key Phase
    /// bit flips. False, changing nothing, before the handshake is confirmed or while no packet sent with the current
    /// keys has been acknowledged (§6.1: the peer must have the current keys before we move on).
    /// </summary>
    internal bool InitiateKeyUpdate() => TryInitiateKeyUpdate(_lastActivity, waitThreePto: false);

    /// <summary>Whether a key update may be started now (RFC 9001 §6.1, §6.5).</summary>
    internal bool CanInitiateKeyUpdate(Instant now, bool waitThreePto)
    {
        if (State != ConnectionState.Open || !_handshakeConfirmed || _applicationReadSecret is null || _applicationWriteSecret is null)
        {
            return false;
        }

        // §6.1: an acknowledgment of a packet of the current phase is required; §6.5: then wait three PTOs.
        return _keyUpdateAllowedAt is Instant allowed && (!waitThreePto || now >= allowed);
    }

    /// <summary>
    /// Called before each datagram is built: an update every <see cref="ConnectionOptions.KeyUpdateInterval"/> packets,
    /// and before the AEAD confidentiality limit (§6.6); when the limit is near and no update is possible the connection
    /// closes with AEAD_LIMIT_REACHED while a few packets are still allowed for CONNECTION_CLOSE.
    /// </summary>
    private void MaybeUpdateKeysBeforeSend(Instant now)
    {
        if (State != ConnectionState.Open || !_handshakeConfirmed)
        {
            return;
        }

        DiscardPreviousKeysIfDue(now);
        if (MisbehavingKeyUpdates > 0 && EnsureNextOpenKeys(_spaces[2]))
        {
            MisbehavingKeyUpdates--;
            MoveToNextKeys(_spaces[2], now, peerPacketNumber: null);
            return;
        }

        long limit = ConfidentialityLimit();
        long interval = _options.KeyUpdateInterval;
        bool intervalDue = interval > 0 && _sealedWithCurrentKeys >= interval;
        if (intervalDue && _keyUpdateAllowedAt is null && !_keyUpdatePingRequested)
        {
            // §6.1 waits for an acknowledgment of a packet of this phase; a receiver that sends only ACKs never gets
            // one, so one PING asks the peer for it.
            _keyUpdatePingRequested = true;
            _keepAlivePending = true;
        }

        bool limitNear = _sealedWithCurrentKeys >= limit - (limit / 4);
        if (!intervalDue && !limitNear)
        {
            return;
        }

        if (_sealedWithCurrentKeys >= limit - Math.Max(1, limit / 16))
        {
            // §6.6: the keys must not be used past the limit; the three-PTO courtesy of §6.5 no longer applies.
            if (!TryInitiateKeyUpdate(now, waitThreePto: false))
            {
                CloseWithError((ulong)TransportErrorCode.AeadLimitReached, 0, "AEAD confidentiality limit reached", now);
            }

            return;
        }

        TryInitiateKeyUpdate(now, waitThreePto: true);
    }

    private bool TryInitiateKeyUpdate(Instant now, bool waitThreePto)
    {
        if (!CanInitiateKeyUpdate(now, waitThreePto) || !EnsureNextOpenKeys(_spaces[2]))
        {
            return false;
        }

        MoveToNextKeys(_spaces[2], now, peerPacketNumber: null);
        KeyUpdatesInitiated++;
        return true;
    }

    /// <summary>Counts a 1-RTT packet sealed with the current keys (§6.6).</summary>
    private void OnApplicationPacketSealed() => _sealedWithCurrentKeys++;

    /// <summary>
    /// An ACK frame of ours in a 1-RTT packet (sealed with the current keys): once it covers a packet of the current
    /// phase the peer may start the next update (§6.2), so an update before that is an error.
    /// </summary>
    private void OnApplicationAckWritten(ulong largestAcknowledged)
    {
        if (_lowestReceivedInPhase is ulong lowest && largestAcknowledged >= lowest)
        {
            _ackSentInPhase = true;
        }
    }

    /// <summary>
    /// An ACK frame in the application space was processed. §6.1: an acknowledgment of a packet of the current phase
    /// permits the next update (after three PTOs, §6.5). §6.2: an ACK in a packet protected with the previous keys that
    /// acknowledges a packet sent with newer keys shows a peer that did not update: KEY_UPDATE_ERROR.
    /// </summary>
    private TransportErrorCode OnApplicationAckForKeys(ulong largestAcknowledged, Instant now)
    {
        if (KeyUpdates > 0 && _packetUsedPreviousKeys && largestAcknowledged >= _firstSentInPhase)
        {
            return TransportErrorCode.KeyUpdateError;
        }

        if (_keyUpdateAllowedAt is null && largestAcknowledged >= _firstSentInPhase)
        {
            _keyUpdateAllowedAt = KeyUpdates == 0 ? now : now + ThreePto();
        }

        return TransportErrorCode.NoError;
    }

    /// <summary>
    /// A packet failed authentication (§6.6): counted for the connection's lifetime; at the integrity limit the
    /// connection closes with AEAD_LIMIT_REACHED and processes nothing more.
    /// </summary>
    private void OnAuthenticationFailed(Instant now)
    {
        _failedDecryptions++;
        long limit = _options.AeadIntegrityLimit
            ?? (_applicationSuite == CipherSuite.ChaCha20Poly1305Sha256 ? ChaChaIntegrityLimit : AesGcmIntegrityLimit);
        if (_failedDecryptions >= limit)
        {
            CloseWithError((ulong)TransportErrorCode.AeadLimitReached, 0, "AEAD integrity limit reached", now);
        }
    }

    /// <summary>
    /// Decrypts a 1-RTT payload whose header protection is already removed, choosing previous, current or next keys
    /// (§6.3, §6.5). Illegal updates close the connection with KEY_UPDATE_ERROR (the result is then DecryptionFailed
    /// and <see cref="State"/> is no longer Open).
    /// </summary>
    private PacketProtectionResult DecryptApplicationPayload(
        PacketSpaceState s, Span<byte> packet, int pnOffset, int pnLength, ulong pn, Instant now, out int payloadOffset, out int payloadLength)
    {
        DiscardPreviousKeysIfDue(now);
        _packetUsedPreviousKeys = false;
        if (PacketProtection.KeyPhase(packet) == _keyPhase)
        {
            PacketProtectionResult current = PacketProtection.DecryptPayload(packet, pnOffset, pnLength, pn, s.OpenKeys!, out payloadOffset, out payloadLength);
            if (current == PacketProtectionResult.Success)
            {
                // §6.4: a packet numbered above one protected with older keys must not use newer keys... and the reverse.
                if (_highestReceivedWithPreviousKeys is ulong oldHigh && pn < oldHigh)
                {
                    return KeyUpdateViolation("newer keys on a lower packet number", now, out payloadOffset, out payloadLength);
                }

                OnCurrentPhasePacket(pn, now);
            }

            return current;
        }

        if (_previousOpenKeys is not null && (_lowestReceivedInPhase is not ulong lowest || pn < lowest))
        {
            // §6.5: below every packet of the current phase: a late packet of the previous phase.
            PacketProtectionResult old = PacketProtection.DecryptPayload(packet, pnOffset, pnLength, pn, _previousOpenKeys, out payloadOffset, out payloadLength);
            if (old == PacketProtectionResult.Success)
            {
                _packetUsedPreviousKeys = true;
                PacketsOpenedWithPreviousKeys++;
                _highestReceivedWithPreviousKeys = _highestReceivedWithPreviousKeys is ulong h ? Math.Max(h, pn) : pn;
            }

            return old;
        }

        if (_previousOpenKeys is null)
        {
            return DecryptWithNextKeys(s, packet, pnOffset, pnLength, pn, now, out payloadOffset, out payloadLength);
        }

        // Above a packet of the current phase with the other Key Phase: the next keys, or the previous keys of a peer
        // that went back (§6.4, KEY_UPDATE_ERROR). The AEAD leaves a failed payload unspecified: keep a copy to retry.
        byte[] copy = ArrayPool<byte>.Shared.Rent(packet.Length);
        try
        {
            packet.CopyTo(copy);
            PacketProtectionResult next = DecryptWithNextKeys(s, packet, pnOffset, pnLength, pn, now, out payloadOffset, out payloadLength);
            if (next != PacketProtectionResult.DecryptionFailed)
            {
                return next;
            }

            Span<byte> retry = copy.AsSpan(0, packet.Length);
            if (PacketProtection.DecryptPayload(retry, pnOffset, pnLength, pn, _previousOpenKeys, out _, out _) == PacketProtectionResult.Success)
            {
                return KeyUpdateViolation("previous keys above a packet of the current phase", now, out payloadOffset, out payloadLength);
            }

            return PacketProtectionResult.DecryptionFailed;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy.AsSpan(0, packet.Length));
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private PacketProtectionResult DecryptWithNextKeys(
        PacketSpaceState s, Span<byte> packet, int pnOffset, int pnLength, ulong pn, Instant now, out int payloadOffset, out int payloadLength)
    {
        payloadOffset = 0;
        payloadLength = 0;

        // §6.2 lets a peer update once its handshake is confirmed; ours may not be yet (a lost HANDSHAKE_DONE), but our
        // handshake is complete, so follow.
        if (!_handshakeComplete || !EnsureNextOpenKeys(s))
        {
            return PacketProtectionResult.DecryptionFailed;
        }

        PacketProtectionResult r = PacketProtection.DecryptPayload(packet, pnOffset, pnLength, pn, _nextOpenKeys!, out payloadOffset, out payloadLength);
        if (r != PacketProtectionResult.Success)
        {
            return r;
        }

        if (_lowestReceivedInPhase is ulong lowest && pn < lowest)
        {
            // §6.4: newer keys on a packet numbered below one protected with older keys.
            return KeyUpdateViolation("next keys on a lower packet number", now, out payloadOffset, out payloadLength);
        }

        if (!_ackSentInPhase)
        {
            // §6.2: a second update before we acknowledged a packet of the current phase with the current keys.
            return KeyUpdateViolation("consecutive key updates", now, out payloadOffset, out payloadLength);
        }

        // §6.2: the peer updated; we update our sending keys before acknowledging the packet.
        MoveToNextKeys(s, now, pn);
        return r;
    }

    private PacketProtectionResult KeyUpdateViolation(string reason, Instant now, out int payloadOffset, out int payloadLength)
    {
        payloadOffset = 0;
        payloadLength = 0;
        CloseWithError((ulong)TransportErrorCode.KeyUpdateError, 0, reason, now);
        return PacketProtectionResult.DecryptionFailed;
    }

    private void OnCurrentPhasePacket(ulong pn, Instant now)
    {
        if (_lowestReceivedInPhase is not ulong lowest || pn < lowest)
        {
            _lowestReceivedInPhase = pn;
        }

        // §6.5: the previous keys go three PTOs after the first packet protected with the new keys.
        if (_previousOpenKeys is not null && _previousKeysDiscardAt is null)
        {
            _previousKeysDiscardAt = now + ThreePto();
        }
    }

    /// <summary>Derives the next read keys once per phase; kept even if the packet that needed them is dropped (§6.3).</summary>
    private bool EnsureNextOpenKeys(PacketSpaceState s)
    {
        if (_nextOpenKeys is not null)
        {
            return true;
        }

        if (_applicationReadSecret is null || _applicationWriteSecret is null || s.OpenKeys is null || s.SealKeys is null)
        {
            return false;
        }

        _nextReadSecret = new byte[_applicationReadSecret.Length];
        PacketProtectionKeys.NextSecret(_applicationSuite, _applicationReadSecret, _version.KeyLabels, _nextReadSecret);
        _nextOpenKeys = s.OpenKeys.NextGeneration(_nextReadSecret, _version.KeyLabels);
        return true;
    }

    /// <summary>
    /// Both directions move on a generation. <paramref name="peerPacketNumber"/> is the packet that carried the peer's
    /// update, or null when we start it.
    /// </summary>
    private void MoveToNextKeys(PacketSpaceState s, Instant now, ulong? peerPacketNumber)
    {
        var nextWriteSecret = new byte[_applicationWriteSecret!.Length];
        PacketProtectionKeys.NextSecret(_applicationSuite, _applicationWriteSecret, _version.KeyLabels, nextWriteSecret);
        PacketProtectionKeys nextSeal = s.SealKeys!.NextGeneration(nextWriteSecret, _version.KeyLabels);
        if (KeyUpdates == 0)
        {
            // First-generation keys own the header protection keys every later generation shares: kept to the end.
            _firstGenerationKeys.Add(s.OpenKeys!);
            _firstGenerationKeys.Add(s.SealKeys);
        }

        // §6.5: at most one previous generation is kept for reading.
        DropPreviousKeys();
        _previousOpenKeys = s.OpenKeys;
        Retire(s.SealKeys);
        s.OpenKeys = _nextOpenKeys;
        s.SealKeys = nextSeal;
        CryptographicOperations.ZeroMemory(_applicationReadSecret!);
        CryptographicOperations.ZeroMemory(_applicationWriteSecret);
        _applicationReadSecret = _nextReadSecret;
        _applicationWriteSecret = nextWriteSecret;
        _nextOpenKeys = null;
        _nextReadSecret = null;
        _keyPhase = !_keyPhase;
        KeyUpdates++;

        // The new phase starts with the next packet number we send and, for a peer's update, the packet that carried it.
        _firstSentInPhase = _spaces[2].NextPacketNumber;
        _keyUpdateAllowedAt = null;
        _keyUpdatePingRequested = false;
        _ackSentInPhase = false;
        _sealedWithCurrentKeys = 0;
        _highestReceivedWithPreviousKeys = null;
        _lowestReceivedInPhase = peerPacketNumber;
        _previousKeysDiscardAt = peerPacketNumber is null ? null : now + ThreePto();
    }

    /// <summary>§6.5: the previous read keys and their secret are dropped three PTOs after the first new-phase packet.</summary>
    private void DiscardPreviousKeysIfDue(Instant now)
    {
        if (_previousKeysDiscardAt is Instant at && now >= at)
        {
            DropPreviousKeys();
        }
    }

    private void DropPreviousKeys()
    {
        if (_previousOpenKeys is not null)
        {
            Retire(_previousOpenKeys);
            _previousOpenKeys = null;
        }

        _previousKeysDiscardAt = null;
        _highestReceivedWithPreviousKeys = null;
    }

    private void Retire(PacketProtectionKeys keys)
    {
        foreach (PacketProtectionKeys first in _firstGenerationKeys)
        {
            if (ReferenceEquals(first, keys))
            {
                return;
            }
        }

        keys.Dispose();
    }

    /// <summary>§6.6: the confidentiality limit of the negotiated AEAD (ChaCha20-Poly1305's exceeds any packet count).</summary>
    private long ConfidentialityLimit() => _options.AeadConfidentialityLimit
        ?? (_applicationSuite == CipherSuite.ChaCha20Poly1305Sha256 ? long.MaxValue : AesGcmConfidentialityLimit);

    private void DisposeKeyUpdateState()
    {
        _nextOpenKeys?.Dispose();
        if (_nextReadSecret is not null)
        {
            CryptographicOperations.ZeroMemory(_nextReadSecret);
        }

        DropPreviousKeys();
        foreach (PacketProtectionKeys k in _firstGenerationKeys)
        {
            k.Dispose();
        }
    }
}
