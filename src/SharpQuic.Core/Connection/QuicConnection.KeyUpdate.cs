using System.Security.Cryptography;
using SharpQuic.Core.Packets;
using SharpQuic.Cryptography;

namespace SharpQuic.Core.Connection;

/// <summary>Key updates started by the peer (RFC 9001 §6): a flipped Key Phase bit moves both directions on.</summary>
internal sealed partial class QuicConnection
{
    private readonly List<PacketProtectionKeys> _firstGenerationKeys = [];
    private bool _keyPhase;
    private PacketProtectionKeys? _nextOpenKeys;
    private byte[]? _nextReadSecret;

    /// <summary>Key updates performed (diagnostics).</summary>
    public int KeyUpdates { get; private set; }

    private PacketProtectionResult DecryptWithNextKeys(PacketSpaceState s, Span<byte> packet, int pnOffset, int pnLength, ulong pn, out int payloadOffset, out int payloadLength)
    {
        payloadOffset = 0;
        payloadLength = 0;
        if (_applicationReadSecret is null || _applicationWriteSecret is null || s.OpenKeys is null || s.SealKeys is null || !_handshakeConfirmed)
        {
            return PacketProtectionResult.DecryptionFailed;
        }

        if (_nextOpenKeys is null)
        {
            _nextReadSecret = new byte[_applicationReadSecret.Length];
            PacketProtectionKeys.NextSecret(_applicationSuite, _applicationReadSecret, _version.KeyLabels, _nextReadSecret);
            _nextOpenKeys = s.OpenKeys.NextGeneration(_nextReadSecret, _version.KeyLabels);
        }

        PacketProtectionResult r = PacketProtection.DecryptPayload(packet, pnOffset, pnLength, pn, _nextOpenKeys, out payloadOffset, out payloadLength);
        if (r != PacketProtectionResult.Success)
        {
            return r;
        }

        // §6.2: the peer updated; we update our sending keys as well.
        MoveToNextKeys(s);
        return r;
    }

    /// <summary>
    /// Starts a key update ourselves (RFC 9001 §6.1): both directions move to the next generation and the Key Phase bit
    /// flips. Packets the peer sent in the old phase after this are dropped and recovered as losses (we keep no
    /// previous read keys). False before the handshake is confirmed.
    /// </summary>
    internal bool InitiateKeyUpdate()
    {
        PacketSpaceState s = _spaces[2];
        if (_applicationReadSecret is null || _applicationWriteSecret is null || s.OpenKeys is null || s.SealKeys is null || !_handshakeConfirmed)
        {
            return false;
        }

        if (_nextOpenKeys is null)
        {
            _nextReadSecret = new byte[_applicationReadSecret.Length];
            PacketProtectionKeys.NextSecret(_applicationSuite, _applicationReadSecret, _version.KeyLabels, _nextReadSecret);
            _nextOpenKeys = s.OpenKeys.NextGeneration(_nextReadSecret, _version.KeyLabels);
        }

        MoveToNextKeys(s);
        return true;
    }

    private void MoveToNextKeys(PacketSpaceState s)
    {
        var nextWriteSecret = new byte[_applicationWriteSecret!.Length];
        PacketProtectionKeys.NextSecret(_applicationSuite, _applicationWriteSecret, _version.KeyLabels, nextWriteSecret);
        PacketProtectionKeys nextSeal = s.SealKeys!.NextGeneration(nextWriteSecret, _version.KeyLabels);
        Retire(s.OpenKeys!);
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
    }

    /// <summary>First-generation keys own the header protection key that later generations share: kept to the end.</summary>
    private void Retire(PacketProtectionKeys keys)
    {
        if (KeyUpdates == 0)
        {
            _firstGenerationKeys.Add(keys);
        }
        else
        {
            keys.Dispose();
        }
    }

    private void DisposeKeyUpdateState()
    {
        _nextOpenKeys?.Dispose();
        foreach (PacketProtectionKeys k in _firstGenerationKeys)
        {
            k.Dispose();
        }
    }
}
