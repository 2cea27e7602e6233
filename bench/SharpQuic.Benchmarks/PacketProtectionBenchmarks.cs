using BenchmarkDotNet.Attributes;
using SharpQuic.Core.Packets;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.Aead;

namespace SharpQuic.Benchmarks;

/// <summary>
/// Protect (seal + header protection) and Unprotect of one 1-RTT packet, in place, per AEAD.
/// Packets per second per core = 1e9 / (ns per Protect).
/// </summary>
[MemoryDiagnoser]
public class PacketProtectionBenchmarks
{
    private readonly PacketProtectionBenchmarkState _state = new();

    [Params(64, 512, 1500)]
    public int PayloadLength { get; set; }

    [Params(CipherSuite.Aes128GcmSha256, CipherSuite.Aes256GcmSha384, CipherSuite.ChaCha20Poly1305Sha256)]
    public CipherSuite Suite { get; set; }

    [GlobalSetup]
    public void Setup() => _state.Setup(Suite, PayloadLength);

    [GlobalCleanup]
    public void Cleanup() => _state.Dispose();

    [Benchmark]
    public void Protect() => _state.Protect();

    [Benchmark]
    public bool Unprotect() => _state.Unprotect();
}

/// <summary>
/// Shared state. Unprotect works in place, so each call first copies a protected packet into
/// the working buffer (a memcpy of at most 1.5 KB, a few tens of ns, included in the figure).
/// </summary>
internal sealed class PacketProtectionBenchmarkState : IDisposable
{
    private const int PacketNumberLength = 2;
    private static readonly byte[] s_dcid = [1, 2, 3, 4, 5, 6, 7, 8];

    private PacketProtectionKeys? _keys;
    private byte[] _packet = [];
    private byte[] _protected = [];
    private ulong _packetNumber;

    public void Setup(CipherSuite suite, int payloadLength)
    {
        byte[] secret = new byte[CipherSuiteInfo.HashSize(suite)];
        new Random(1).NextBytes(secret);
        _keys = PacketProtectionKeys.FromSecret(suite, secret, QuicVersion.V1.KeyLabels);
        _packet = new byte[1 + s_dcid.Length + PacketNumberLength + payloadLength + PacketAead.TagSize];
        _packetNumber = 1000;
        Protect();
        _protected = (byte[])_packet.Clone();
    }

    public void Protect()
    {
        _packetNumber++;
        PacketHeaderWriter.TryWriteShortHeader(_packet, s_dcid, false, false, _packetNumber, PacketNumberLength, out _);
        PacketProtection.Protect(_packet, 1 + s_dcid.Length, PacketNumberLength, _packetNumber, _keys!);
    }

    public bool Unprotect()
    {
        _protected.CopyTo(_packet, 0);
        return PacketProtection.Unprotect(_packet, 1 + s_dcid.Length, 1001, _keys!, out _, out _, out _) == PacketProtectionResult.Success;
    }

    public void Dispose() => _keys?.Dispose();
}
