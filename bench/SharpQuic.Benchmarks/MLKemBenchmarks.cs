using BenchmarkDotNet.Attributes;
using SharpQuic.Cryptography.Hashing;
using SharpQuic.Cryptography.KeyExchange.MLKem;

namespace SharpQuic.Benchmarks;

/// <summary>Managed ML-KEM-768 operations and the Keccak underneath them.</summary>
[MemoryDiagnoser]
public class MLKemBenchmarks
{
    private readonly byte[] _seed = new byte[MLKem768.SeedSize];
    private readonly byte[] _ek = new byte[MLKem768.EncapsulationKeySize];
    private readonly byte[] _dk = new byte[MLKem768.DecapsulationKeySize];
    private readonly byte[] _ct = new byte[MLKem768.CiphertextSize];
    private readonly byte[] _ss = new byte[MLKem768.SharedSecretSize];
    private readonly byte[] _m = new byte[32];
    private readonly byte[] _shakeOutput = new byte[4096];

    [GlobalSetup]
    public void Setup()
    {
        new Random(768).NextBytes(_seed);
        _m.AsSpan().Fill(7);
        MLKem768Managed.KeyGenFromSeed(_seed, _ek, _dk);
        MLKem768Managed.TryEncapsulate(_ek, _m, _ct, _ss);
    }

    [Benchmark]
    public void KeyGen() => MLKem768Managed.KeyGenFromSeed(_seed, _ek, _dk);

    [Benchmark]
    public bool Encaps() => MLKem768Managed.TryEncapsulate(_ek, _m, _ct, _ss);

    [Benchmark]
    public bool Decaps() => MLKem768Managed.TryDecapsulate(_dk, _ct, _ss);

    /// <summary>SHAKE128 squeezing 4 KiB (divide by 4096 for per-byte cost).</summary>
    [Benchmark]
    public void Shake128Squeeze4K() => Keccak.Shake128(_seed.AsSpan(0, 34), _shakeOutput);
}
