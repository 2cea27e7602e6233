using BenchmarkDotNet.Attributes;
using SharpQuic.Cryptography;
using SharpQuic.Cryptography.Aead;
using SharpQuic.Cryptography.ChaCha;
using SharpQuic.Cryptography.HeaderProtection;

namespace SharpQuic.Benchmarks;

/// <summary>ChaCha20 header protection (RFC 9001 §5.4.4) and the block function under it.</summary>
[MemoryDiagnoser]
public class ChaChaHeaderProtectionBenchmarks
{
    private readonly byte[] _sample = new byte[HeaderProtectionKey.SampleSize];
    private readonly byte[] _mask = new byte[HeaderProtectionKey.MaskSize];
    private readonly byte[] _nonce = new byte[ChaCha20.NonceSize];
    private readonly byte[] _block = new byte[ChaCha20.BlockSize];
    private readonly byte[] _stream = new byte[ChaCha20.EightBlocks];
    private readonly uint[] _keyWords = new uint[ChaCha20.KeyWords];
    private HeaderProtectionKey _hp = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1303);
        byte[] key = new byte[32];
        random.NextBytes(key);
        random.NextBytes(_sample);
        random.NextBytes(_nonce);
        _hp = HeaderProtectionKey.Create(CipherSuite.ChaCha20Poly1305Sha256, key);
        ChaCha20.LoadKey(key, _keyWords);
    }

    [GlobalCleanup]
    public void Cleanup() => _hp.Dispose();

    /// <summary>One header protection mask (the sample changes so nothing is hoisted).</summary>
    [Benchmark(Baseline = true)]
    public byte HeaderProtectionMask()
    {
        _sample[0]++;
        _hp.ComputeMask(_sample, _mask);
        return _mask[0];
    }

    /// <summary>A whole 64-byte block, for comparison with the mask's first row only.</summary>
    [Benchmark]
    public byte Block()
    {
        ChaCha20.Block(_keyWords, _sample[0]++, _nonce, _block);
        return _block[0];
    }

    /// <summary>Eight blocks of key stream (the AEAD's bulk path), per 512 bytes.</summary>
    [Benchmark]
    public byte KeyStream512()
    {
        ChaCha20.Xor(_keyWords, _sample[0]++, _nonce, _stream, _stream);
        return _stream[0];
    }
}

/// <summary>ChaCha20-Poly1305 packet protection: as PacketAead.Create gives it (the BCL's) and the managed fallback.</summary>
[MemoryDiagnoser]
public class ChaChaAeadBenchmarks
{
    private readonly byte[] _nonce = new byte[PacketAead.NonceSize];
    private readonly byte[] _aad = new byte[20];
    private readonly byte[] _tag = new byte[PacketAead.TagSize];
    private PacketAead _aead = null!;
    private PacketAead _managed = null!;
    private byte[] _payload = null!;

    [Params(64, 512, 1500)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1303);
        byte[] key = new byte[32];
        random.NextBytes(key);
        random.NextBytes(_nonce);
        random.NextBytes(_aad);
        _aead = PacketAead.Create(CipherSuite.ChaCha20Poly1305Sha256, key);
        _managed = new ManagedChaCha20Poly1305Aead(key);
        _payload = new byte[PayloadSize];
        random.NextBytes(_payload);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _aead.Dispose();
        _managed.Dispose();
    }

    /// <summary>Seal of one packet payload, in place.</summary>
    [Benchmark(Baseline = true)]
    public byte Seal()
    {
        _nonce[11]++;
        _aead.Seal(_nonce, _aad, _payload, _tag);
        return _tag[0];
    }

    /// <summary>The managed fallback (used only without a BCL ChaCha20Poly1305).</summary>
    [Benchmark]
    public byte ManagedSeal()
    {
        _nonce[11]++;
        _managed.Seal(_nonce, _aad, _payload, _tag);
        return _tag[0];
    }
}
